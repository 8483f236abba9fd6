import assert from "node:assert/strict";
import { createAcquireContext, proximity, seedCentroids } from "../../lib/acquire/mod.ts";
import { candidate, fixedEmbedder, questionRecord } from "./fixed_embedder.ts";
import { tinyStudent } from "./tiny_student.ts";

const student = tinyStudent(1);
const VECTORS = {
  s1: [1, 0, 0],
  s2: [0, 1, 0],
  q1: [3, 4, 0], // cos to s1 0.6, to s2 0.8
  q2: [0, 0, 1], // orthogonal to both
  q3: [-1, -1, 0], // negative cosine to both
  q4: [1, 1, 1],
};

function context(options?: Record<string, Record<string, unknown>>) {
  return createAcquireContext(student, [questionRecord("s1"), questionRecord("s2")], {
    embedder: fixedEmbedder(VECTORS),
    options,
  });
}

Deno.test("proximity is the largest cosine to a seed centroid, clipped at 0", async () => {
  // k = min(100, 2) = 2: each seed is its own centroid.
  const got = await proximity.score(["q1", "q2", "q3", "q4"].map(candidate), context());
  const want = [0.8, 0, 0, 1 / Math.sqrt(3)];
  got.forEach((g, i) => assert.ok(Math.abs(g! - want[i]) < 1e-6, `${i}: ${g} vs ${want[i]}`));
});

Deno.test("proximity with k = 1 compares with the mean of the seeds", async () => {
  const c = context({ proximity: { k: 1 } });
  assert.deepEqual([...(await seedCentroids(c, 1))[0]], [0.5, 0.5, 0]);
  const [q1] = await proximity.score([candidate("q1")], c);
  // cos((3,4,0), (1,1,0)) = 7 / (5 √2)
  assert.ok(Math.abs(q1! - 7 / (5 * Math.SQRT2)) < 1e-6);
});

Deno.test("proximity: empty batch, no record, and a bad k", async () => {
  assert.deepEqual(await proximity.score([], context()), []);
  const [none, q1] = await proximity.score([candidate(null), candidate("q1")], context());
  assert.equal(none, null);
  assert.ok(q1! > 0);
  await assert.rejects(
    () => proximity.score([candidate("q1")], context({ proximity: { k: 3 } })),
    /option 'k' must be an integer from 1 to the 2 seeds: current value is 3/,
  );
});
