import assert from "node:assert/strict";
import { normaliseRewards } from "../../lib/reward/mod.ts";

const close = (a: (number | null)[], b: (number | null)[]) =>
  a.forEach((x, i) =>
    x === null || b[i] === null
      ? assert.equal(x, b[i])
      : assert.ok(Math.abs(x - b[i]!) < 1e-12, `${a} vs ${b}`)
  );

Deno.test("z-score by hand: mean 2, population sd sqrt(2/3)", () => {
  const sd = Math.sqrt(2 / 3);
  close(normaliseRewards([1, 2, 3], "zscore"), [-1 / sd, 0, 1 / sd]);
});

Deno.test("z-score of a set with no spread gives zeros, not NaN", () => {
  assert.deepEqual(normaliseRewards([0.4, 0.4, 0.4], "zscore"), [0, 0, 0]);
  assert.deepEqual(normaliseRewards([7], "zscore"), [0]);
});

Deno.test("rank gives tied values their average rank, scaled to [0, 1]", () => {
  assert.deepEqual(normaliseRewards([5, 1, 5, 3, 5], "rank"), [0.75, 0, 0.75, 0.25, 0.75]);
  assert.deepEqual(normaliseRewards([2, 2], "rank"), [0.5, 0.5]);
  assert.deepEqual(normaliseRewards([9], "rank"), [0]);
});

Deno.test("min-max maps to [0, 1], and a set with no spread to zeros", () => {
  assert.deepEqual(normaliseRewards([2, 4, 3], "minmax"), [0, 1, 0.5]);
  assert.deepEqual(normaliseRewards([3, 3], "minmax"), [0, 0]);
  assert.deepEqual(normaliseRewards([2, -4, 3], "none"), [2, -4, 3]);
});

Deno.test("normalising per group uses each group's own statistics and skips nulls", () => {
  const values = [1, 10, 3, null, 20, 30];
  const groups = ["p", "q", "p", "p", "q", "q"];
  assert.deepEqual(normaliseRewards(values, "minmax", groups), [0, 0, 1, null, 0.5, 1]);
  assert.deepEqual(normaliseRewards(values, "minmax"), [0, 9 / 29, 2 / 29, null, 19 / 29, 1]);
  assert.deepEqual(normaliseRewards([null, null], "zscore"), [null, null]);
  assert.throws(
    () => normaliseRewards([1, 2], "rank", ["a"]),
    /'groups' must have one key per value \(2\): current length is 1/,
  );
});
