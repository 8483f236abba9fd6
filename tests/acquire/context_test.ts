import assert from "node:assert/strict";
import {
  createAcquireContext,
  hashedNgramEmbedder,
  kMeans,
  seedCentroids,
  seedEmbeddings,
} from "../../lib/acquire/mod.ts";
import type { Embedder } from "../../lib/acquire/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { mathRecord, tinyStudent } from "./tiny_student.ts";

const student = tinyStudent(1);
const seeds = ["What is 2 + 2?", "What is 3 + 5?", "Name a prime", "Name an even prime"].map(
  (q) => mathRecord(q, "0"),
);

/** An embedder that counts its calls (a real hashed n-gram embedder underneath). */
function counting(): Embedder & { calls: number } {
  const inner = hashedNgramEmbedder({ dims: 64 });
  const e = {
    name: "counting",
    calls: 0,
    embed(texts: readonly string[]) {
      e.calls++;
      return inner.embed(texts);
    },
  };
  return e;
}

Deno.test("createAcquireContext defaults to the student's embedder and a seeded RNG", () => {
  const a = createAcquireContext(student, seeds, { seed: 4 });
  const b = createAcquireContext(student, seeds, { seed: 4 });
  assert.equal(a.embedder.name, "student-mean-pool");
  assert.equal(a.rng.next(), b.rng.next());
  assert.equal(a.seeds, seeds);
  assert.equal(a.sandbox, undefined);
  const rng = createRng(9);
  assert.equal(createAcquireContext(student, seeds, { rng }).rng, rng);
  const c = createAcquireContext(student, [], { options: { proximity: { k: 3 } } });
  assert.deepEqual(c.options, { proximity: { k: 3 } });
});

Deno.test("createAcquireContext names the field of a bad option", () => {
  assert.throws(
    () => createAcquireContext(student, seeds, { seed: 1.5 }),
    /'seed' must be an integer: current value is 1.5/,
  );
  assert.throws(
    () => createAcquireContext(student, seeds, { sed: 1 } as never),
    /unknown option 'sed'/,
  );
  assert.throws(
    () => createAcquireContext(student, seeds, { committee: [1] } as never),
    /'committee\[0\]' must be a LanguageModel/,
  );
  assert.throws(
    () => createAcquireContext(student, [{ q: 1 }] as never),
    /'seeds\[0\]' must be a task record/,
  );
  assert.throws(
    () => createAcquireContext(student, seeds, { options: { proximity: 3 } } as never),
    /'options.proximity' must be an object/,
  );
});

Deno.test("seedEmbeddings embeds the seed questions once per context", async () => {
  const embedder = counting();
  const context = createAcquireContext(student, seeds, { embedder });
  const [a, b] = await Promise.all([seedEmbeddings(context), seedEmbeddings(context)]);
  assert.equal(a, b);
  assert.equal(embedder.calls, 1);
  assert.deepEqual(a, await hashedNgramEmbedder({ dims: 64 }).embed(seeds.map((r) => r.question)));
});

Deno.test("seedCentroids are k-means of the seed embeddings from the context's RNG split, cached by k", async () => {
  const context = createAcquireContext(student, seeds, { embedder: counting(), seed: 2 });
  const all = await seedCentroids(context);
  assert.equal(all.length, 4); // k = min(100, 4 seeds)
  const two = await seedCentroids(context, 2);
  assert.equal(await seedCentroids(context, 2), two);
  const points = await seedEmbeddings(context);
  const want = kMeans(points, 2, { rng: createRng(2).split("seed-centroids:2") }).centroids;
  assert.deepEqual(two, want);
  await assert.rejects(
    () => seedCentroids(context, 5),
    /'k' must be an integer from 1 to the 4 seeds: current value is 5/,
  );
  const empty = createAcquireContext(student, [], { embedder: counting() });
  await assert.rejects(() => seedCentroids(empty), /the context has no seeds/);
});
