/**
 * The little statistics figures draw on their own: average ranks, Spearman's rank correlation
 * and a least-squares line (the trend drawn through a scatter).
 *
 * @module
 */

/**
 * Ranks 1..n of `xs`, ties sharing the average of the ranks they span.
 *
 * @example Ties share their ranks
 * ```ts
 * import assert from "node:assert/strict";
 * import { averageRanks } from "./stats.ts";
 * assert.deepEqual(averageRanks([10, 30, 20, 30]), [1, 3.5, 2, 3.5]);
 * ```
 */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks. NaN when either side
 * is constant or there are fewer than 2 pairs.
 *
 * @example A monotone relation is 1 whatever its shape
 * ```ts
 * import assert from "node:assert/strict";
 * import { spearman } from "./stats.ts";
 * assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
 * assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
 * ```
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) {
    throw new RangeError(
      `Cannot correlate: the two samples must have one length: current lengths are ${xs.length} and ${ys.length}`,
    );
  }
  if (xs.length < 2) return NaN;
  return pearson(averageRanks(xs), averageRanks(ys));
}

/**
 * The least-squares line `y = intercept + slope · x`; null when x is constant or there are
 * fewer than 2 points.
 *
 * @example Points on a line give that line
 * ```ts
 * import assert from "node:assert/strict";
 * import { leastSquares } from "./stats.ts";
 * assert.deepEqual(leastSquares([0, 1, 2], [1, 3, 5]), { slope: 2, intercept: 1 });
 * ```
 */
export function leastSquares(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
