import assert from "node:assert/strict";
import {
  acceptedArchive,
  admitToArchive,
  coreset,
  createAcquireContext,
  diversityFacility,
} from "../../lib/acquire/mod.ts";
import { candidate, fixedEmbedder, questionRecord } from "./fixed_embedder.ts";
import { tinyStudent } from "./tiny_student.ts";

const student = tinyStudent(1);
const VECTORS = { x1: [1, 0], x2: [0, 1], p: [1, 1], n: [-1, 0], q: [-3, -4] };

function context() {
  return createAcquireContext(student, [questionRecord("x1"), questionRecord("x2")], {
    embedder: fixedEmbedder(VECTORS),
  });
}

Deno.test("coreset is the smallest cosine distance to the seeds and the accepted archive", async () => {
  const ctx = context();
  const got = await coreset.score(["x1", "p", "n", "q"].map(candidate), ctx);
  // p: 1 − 1/√2 to either seed; n: min(1 − (−1), 1 − 0) = 1; q = (−0.6, −0.8): min(1.6, 1.8).
  const want = [0, 1 - Math.SQRT1_2, 1, 1.6];
  got.forEach((g, i) => assert.ok(Math.abs(g! - want[i]) < 1e-6, `${i}: ${g} vs ${want[i]}`));
  await admitToArchive(ctx, [Float32Array.from([-1, 0])]);
  const [n, q] = await coreset.score([candidate("n"), candidate("q")], ctx);
  assert.ok(Math.abs(n!) < 1e-6);
  assert.ok(Math.abs(q! - 0.4) < 1e-6); // 1 − cos(q, n) = 1 − 0.6
});

Deno.test("coreset sees what diversity-facility admitted, and skips unparsed candidates", async () => {
  const ctx = context();
  await diversityFacility.score([candidate("p")], ctx);
  assert.equal((await acceptedArchive(ctx)).vectors.length, 1);
  const [none, p] = await coreset.score([candidate(null), candidate("p")], ctx);
  assert.equal(none, null);
  assert.ok(Math.abs(p!) < 1e-6);
  assert.deepEqual(await coreset.score([], ctx), []);
});
