/**
 * How the AL-filter and best-of-n baselines choose from a scored pool: pure functions over
 * per-function score arrays (one score per pool sample, in pool order; null where a function
 * does not apply), so the choice is checked without a model.
 *
 * @module
 */

/** Per-function scores over a pool, each array in pool order. */
export type PoolScores = Readonly<Record<string, readonly (number | null)[]>>;

/**
 * Min-max normalisation to [0, 1] over the pool: a null counts as the pool's minimum (it says the
 * function does not apply, which is no evidence for the sample), and a constant function (or one
 * that is null everywhere) gives 0 everywhere, so it does not move the sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minMaxNormalise } from "./selection.ts";
 * assert.deepEqual(minMaxNormalise([2, null, 4, 3]), [0, 0, 1, 0.5]);
 * assert.deepEqual(minMaxNormalise([5, 5, null]), [0, 0, 0]);
 * ```
 */
export function minMaxNormalise(values: readonly (number | null)[]): number[] {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return values.map(() => 0);
  const lo = Math.min(...present), hi = Math.max(...present);
  if (hi === lo) return values.map(() => 0);
  return values.map((v) => v === null ? 0 : (v - lo) / (hi - lo));
}

/** Indices of the `keep` largest values, ties to the earlier index, returned in pool order. */
function topIndices(values: readonly number[], keep: number): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/**
 * The AL-filter choice: each function min-max normalised over the pool ({@link minMaxNormalise}),
 * summed per sample; the `keep` samples with the largest sums, ties broken by pool order, kept
 * in pool order.
 *
 * @example The sum of normalised scores decides, not the raw scale
 * ```ts
 * import assert from "node:assert/strict";
 * import { alFilterSelect } from "./selection.ts";
 * const r = alFilterSelect({ a: [0, 10, 5, 10], b: [1, 0, 1, null] }, 2);
 * assert.deepEqual(r.sums, [1, 1, 1.5, 1]);
 * assert.deepEqual(r.kept, [0, 2]);
 * ```
 */
export function alFilterSelect(
  scores: PoolScores,
  keep: number,
): { kept: number[]; sums: number[] } {
  const size = poolSize(scores);
  const sums = new Array<number>(size).fill(0);
  for (const values of Object.values(scores)) {
    minMaxNormalise(values).forEach((v, i) => (sums[i] += v));
  }
  return { kept: topIndices(sums, keep), sums };
}

/**
 * The weighted sum of the functions' scores per sample (`weights` name the functions); null
 * where any weighted function is null (it cannot be ranked, and loses to any number).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weightedScores } from "./selection.ts";
 * assert.deepEqual(weightedScores({ a: [1, 2, null], b: [10, 0, 1] }, { a: 2, b: 0.5 }), [7, 4, null]);
 * ```
 */
export function weightedScores(
  scores: PoolScores,
  weights: Readonly<Record<string, number>>,
): (number | null)[] {
  const names = Object.keys(weights);
  for (const n of names) {
    if (!Object.hasOwn(scores, n)) {
      throw new RangeError(`Cannot weight scores: no scores for function '${n}'`);
    }
  }
  return Array.from({ length: poolSize(scores) }, (_, i) => {
    let total = 0;
    for (const n of names) {
      const s = scores[n][i];
      if (s === null) return null;
      total += weights[n] * s;
    }
    return total;
  });
}

/**
 * The best-of-n choice: slot `g` takes pool samples `g·n … g·n + n − 1` (the last group may be
 * short where the pool ran out) and keeps the one with the highest score; nulls lose to any
 * number, ties (and an all-null group) go to the earlier sample. At most `slots` groups.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bestOfSelect } from "./selection.ts";
 * assert.deepEqual(bestOfSelect([1, 3, 2, null, null, 0.5, 7], 3, 5), [1, 5, 6]);
 * ```
 */
export function bestOfSelect(
  scores: readonly (number | null)[],
  n: number,
  slots: number,
): number[] {
  const kept: number[] = [];
  for (let g = 0; g < slots && g * n < scores.length; g++) {
    let best = g * n;
    for (let i = g * n + 1; i < Math.min(scores.length, (g + 1) * n); i++) {
      const s = scores[i], b = scores[best];
      if (s !== null && (b === null || s > b)) best = i;
    }
    kept.push(best);
  }
  return kept;
}

function poolSize(scores: PoolScores): number {
  const lengths = [...new Set(Object.values(scores).map((v) => v.length))];
  if (lengths.length > 1) {
    throw new RangeError(
      `Cannot select from a pool: every function must score every sample: lengths are ${
        lengths.join(", ")
      }`,
    );
  }
  return lengths[0] ?? 0;
}
