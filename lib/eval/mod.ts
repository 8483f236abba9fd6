/**
 * Evaluation: accuracy of a model over task records per group of any field (kind, difficulty,
 * domain) with 95% intervals, the change between two evaluations of the same items with paired
 * bootstrap intervals, and the forgetting arithmetic of an accuracy matrix (stages × sets).
 *
 * @example Intervals and forgetting, no model needed
 * ```ts
 * import assert from "node:assert/strict";
 * import { forgetting, wilsonInterval } from "./mod.ts";
 * const w = wilsonInterval(5, 10);
 * assert.equal(w.low.toFixed(4), "0.2366");
 * assert.equal(forgetting([[0.9, 0.5], [0.6, 0.7]]).perSet[0].toFixed(2), "0.30");
 * ```
 *
 * @module
 */

export {
  accuracyByGroup,
  type AccuracyChange,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type EvaluateOptions,
  type Evaluation,
  fieldValue,
  type GroupAccuracy,
  type ItemResult,
} from "./accuracy.ts";
export {
  bootstrapInterval,
  type BootstrapOptions,
  type Interval,
  pairedDelta,
  stratifiedBootstrap,
  wilsonInterval,
  Z_95,
} from "./intervals.ts";
export {
  type AccuracyMatrix,
  averageAccuracy,
  backwardTransfer,
  forgetting,
  forwardTransfer,
} from "./forgetting.ts";
export {
  accuracyMatrix,
  type AccuracyMatrixOptions,
  type MatrixVerdicts,
  type StageMatrix,
} from "./matrix.ts";
export {
  averageRanks,
  correlationInterval,
  kendallTauB,
  RANK_CORRELATIONS,
  type RankCorrelation,
  spearman,
} from "./rank.ts";
