/**
 * The AcquisitionSynthesis flow as resumable stages over a run folder: seed → train-generator →
 * synthesise → label → fine-tune → evaluate → report, from one validated JSON config; baselines
 * one config switch away; `quick` scales every stage to a smoke run.
 *
 * @example Validate a config and look at the stages
 * ```ts
 * import assert from "node:assert/strict";
 * import { STAGES, validatePipelineConfig } from "./mod.ts";
 * const c = validatePipelineConfig({ name: "demo", baseline: "untrained-generator" });
 * assert.equal(c.baseline, "untrained-generator");
 * assert.equal(STAGES[0], "seed");
 * ```
 *
 * @example An ablation: every arm once per seed, seeds outer
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateAblationConfig } from "./mod.ts";
 * const a = validateAblationConfig({ name: "demo", base: {}, seeds: [0, 1], weakKinds: ["mul"],
 *   arms: [{ name: "confidence" }, { name: "oracle", baseline: "oracle" }] });
 * assert.deepEqual(a.runs.map((r) => r.id), ["confidence-s0", "oracle-s0", "confidence-s1", "oracle-s1"]);
 * ```
 *
 * @module
 */

export {
  DEFAULT_MODELS,
  type EvaluationConfig,
  type FileSeeds,
  type PipelineConfig,
  type ProceduralSeeds,
  type ResolvedPipelineConfig,
  type SeedSource,
  validatePipelineConfig,
} from "./config.ts";
export { type Baseline, type BaselineName, BASELINES, type SampleSource } from "./baselines.ts";
export { type ResolvedSftConfig, validateSftConfig } from "./sft_config.ts";
export { QUICK, quickConfig } from "./quick.ts";
export {
  configChanges,
  type PlannedStage,
  planStages,
  type Stage,
  STAGE_FIELDS,
  STAGE_PATHS,
  type StageAction,
  type StageMarker,
  STAGES,
} from "./stages.ts";
export {
  resumableFineTune,
  type ResumableFineTuneOptions,
  type ResumableFineTuneResult,
  sftSteps,
} from "./fine_tune.ts";
export {
  type Figures,
  type GroupResult,
  matrixLines,
  resultTable,
  type SetResult,
} from "./stage_evaluate.ts";
export { matrixSection, type ReportData, type ReportMatrix } from "./stage_report.ts";
export { type PipelineOptions, type PipelineResult, runPipeline, STAGE_IMPLS } from "./run.ts";
export { createRunLog, type Log } from "./run_log.ts";
export {
  type AblationArm,
  type AblationConfig,
  type AblationOptions,
  type AblationRun,
  readAblationConfig,
  type ResolvedAblationConfig,
  validateAblationConfig,
} from "./ablation_config.ts";
export {
  type AblationOutcome,
  type AblationRunOptions,
  type AblationTiming,
  runAblation,
} from "./ablate.ts";
export {
  ablationMarkdown,
  type AblationResults,
  ablationResults,
  ablationTable,
  type ArmResult,
  MAP_PER_ARM,
  perKindTable,
  REFERENCE_ARM_BASELINE,
  writeAblationReport,
} from "./ablation_report.ts";
export {
  type ArmFigures,
  armFigures,
  pairedFigures,
  pairRows,
  seedBootstrap,
  type SeedBootstrapOptions,
  type UnitSplit,
} from "./ablation_stats.ts";
export {
  alFilterSelect,
  bestOfSelect,
  minMaxNormalise,
  type PoolScores,
  weightedScores,
} from "./selection.ts";
export {
  type CacheContext,
  cachedRunRecords,
  cachedRunResult,
  canonicalJson,
  modelFingerprint,
} from "./cache.ts";
