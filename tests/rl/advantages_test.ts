import assert from "node:assert/strict";
import {
  groupAdvantages,
  informativeGroups,
  meanStd,
  overlongPenalty,
} from "../../lib/rl/advantages.ts";

function close(a: readonly number[], b: readonly number[], tol = 1e-12) {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `[${i}] ${x} vs ${b[i]}`));
}

Deno.test("GRPO divides by the unbiased group std: one right answer in four gives 1.5 and −0.5", () => {
  // mean 0.25; Σ(r − mean)² = 0.5625 + 3·0.0625 = 0.75; std = √(0.75 / 3) = 0.5.
  close(groupAdvantages([1, 0, 0, 0], [7, 7, 7, 7], "grpo", { eps: 0 }), [1.5, -0.5, -0.5, -0.5]);
  close(
    groupAdvantages([1, 0, 0, 0], [7, 7, 7, 7], "grpo", { eps: 0.5 }),
    [0.75, -0.25, -0.25, -0.25],
  );
});

Deno.test("Dr. GRPO only centres on the group mean; DAPO scales like GRPO", () => {
  const r = [2, 4, 0, 1, 1, 4];
  const g = ["a", "a", "a", "b", "b", "b"];
  // Group a: mean 2 → 0, 2, −2; group b: mean 2 → −1, −1, 2.
  close(groupAdvantages(r, g, "dr-grpo"), [0, 2, -2, -1, -1, 2]);
  // std a = √(8/2) = 2; std b = √(6/2) = √3.
  const s3 = Math.sqrt(3);
  close(groupAdvantages(r, g, "dapo", { eps: 0 }), [0, 1, -1, -1 / s3, -1 / s3, 2 / s3]);
  close(groupAdvantages(r, g, "grpo", { eps: 0 }), groupAdvantages(r, g, "dapo", { eps: 0 }));
});

Deno.test("groups need not be contiguous, and a group of equal rewards gets zeros", () => {
  close(groupAdvantages([3, 1, 3, 5, 3], [0, 1, 0, 1, 0], "grpo"), [
    0,
    -2 / (Math.SQRT2 * 2 + 1e-4),
    0,
    2 / (Math.SQRT2 * 2 + 1e-4),
    0,
  ]);
  assert.deepEqual(informativeGroups([3, 1, 3, 5, 3], [0, 1, 0, 1, 0]), [false, true]);
});

Deno.test("meanStd of one value has std 0; advantages refuse bad input naming it", () => {
  assert.deepEqual(meanStd([4]), { mean: 4, std: 0 });
  assert.throws(
    () => groupAdvantages([1, NaN], [0, 0], "grpo"),
    /reward 1 must be a finite number: current value is NaN/,
  );
  assert.throws(
    () => groupAdvantages([1, 2], [0], "grpo"),
    /'groups' must have one key per reward \(2\): current length is 1/,
  );
  assert.throws(
    () => groupAdvantages([1], [0], "ppo" as never),
    /'kind' must be one of grpo, dr-grpo, dapo/,
  );
});

Deno.test("the soft overlong penalty is 0 before the band, linear inside it and −penalty past the limit", () => {
  const o = { length: 40, penalty: 0.5 };
  assert.deepEqual([0, 120, 130, 150, 160, 170].map((n) => overlongPenalty(n, 160, o)), [
    0,
    0,
    -0.125,
    -0.375,
    -0.5,
    -0.5,
  ]);
});
