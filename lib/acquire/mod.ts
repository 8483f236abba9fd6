/**
 * Acquisition functions: how much the student would learn from a candidate training sample,
 * behind one interface and one table, with the embedders and clustering they use.
 *
 * @example Look a function up by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { ACQUISITION_FUNCTIONS } from "./mod.ts";
 * assert.equal(typeof ACQUISITION_FUNCTIONS, "object");
 * ```
 *
 * @module
 */

export type {
  AcquireContext,
  AcquisitionFunction,
  Candidate,
  Embedder,
  Need,
} from "./types.ts";
export { ACQUISITION_FUNCTIONS, acquisitionFunction } from "./functions.ts";
export { gradientMagnitude, gradientMagnitudeNormalised } from "./gradient.ts";
export {
  checkSameTokenizer,
  type CompletionScores,
  STUDENT_STOP,
  type StudentAnswer,
  type StudentAnswerOptions,
  studentAnswers,
  type StudentPrompt,
  studentPrompt,
  teacherForced,
  type TeacherForcedOptions,
} from "./student.ts";
