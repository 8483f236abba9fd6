/**
 * Continual-learning arithmetic over an accuracy matrix: rows are stages (the model after each
 * round of training, the first row usually before any), columns are evaluation sets;
 * `matrix[i][j]` is the accuracy on set j after stage i.
 *
 * @module
 */

/** Accuracies: rows = stages, columns = evaluation sets. */
export type AccuracyMatrix = readonly (readonly number[])[];

function checkMatrix(m: AccuracyMatrix, what: string): void {
  if (m.length === 0 || m[0].length === 0) {
    throw new RangeError(`Cannot compute ${what}: the accuracy matrix is empty`);
  }
  m.forEach((row, i) => {
    if (row.length !== m[0].length) {
      throw new RangeError(
        `Cannot compute ${what}: row ${i} has ${row.length} columns but row 0 has ${m[0].length}`,
      );
    }
    row.forEach((a, j) => {
      if (!(a >= 0 && a <= 1)) {
        throw new RangeError(
          `Cannot compute ${what}: matrix[${i}][${j}] must be an accuracy in [0, 1]: current value is ${a}`,
        );
      }
    });
  });
}

/**
 * Average accuracy: the mean of the last stage's row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { averageAccuracy } from "./forgetting.ts";
 * assert.equal(averageAccuracy([[0.5, 0.5], [0.75, 0.25]]), 0.5);
 * ```
 */
export function averageAccuracy(matrix: AccuracyMatrix): number {
  checkMatrix(matrix, "average accuracy");
  const last = matrix[matrix.length - 1];
  return last.reduce((a, b) => a + b, 0) / last.length;
}

/**
 * Forgetting per set: the best accuracy of any earlier stage minus the last stage's (positive
 * when the set got worse, negative when the last stage is the best so far), and its mean. With
 * one stage there is nothing earlier: every value is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forgetting } from "./forgetting.ts";
 * const f = forgetting([[0.9, 0.2], [0.8, 0.6], [0.5, 0.7]]);
 * assert.deepEqual(f.perSet.map((x) => +x.toFixed(10)), [0.4, -0.1]);
 * assert.equal(+f.mean.toFixed(10), 0.15);
 * ```
 */
export function forgetting(matrix: AccuracyMatrix): { perSet: number[]; mean: number } {
  checkMatrix(matrix, "forgetting");
  const t = matrix.length - 1;
  const perSet = matrix[0].map((_, j) =>
    t === 0 ? 0 : Math.max(...matrix.slice(0, t).map((row) => row[j])) - matrix[t][j]
  );
  return { perSet, mean: perSet.reduce((a, b) => a + b, 0) / perSet.length };
}

/**
 * The stage at which each set (column) was learned, checked against the matrix: one entry per
 * set, each a stage index or −1 (never learned). Default: set j learned at stage j.
 */
function checkLearnedAt(
  matrix: AccuracyMatrix,
  learnedAt: readonly number[] | undefined,
  what: string,
): readonly number[] {
  const t = matrix.length - 1;
  const out = learnedAt ?? matrix[0].map((_, j) => j);
  if (out.length !== matrix[0].length) {
    throw new RangeError(
      `Cannot compute ${what}: 'learnedAt' must have one stage per set (${
        matrix[0].length
      }): current length is ${out.length}`,
    );
  }
  out.forEach((s, j) => {
    if (!Number.isInteger(s) || s < -1 || s > t) {
      throw new RangeError(
        `Cannot compute ${what}: 'learnedAt[${j}]' must be a stage from -1 to ${t}: current value is ${s}`,
      );
    }
  });
  return out;
}

/**
 * Backward transfer: the mean, over sets learned before the last stage, of the last stage's
 * accuracy minus the accuracy right after the set was learned (negative = forgetting).
 * `learnedAt[j]` is the stage where set j was learned (default j, the square case of Lopez-Paz
 * and Ranzato, 2017); sets learned at the last stage or never (−1) are left out. NaN when no
 * set is left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backwardTransfer } from "./forgetting.ts";
 * const m = [[0.8, 0.1, 0.1], [0.6, 0.9, 0.2], [0.7, 0.5, 0.9]];
 * // ((0.7 − 0.8) + (0.5 − 0.9)) / 2
 * assert.equal(+backwardTransfer(m).toFixed(10), -0.25);
 * assert.equal(+backwardTransfer(m, { learnedAt: [0, 0, 2] }).toFixed(10), 0.15);
 * ```
 */
export function backwardTransfer(
  matrix: AccuracyMatrix,
  options: { learnedAt?: readonly number[] } = {},
): number {
  checkMatrix(matrix, "backward transfer");
  const t = matrix.length - 1;
  const learnedAt = checkLearnedAt(matrix, options.learnedAt, "backward transfer");
  const diffs: number[] = [];
  learnedAt.forEach((s, j) => {
    if (s >= 0 && s < t) diffs.push(matrix[t][j] - matrix[s][j]);
  });
  return diffs.length ? diffs.reduce((a, b) => a + b, 0) / diffs.length : NaN;
}

/**
 * Forward transfer: the mean, over sets learned after the first training stage, of the accuracy
 * just before the set was learned minus a reference accuracy that owes nothing to the earlier
 * stages (positive = earlier stages already helped). `learnedAt` is as in
 * {@link backwardTransfer}. With `baseline` (one accuracy per set, for example that of an
 * untrained model, as Lopez-Paz and Ranzato, 2017) every set learned at stage ≥ 1 counts;
 * without it row 0 (the model before any training) is the reference, so only sets learned at
 * stage ≥ 2 count (at stage 1 the stage before is the reference itself). NaN when no set is left.
 *
 * @example Three stages; set 2 learned last was helped by the stage before it
 * ```ts
 * import assert from "node:assert/strict";
 * import { forwardTransfer } from "./forgetting.ts";
 * const m = [[0.8, 0.1, 0.1], [0.6, 0.9, 0.2], [0.7, 0.5, 0.9]];
 * assert.equal(+forwardTransfer(m).toFixed(10), 0.1); // 0.2 − 0.1 on set 2
 * // Against chance 0.25 (sets 1 and 2): ((0.1 − 0.25) + (0.2 − 0.25)) / 2
 * assert.equal(+forwardTransfer(m, { baseline: [0.25, 0.25, 0.25] }).toFixed(10), -0.1);
 * ```
 */
export function forwardTransfer(
  matrix: AccuracyMatrix,
  options: { learnedAt?: readonly number[]; baseline?: readonly number[] } = {},
): number {
  checkMatrix(matrix, "forward transfer");
  const { baseline } = options;
  const learnedAt = checkLearnedAt(matrix, options.learnedAt, "forward transfer");
  if (baseline) checkMatrix([baseline], "forward transfer (baseline)");
  if (baseline && baseline.length !== matrix[0].length) {
    throw new RangeError(
      `Cannot compute forward transfer: 'baseline' must have one accuracy per set (${
        matrix[0].length
      }): current length is ${baseline.length}`,
    );
  }
  const diffs: number[] = [];
  learnedAt.forEach((s, j) => {
    if (baseline && s >= 1) diffs.push(matrix[s - 1][j] - baseline[j]);
    if (!baseline && s >= 2) diffs.push(matrix[s - 1][j] - matrix[0][j]);
  });
  return diffs.length ? diffs.reduce((a, b) => a + b, 0) / diffs.length : NaN;
}
