/**
 * Rescaling rewards within a batch or within each group (the G samples of one prompt), one
 * method per table entry. Nulls take no part in the statistics and stay null.
 *
 * @module
 */

import type { NormaliseMethod } from "./config.ts";

/**
 * Rescales the values of one set (no nulls); a set with no spread maps to zeros, never NaN.
 *
 * @example One entry per method
 * ```ts
 * import assert from "node:assert/strict";
 * import { NORMALISERS } from "./normalise.ts";
 * assert.deepEqual(NORMALISERS.minmax([2, 6, 4]), [0, 1, 0.5]);
 * assert.deepEqual(NORMALISERS.zscore([3, 3]), [0, 0]);
 * ```
 */
export const NORMALISERS: Readonly<Record<NormaliseMethod, (xs: readonly number[]) => number[]>> =
  Object.freeze({
    none: (xs) => [...xs],
    // Population standard deviation, as group-relative advantages use.
    zscore: (xs) => {
      // Equal values must give exact zeros: their float mean can differ from them in the last bit.
      if (Math.max(...xs) === Math.min(...xs)) return xs.map(() => 0);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
      return xs.map((x) => (sd > 0 ? (x - mean) / sd : 0));
    },
    // Average ranks for ties, mapped to [0, 1]: lowest 0, highest 1; one value gives 0.
    rank: (xs) => {
      const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
      const out = new Array<number>(xs.length);
      for (let s = 0; s < order.length;) {
        let e = s;
        while (e + 1 < order.length && order[e + 1][0] === order[s][0]) e++;
        const mean = (s + e) / 2;
        for (let k = s; k <= e; k++) out[order[k][1]] = xs.length > 1 ? mean / (xs.length - 1) : 0;
        s = e + 1;
      }
      return out;
    },
    minmax: (xs) => {
      const lo = Math.min(...xs), hi = Math.max(...xs);
      return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 0));
    },
  });

/**
 * Normalises `values` by `method`, over the whole batch, or within each group when `groups`
 * (one key per value) is given. Nulls are skipped and stay null.
 *
 * @example Per group: ties share their average rank; a group with no spread gives zeros
 * ```ts
 * import assert from "node:assert/strict";
 * import { normaliseRewards } from "./normalise.ts";
 * assert.deepEqual(normaliseRewards([1, 3, 3, 5], "rank"), [0, 0.5, 0.5, 1]);
 * assert.deepEqual(
 *   normaliseRewards([1, 3, null, 2, 2], "zscore", ["a", "a", "a", "b", "b"]),
 *   [-1, 1, null, 0, 0],
 * );
 * ```
 */
export function normaliseRewards(
  values: readonly (number | null)[],
  method: NormaliseMethod,
  groups?: readonly (string | number)[],
): (number | null)[] {
  if (groups && groups.length !== values.length) {
    throw new RangeError(
      `Cannot normalise rewards: 'groups' must have one key per value (${values.length}): current length is ${groups.length}`,
    );
  }
  const sets = new Map<string | number, number[]>();
  values.forEach((v, i) => {
    if (v === null) return;
    const key = groups ? groups[i] : 0;
    const set = sets.get(key);
    if (set) set.push(i);
    else sets.set(key, [i]);
  });
  const out: (number | null)[] = values.map(() => null);
  for (const idx of sets.values()) {
    const scaled = NORMALISERS[method](idx.map((i) => values[i] as number));
    idx.forEach((i, k) => (out[i] = scaled[k]));
  }
  return out;
}
