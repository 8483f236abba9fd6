import assert from "node:assert/strict";
import { bootstrapInterval, pairedDelta, wilsonInterval } from "../../lib/eval/mod.ts";

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("wilsonInterval matches intervals worked by hand", () => {
  // 5/10: centre 0.5, half-width (1.96 / 1.38415) × √(0.025 + 0.0096037) = 0.26341.
  const half = wilsonInterval(5, 10);
  near(half.low, 0.23659, 1e-5, "5/10 low");
  near(half.high, 0.76341, 1e-5, "5/10 high");
  // 0/10: the low end is 0 and the high end 2 × 0.138766 = 0.27753.
  const none = wilsonInterval(0, 10);
  assert.equal(none.low, 0);
  near(none.high, 0.27753, 1e-5, "0/10 high");
  const all = wilsonInterval(10, 10);
  assert.equal(all.high, 1);
  near(all.low, 1 - 0.27753, 1e-5, "10/10 low");
  assert.deepEqual(wilsonInterval(0, 0), { estimate: NaN, low: 0, high: 1 });
});

Deno.test("wilsonInterval narrows as items grow, as 1/√n", () => {
  const w50 = wilsonInterval(25, 50), w200 = wilsonInterval(100, 200);
  // Not exactly 2: the z²/n terms shrink the small set's width a little (1.946 here).
  near((w50.high - w50.low) / (w200.high - w200.low), 2, 0.06, "width ratio");
});

Deno.test("wilsonInterval refuses counts that are not a proportion", () => {
  assert.throws(
    () => wilsonInterval(3, 2),
    /'successes' must be an integer from 0 to n \(2\): current value is 3/,
  );
  assert.throws(() => wilsonInterval(1, -1), /'n' must be an integer ≥ 0: current value is -1/);
});

Deno.test("the bootstrap interval of a mean of 200 coin flips is about ±1.96 standard errors", () => {
  const flips = Array.from({ length: 200 }, (_, i) => i % 2);
  const mean = (idx: readonly number[]) => idx.reduce((s, i) => s + flips[i], 0) / idx.length;
  const r = bootstrapInterval(200, mean, { seed: 3, resamples: 4000 });
  const se = Math.sqrt(0.25 / 200);
  assert.equal(r.estimate, 0.5);
  near(r.low, 0.5 - 1.96 * se, 0.012, "low");
  near(r.high, 0.5 + 1.96 * se, 0.012, "high");
  assert.notDeepEqual(
    bootstrapInterval(200, mean, { seed: 4 }),
    bootstrapInterval(200, mean, { seed: 5 }),
  );
});

Deno.test("pairedDelta: identical verdicts give exactly zero; five gains in 100 exclude zero", () => {
  const before = Array.from({ length: 100 }, (_, i) => i % 3 === 0);
  assert.deepEqual(pairedDelta(before, before), { estimate: 0, low: 0, high: 0 });
  const gained = new Set([1, 20, 40, 61, 80]); // all wrong before
  const after = before.map((b, i) => b || gained.has(i));
  const d = pairedDelta(before, after, { seed: 1 });
  assert.equal(d.estimate, 0.05);
  // No item was lost, so no resample goes below 0; one without any gain has odds 0.95^100 < 1%.
  assert.ok(d.low > 0 && d.low < 0.05 && d.high > 0.05 && d.high < 0.11, JSON.stringify(d));
  assert.throws(
    () => pairedDelta([true], [true, false]),
    /same items as 'before' \(1\): current length is 2/,
  );
});
