/**
 * The accuracy matrix over stages from per-item verdicts (rows = stages, columns = evaluation
 * sets or groups, the same items in every row), with its continual-learning metrics (average
 * accuracy, forgetting per column and mean, backward and forward transfer) and a 95% bootstrap
 * interval on each, over items resampled within each column and kept paired across stages.
 *
 * @module
 */

import {
  type AccuracyMatrix,
  averageAccuracy,
  backwardTransfer,
  forgetting,
  forwardTransfer,
} from "./forgetting.ts";
import { type BootstrapOptions, type Interval, stratifiedBootstrap } from "./intervals.ts";

/** The verdicts behind an accuracy matrix. */
export interface MatrixVerdicts {
  /** Stage names, in training order (`base`, `fine-tuned`, …). */
  readonly rows: readonly string[];
  /** Evaluation set or group names. */
  readonly columns: readonly string[];
  /** `verdicts[row][column][item]`: every row holds the same items of a column in the same order. */
  readonly verdicts: readonly (readonly (readonly boolean[])[])[];
}

/** Options of {@link accuracyMatrix}. */
export interface AccuracyMatrixOptions extends BootstrapOptions {
  /**
   * The stage where each column's set was learned (−1: never, e.g. a probe), as in
   * `backwardTransfer`. @default −1 for every column (no transfer is defined)
   */
  readonly learnedAt?: readonly number[];
  /** Reference accuracy per column for forward transfer (`forwardTransfer`). @default row 0 */
  readonly baseline?: readonly number[];
}

/** An accuracy matrix with its metrics; a metric that is not defined is null. */
export interface StageMatrix {
  readonly rows: string[];
  readonly columns: string[];
  /** `values[row][column]`: accuracy. */
  readonly values: number[][];
  /** Items per column. */
  readonly counts: number[];
  readonly learnedAt: number[];
  readonly metrics: {
    /** Mean accuracy of the last row. */
    readonly averageAccuracy: Interval;
    /** Best earlier accuracy − last, per column and the mean (positive: forgotten). */
    readonly forgetting: { readonly perColumn: Interval[]; readonly mean: Interval };
    readonly backwardTransfer: Interval | null;
    readonly forwardTransfer: Interval | null;
  };
}

function checkVerdicts(v: MatrixVerdicts): void {
  const fail = (what: string) => {
    throw new RangeError(`Cannot build the accuracy matrix: ${what}`);
  };
  if (v.rows.length === 0 || v.columns.length === 0) fail("it needs at least one row and column");
  if (v.verdicts.length !== v.rows.length) {
    fail(
      `'verdicts' must have one entry per row (${v.rows.length}): current length is ${v.verdicts.length}`,
    );
  }
  v.verdicts.forEach((row, r) => {
    if (row.length !== v.columns.length) {
      fail(
        `'verdicts[${r}]' must have one entry per column (${v.columns.length}): current length is ${row.length}`,
      );
    }
    row.forEach((items, c) => {
      if (items.length === 0) fail(`column '${v.columns[c]}' has no items`);
      if (items.length !== v.verdicts[0][c].length) {
        fail(
          `row '${v.rows[r]}' has ${items.length} items in column '${v.columns[c]}' but row '${
            v.rows[0]
          }' has ${v.verdicts[0][c].length}: every row must hold the same items`,
        );
      }
    });
  });
}

/**
 * The accuracy matrix of per-item verdicts and its metrics, each with a percentile bootstrap
 * interval (items drawn with replacement within each column, the same draw in every row).
 *
 * @example Two stages, two columns: the first column forgotten, the second learned
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyMatrix } from "./matrix.ts";
 * const m = accuracyMatrix({
 *   rows: ["base", "fine-tuned"],
 *   columns: ["add", "mul"],
 *   verdicts: [[[true, true, true, false], [false, false]], [[true, false, false, false], [true, false]]],
 * }, { learnedAt: [0, 1], resamples: 200 });
 * assert.deepEqual(m.values, [[0.75, 0], [0.25, 0.5]]);
 * assert.equal(m.metrics.forgetting.perColumn[0].estimate, 0.5);
 * assert.equal(m.metrics.backwardTransfer!.estimate, -0.5);
 * assert.equal(m.metrics.forwardTransfer, null); // learned at stage 1: row 0 is its own reference
 * ```
 */
export function accuracyMatrix(
  input: MatrixVerdicts,
  options: AccuracyMatrixOptions = {},
): StageMatrix {
  checkVerdicts(input);
  const { learnedAt = input.columns.map(() => -1), baseline, ...boot } = options;
  const counts = input.verdicts[0].map((items) => items.length);
  const valuesOf = (idx: readonly (readonly number[])[]): AccuracyMatrix =>
    input.verdicts.map((row) =>
      row.map((items, c) => idx[c].reduce((s, i) => s + Number(items[i]), 0) / idx[c].length)
    );
  const statistic = (idx: readonly (readonly number[])[]): number[] => {
    const m = valuesOf(idx);
    const f = forgetting(m);
    return [
      averageAccuracy(m),
      f.mean,
      backwardTransfer(m, { learnedAt }),
      forwardTransfer(m, { learnedAt, baseline }),
      ...f.perSet,
    ];
  };
  const [avg, meanForgetting, bwt, fwt, ...perColumn] = stratifiedBootstrap(
    counts,
    statistic,
    boot,
  );
  const defined = (i: Interval) => (Number.isNaN(i.estimate) ? null : i);
  return {
    rows: [...input.rows],
    columns: [...input.columns],
    values: valuesOf(counts.map((n) => Array.from({ length: n }, (_, i) => i))).map((r) => [...r]),
    counts,
    learnedAt: [...learnedAt],
    metrics: {
      averageAccuracy: avg,
      forgetting: { perColumn, mean: meanForgetting },
      backwardTransfer: defined(bwt),
      forwardTransfer: defined(fwt),
    },
  };
}
