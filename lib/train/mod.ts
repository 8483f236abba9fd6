/**
 * Training the student: the one encoding of a prompt with its completion and its loss mask,
 * learning-rate schedules (a linear warm-up, then constant, linear or cosine), and
 * completion-only fine-tuning.
 *
 * @example A cosine schedule
 * ```ts
 * import assert from "node:assert/strict";
 * import { learningRate } from "./mod.ts";
 * const s = { kind: "cosine" as const, peak: 3e-4, warmupSteps: 10, totalSteps: 100 };
 * assert.equal(learningRate(s, 4), 1.5e-4);
 * assert.equal(learningRate(s, 100), 0);
 * ```
 *
 * @module
 */

export { learningRate, type Schedule, type ScheduleKind, SCHEDULES } from "./schedule.ts";
export {
  encodeCompletion,
  type EncodeCompletionOptions,
  type EncodedCompletion,
} from "./encode.ts";
export {
  type CompletionExample,
  fineTune,
  type FineTuneOptions,
  type FineTuneResult,
  type StepReport,
} from "./sft.ts";
export {
  fineTuneOptions,
  type FineTunePreset,
  SFT_PRESETS,
  type SftPresetName,
} from "./presets.ts";
