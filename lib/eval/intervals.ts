/**
 * Uncertainty of accuracies: the Wilson score interval of a proportion, and percentile bootstrap
 * intervals (seeded) for any statistic of items, including a paired one for the change of
 * accuracy on the same items.
 *
 * @module
 */

import { createRng } from "../run/mod.ts";

/** A point estimate and the ends of its interval. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** The standard normal quantile of a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval of `successes` out of `n`: unlike the normal (Wald) interval it stays
 * inside [0, 1] and is not empty at 0 or n successes. With n = 0 nothing is known: [0, 1].
 *
 * @example 45 of 50: about 78.6% to 95.7%
 * ```ts
 * import assert from "node:assert/strict";
 * import { wilsonInterval } from "./intervals.ts";
 * const w = wilsonInterval(45, 50);
 * assert.equal(w.estimate, 0.9);
 * assert.equal(w.low.toFixed(4), "0.7864");
 * assert.equal(w.high.toFixed(4), "0.9565");
 * ```
 */
export function wilsonInterval(
  successes: number,
  n: number,
  options: { z?: number } = {},
): Interval {
  const { z = Z_95 } = options;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `Cannot compute interval: 'n' must be an integer ≥ 0: current value is ${n}`,
    );
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(
      `Cannot compute interval: 'successes' must be an integer from 0 to n (${n}): current value is ${successes}`,
    );
  }
  if (!(z > 0)) {
    throw new RangeError(`Cannot compute interval: 'z' must be > 0: current value is ${z}`);
  }
  if (n === 0) return { estimate: NaN, low: 0, high: 1 };
  const p = successes / n, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes the formula's end is exactly 0 or 1; keep it so despite rounding.
  return {
    estimate: p,
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Seed of the resampling. @default 0 */
  readonly seed?: number;
  /** Number of resamples. @default 2000 */
  readonly resamples?: number;
  /** Coverage of the interval. @default 0.95 */
  readonly level?: number;
}

/**
 * A percentile bootstrap interval of `statistic` over `n` items: the statistic of the whole set,
 * and the (1 − level)/2 and (1 + level)/2 quantiles of the statistic over `resamples` resamples
 * of n item indices drawn with replacement.
 *
 * @example The mean of ten numbers
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval } from "./intervals.ts";
 * const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
 * const mean = (idx: readonly number[]) => idx.reduce((s, i) => s + xs[i], 0) / idx.length;
 * const r = bootstrapInterval(xs.length, mean, { seed: 1 });
 * assert.equal(r.estimate, 5.5);
 * assert.ok(r.low > 3 && r.low < 5.5 && r.high > 5.5 && r.high < 8);
 * assert.deepEqual(r, bootstrapInterval(xs.length, mean, { seed: 1 }));
 * ```
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: readonly number[]) => number,
  options: BootstrapOptions = {},
): Interval {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Cannot bootstrap: 'n' must be an integer ≥ 1: current value is ${n}`);
  }
  const [r] = stratifiedBootstrap([n], (idx) => [statistic(idx[0])], options);
  return r;
}

/** The ends of a percentile interval from resampled statistics, sorted in place. */
function percentiles(stats: number[], level: number): { low: number; high: number } {
  stats.sort((a, b) => a - b);
  const at = (q: number) =>
    stats[Math.min(stats.length - 1, Math.max(0, Math.floor(q * stats.length)))];
  return { low: at((1 - level) / 2), high: at((1 + level) / 2) };
}

/**
 * Percentile bootstrap intervals of a vector of statistics over items in strata (the items of
 * each evaluation set): each resample draws every stratum's item indices with replacement
 * within that stratum, so each stratum keeps its size (no set goes empty), and every statistic
 * is computed from the same draw. A statistic that is NaN on the whole data gets the interval
 * [NaN, NaN]; resamples where a statistic is NaN are left out of its interval.
 *
 * @example The mean of each of two sets, resampled within each set
 * ```ts
 * import assert from "node:assert/strict";
 * import { stratifiedBootstrap } from "./intervals.ts";
 * const sets = [[1, 2, 3, 4], [10, 20]];
 * const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
 * const [a, b] = stratifiedBootstrap([4, 2], (idx) => idx.map((ix, s) => mean(ix.map((i) => sets[s][i]))),
 *   { seed: 1 });
 * assert.deepEqual([a.estimate, b.estimate], [2.5, 15]);
 * assert.ok(a.low >= 1 && a.high <= 4 && b.low >= 10 && b.high <= 20);
 * ```
 */
export function stratifiedBootstrap(
  sizes: readonly number[],
  statistic: (indices: readonly (readonly number[])[]) => readonly number[],
  options: BootstrapOptions = {},
): Interval[] {
  const { seed = 0, resamples = 2000, level = 0.95 } = options;
  sizes.forEach((n, s) => {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot bootstrap: 'sizes[${s}]' must be an integer ≥ 1: current value is ${n}`,
      );
    }
  });
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(
      `Cannot bootstrap: 'resamples' must be an integer ≥ 1: current value is ${resamples}`,
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`Cannot bootstrap: 'level' must be in (0, 1): current value is ${level}`);
  }
  const rng = createRng(seed);
  const all = sizes.map((n) => Array.from({ length: n }, (_, i) => i));
  const estimates = statistic(all);
  const stats = estimates.map(() => [] as number[]);
  for (let b = 0; b < resamples; b++) {
    const draw = sizes.map((n) => Array.from({ length: n }, () => rng.int(0, n - 1)));
    statistic(draw).forEach((v, k) => {
      if (!Number.isNaN(v)) stats[k].push(v);
    });
  }
  return estimates.map((estimate, k) =>
    Number.isNaN(estimate) || stats[k].length === 0
      ? { estimate, low: NaN, high: NaN }
      : { estimate, ...percentiles(stats[k], level) }
  );
}

/**
 * The change of accuracy from `before` to `after` on the same items (after − before), with a
 * paired percentile bootstrap interval: each resample draws items, keeping both verdicts of an
 * item together, so what the items share cancels out.
 *
 * @example Three of four items gained, none lost
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairedDelta } from "./intervals.ts";
 * const d = pairedDelta([false, false, false, true], [true, true, true, true], { seed: 2 });
 * assert.equal(d.estimate, 0.75);
 * assert.ok(d.low >= 0 && d.high <= 1);
 * ```
 */
export function pairedDelta(
  before: readonly boolean[],
  after: readonly boolean[],
  options: BootstrapOptions = {},
): Interval {
  if (before.length !== after.length) {
    throw new RangeError(
      `Cannot compare: 'after' must hold the same items as 'before' (${before.length}): current length is ${after.length}`,
    );
  }
  const diff = before.map((b, i) => Number(after[i]) - Number(b));
  return bootstrapInterval(
    diff.length,
    (idx) => idx.reduce((s, i) => s + diff[i], 0) / idx.length,
    options,
  );
}
