/**
 * The least-squares line a scatter's trend is drawn with (rank statistics live in lib/eval).
 *
 * @module
 */

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
