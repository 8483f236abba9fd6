import assert from "node:assert/strict";
import { answerExample } from "../../lib/acquire/gradient.ts";
import { influence } from "../../lib/acquire/influence.ts";
import { cosine, countSketch, projectVector } from "../../lib/acquire/projection.ts";
import { gradientVectors } from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { contextFor, mathRecord, tinyStudent } from "./tiny_student.ts";

const records = [
  mathRecord("1+2?", "3", "one and two"),
  mathRecord("7-7?", "0"),
  mathRecord("2*4?", "8", "twice four"),
  mathRecord("9+9?", "18"),
];

Deno.test("influence of a candidate against a validation set of itself is 1", async () => {
  const model = tinyStudent(11);
  const [got] = await influence.score(
    [{ text: "", record: records[0] }],
    contextFor(model, { validation: [records[0]] }),
  );
  assert.ok(Math.abs(got! - 1) < 1e-9, `${got}`);
});

Deno.test("influence is the cosine of the full gradients to within the projection's error", async () => {
  const model = tinyStudent(12);
  const dim = 2048;
  const validation = records.slice(0, 2);
  const cands = records.map((record) => ({ text: "", record }));
  const got = await influence.score(
    cands,
    contextFor(model, { validation, options: { influence: { dim } } }),
  );
  const grads = await gradientVectors(model, records.map((r) => answerExample(model, r)!));
  const mean = grads[0].map((v, i) => (v + grads[1][i]) / 2);
  // A cosine is off by about √(2/d) at most per standard deviation: allow four.
  const tol = 4 * Math.sqrt(2 / dim);
  const truth = grads.map((g) => cosine(g, mean));
  truth.forEach((t, k) => assert.ok(Math.abs(got[k]! - t) < tol, `${k}: ${got[k]} vs ${t}`));
  assert.ok(new Set(truth.map((t) => t.toFixed(3))).size > 2, "candidates differ in influence");
});

Deno.test("opposite gradients project to opposite vectors: influence −1", async () => {
  // A candidate's true gradient and its negation through the same projection.
  const model = tinyStudent(13);
  const [g] = await gradientVectors(model, [answerExample(model, records[2])!]);
  const s = countSketch(g.length, 2048, createRng(1));
  assert.equal(cosine(projectVector(s, g), projectVector(s, g.map((v) => -v))), -1);
});

Deno.test("influence computes the validation gradient once per context and caches it", async () => {
  const model = tinyStudent(14);
  const ctx = contextFor(model, { validation: [records[1]] });
  const [a] = await influence.score([{ text: "", record: records[3] }], ctx);
  assert.equal([...ctx.cache.keys()].filter((k) => k.startsWith("influence:")).length, 2);
  // A changed validation set is not read again: the cached mean gradient stands.
  const [b] = await influence.score(
    [{ text: "", record: records[3] }],
    { ...ctx, validation: [records[0]] },
  );
  assert.equal(a, b);
  const [fresh] = await influence.score(
    [{ text: "", record: records[3] }],
    contextFor(model, { validation: [records[0]] }),
  );
  assert.notEqual(fresh, a);
});

Deno.test("influence: empty batch gives [], no record gives null, it needs validation records", async () => {
  const model = tinyStudent(15);
  assert.deepEqual(await influence.score([], contextFor(model, { validation: [records[0]] })), []);
  assert.deepEqual(
    await influence.score(
      [{ text: "", record: null }],
      contextFor(model, { validation: [records[0]] }),
    ),
    [null],
  );
  await assert.rejects(
    () => influence.score([{ text: "", record: records[0] }], contextFor(model)),
    /needs 'validation' records/,
  );
  await assert.rejects(
    () =>
      influence.score(
        [{ text: "", record: records[0] }],
        contextFor(model, { validation: [mathRecord("?", "")] }),
      ),
    /none of the 1 validation records has an answer/,
  );
  await assert.rejects(
    () =>
      influence.score(
        [{ text: "", record: records[0] }],
        contextFor(model, { validation: [records[0]], options: { influence: { dim: 0.5 } } }),
      ),
    /option 'dim' must be an integer ≥ 1: current value is 0.5/,
  );
});
