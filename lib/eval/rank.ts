/**
 * Rank correlation between two paired lists (an acquisition score and the gain it should
 * predict): Spearman's rho with average ranks for ties, Kendall's tau-b (the tie-corrected tau),
 * and seeded percentile-bootstrap 95% intervals of either.
 *
 * @module
 */

import { bootstrapInterval, type BootstrapOptions, type Interval } from "./intervals.ts";

function checkPaired(what: string, x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) {
    throw new RangeError(
      `Cannot compute ${what}: 'y' must have the length of 'x' (${x.length}): current length is ${y.length}`,
    );
  }
  for (const [name, xs] of [["x", x], ["y", y]] as const) {
    const i = xs.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new RangeError(
        `Cannot compute ${what}: '${name}[${i}]' must be a finite number: current value is ${
          xs[i]
        }`,
      );
    }
  }
}

/**
 * Ranks from 1 (smallest) to n; tied values share the mean of the ranks they span.
 *
 * @example Two tied values share ranks 3 and 4
 * ```ts
 * import assert from "node:assert/strict";
 * import { averageRanks } from "./rank.ts";
 * assert.deepEqual(averageRanks([10, 30, 20, 30]), [1, 3.5, 2, 3.5]);
 * ```
 */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    // Positions i..j (0-based) hold ranks i+1..j+1; their mean is (i + j)/2 + 1.
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rho: the Pearson correlation of the average ranks (so ties are handled exactly, not
 * by the 1 − 6Σd²/(n(n²−1)) shortcut, which assumes none). NaN when either list is constant or
 * has fewer than 2 items: no ordering to agree with.
 *
 * @example Perfect agreement, perfect reversal
 * ```ts
 * import assert from "node:assert/strict";
 * import { spearman } from "./rank.ts";
 * assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 100]), 1);
 * assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
 * ```
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPaired("Spearman correlation", x, y);
  const n = x.length;
  if (n < 2) return NaN;
  const rx = averageRanks(x), ry = averageRanks(y);
  const mean = (n + 1) / 2; // the mean of any average-rank list
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i] - mean, dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Kendall's tau-b: (concordant − discordant) / √((n₀ − n₁)(n₀ − n₂)), where n₀ = n(n−1)/2 and
 * n₁, n₂ count the pairs tied in x and in y (a pair tied in both counts in each and is neither
 * concordant nor discordant). O(n²): meant for audits of hundreds of items. NaN when either
 * list is constant or has fewer than 2 items.
 *
 * @example One tie on each side (by hand: 4 concordant, 0 discordant, 6 pairs, 1 tie each)
 * ```ts
 * import assert from "node:assert/strict";
 * import { kendallTauB } from "./rank.ts";
 * assert.equal(kendallTauB([1, 2, 2, 3], [1, 3, 2, 3]), 0.8);
 * ```
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  checkPaired("Kendall correlation", x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let concordant = 0, discordant = 0, tiedX = 0, tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sx = Math.sign(x[j] - x[i]), sy = Math.sign(y[j] - y[i]);
      if (sx === 0) tiedX++;
      if (sy === 0) tiedY++;
      if (sx !== 0 && sy !== 0) sx === sy ? concordant++ : discordant++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/** The rank correlations {@link correlationInterval} can bootstrap. */
export type RankCorrelation = "spearman" | "kendall";

/**
 * Each rank correlation by name.
 *
 * @example One discordant pair of three
 * ```ts
 * import assert from "node:assert/strict";
 * import { RANK_CORRELATIONS } from "./rank.ts";
 * assert.equal(RANK_CORRELATIONS.kendall([1, 2, 3], [1, 3, 2]), 1 / 3);
 * ```
 */
export const RANK_CORRELATIONS: Readonly<
  Record<RankCorrelation, (x: readonly number[], y: readonly number[]) => number>
> = Object.freeze({ spearman, kendall: kendallTauB });

/**
 * A rank correlation of paired `x` and `y` with a percentile bootstrap interval (items resampled
 * in pairs, seeded, through lib/eval's `bootstrapInterval`). A resample in which one side is
 * constant has no defined correlation; it counts as 0 (no association), which can only widen
 * the interval towards 0. The estimate itself is NaN when the full lists are constant.
 *
 * @example Ten items that agree in rank except one swap
 * ```ts
 * import assert from "node:assert/strict";
 * import { correlationInterval } from "./rank.ts";
 * const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
 * const y = [1, 2, 3, 5, 4, 6, 7, 8, 9, 10];
 * const r = correlationInterval("spearman", x, y, { seed: 3 });
 * assert.ok(r.estimate > 0.98 && r.low <= r.estimate && r.high <= 1);
 * assert.deepEqual(r, correlationInterval("spearman", x, y, { seed: 3 }));
 * ```
 */
export function correlationInterval(
  kind: RankCorrelation,
  x: readonly number[],
  y: readonly number[],
  options: BootstrapOptions = {},
): Interval {
  const statistic = Object.hasOwn(RANK_CORRELATIONS, kind) ? RANK_CORRELATIONS[kind] : undefined;
  if (!statistic) {
    throw new RangeError(
      `Cannot compute correlation: 'kind' must be one of ${
        Object.keys(RANK_CORRELATIONS).join(", ")
      }: current value is '${kind}'`,
    );
  }
  checkPaired(`${kind} interval`, x, y);
  const estimate = statistic(x, y);
  if (x.length < 2) return { estimate, low: NaN, high: NaN };
  const r = bootstrapInterval(x.length, (idx) => {
    const v = statistic(idx.map((i) => x[i]), idx.map((i) => y[i]));
    return Number.isNaN(v) ? 0 : v;
  }, options);
  return { estimate, low: r.low, high: r.high };
}
