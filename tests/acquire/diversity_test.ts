import assert from "node:assert/strict";
import {
  acceptedArchive,
  createAcquireContext,
  diversity,
  diversityFacility,
  facilityGain,
  proximity,
} from "../../lib/acquire/mod.ts";
import { candidate, fixedEmbedder, questionRecord } from "./fixed_embedder.ts";
import { tinyStudent } from "./tiny_student.ts";

const student = tinyStudent(1);
const R = Math.SQRT1_2;
const VECTORS = {
  x1: [1, 0],
  x2: [0, 1],
  a: [1, 0],
  b: [1, 1],
  c: [0, 1],
  d: [-1, 0],
  e: [1, 0.01],
};

function context(options?: Record<string, Record<string, unknown>>) {
  return createAcquireContext(student, [questionRecord("x1"), questionRecord("x2")], {
    embedder: fixedEmbedder(VECTORS),
    options,
  });
}

Deno.test("diversity is 1 − proximity on the same candidates", async () => {
  const cands = ["a", "b", "d"].map(candidate);
  const p = await proximity.score(cands, context());
  const d = await diversity.score(cands, context());
  assert.deepEqual(d, p.map((x) => 1 - x!));
  assert.ok(Math.abs(d[1]! - (1 - R)) < 1e-6);
  assert.equal(d[2], 1);
});

Deno.test("diversity-facility: gains computed by hand, archive admitted in order", async () => {
  const ctx = context();
  const got = await diversityFacility.score(["a", "b", "a", "c", "d"].map(candidate), ctx);
  // Seeds x1 = (1,0), x2 = (0,1); coverage starts (0, 0).
  // a = (1,0): ((1 − 0) + (0 − 0)) / 2 = 0.5 → admitted, coverage (1, 0).
  // b ∝ (1,1): (max(0, R − 1) + (R − 0)) / 2 = R / 2 → admitted, coverage (1, R).
  // a again: 0 → not admitted.
  // c = (0,1): (0 + (1 − R)) / 2 → admitted, coverage (1, 1).
  // d = (−1,0): similarities clipped to 0 → 0.
  const want = [0.5, R / 2, 0, (1 - R) / 2, 0];
  got.forEach((g, i) => assert.ok(Math.abs(g! - want[i]) < 1e-6, `${i}: ${g} vs ${want[i]}`));
  assert.equal((await acceptedArchive(ctx)).vectors.length, 3);
  // The archive persists across calls of one context.
  assert.deepEqual(await diversityFacility.score([candidate("c")], ctx), [0]);
});

Deno.test("diversity-facility: a gain at or below the threshold does not enter the archive", async () => {
  // e = (1, 0.01): gain (cos(e,x1) + cos(e,x2)) / 2 ≈ (0.99995 + 0.0099995) / 2 ≈ 0.505.
  const ctx = context({ "diversity-facility": { threshold: 0.6 } });
  const [e1, e2] = await diversityFacility.score([candidate("e"), candidate("e")], ctx);
  assert.ok(Math.abs(e1! - e2!) < 1e-12);
  assert.equal((await acceptedArchive(ctx)).vectors.length, 0);
  await assert.rejects(
    () =>
      diversityFacility.score(
        [candidate("a")],
        context({ "diversity-facility": { threshold: -1 } }),
      ),
    /option 'threshold' must be a finite number ≥ 0: current value is -1/,
  );
});

Deno.test("facilityGain matches its formula and diversity functions handle empty and unparsed", async () => {
  assert.equal(facilityGain([1, 0], [[1, 0], [0, 1]], [0.5, 0]), 0.25);
  assert.deepEqual(await diversity.score([], context()), []);
  assert.deepEqual(await diversityFacility.score([], context()), []);
  const ctx = context();
  assert.deepEqual(await diversityFacility.score([candidate(null), candidate("a")], ctx), [
    null,
    0.5,
  ]);
});
