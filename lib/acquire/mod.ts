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

export type { AcquireContext, AcquisitionFunction, Candidate, Embedder, Need } from "./types.ts";
export { ACQUISITION_FUNCTIONS, acquisitionFunction } from "./functions.ts";
export { egl, expectedNorm } from "./egl.ts";
export { gradientMagnitude, gradientMagnitudeNormalised } from "./gradient.ts";
export { influence } from "./influence.ts";
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
export { bald, committeeInformation } from "./bald.ts";
export { confidence, confidenceForced, marginReward } from "./confidence.ts";
export { referenceLoss, rhoLoss } from "./loss.ts";
export { leastConfidence, margin, meanEntropy, predictiveEntropy } from "./uncertainty.ts";
export {
  type CandidateDomain,
  candidateFromText,
  GENERATOR_PROMPT,
  guessDomain,
  sampleCandidates,
  type SampleCandidatesOptions,
  taskStops,
} from "./candidates.ts";
export {
  auditAcquisition,
  type AuditOptions,
  type AuditResult,
  completionLoss,
  formatAudit,
  type FunctionAudit,
  missingNeeds,
} from "./audit.ts";
export {
  type AcquireContextOptions,
  cached,
  createAcquireContext,
  seedCentroids,
  seedEmbeddings,
} from "./context.ts";
export {
  cosine,
  hashedNgramEmbedder,
  type HashedNgramOptions,
  ngrams,
  normalize,
  studentEmbedder,
  transformersEmbedder,
  type TransformersEmbedderOptions,
} from "./embed.ts";
export {
  hdbscan,
  type HdbscanOptions,
  kMeans,
  type KMeansOptions,
  type KMeansResult,
  type Point,
} from "./cluster.ts";
export { centroidsFor, maxSimilarity, proximity, questionEmbeddings } from "./proximity.ts";
export {
  type AcceptedArchive,
  acceptedArchive,
  admitToArchive,
  diversity,
  diversityFacility,
  facilityGain,
} from "./diversity.ts";
export { coreset } from "./coreset.ts";
export {
  ANSWER_MAX_DISTANCE,
  type AnswerEmbedding,
  answerEntropy,
  answerVariance,
  answerVarianceExact,
  answerVarianceOf,
  clusterCount,
  countEntropy,
  finalAnswer,
  finalAnswerCounts,
} from "./answer_variance.ts";
