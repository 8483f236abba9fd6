/**
 * GRPO training of the generator (and its Dr. GRPO and DAPO variants): generator prompts,
 * rollouts, group advantages, the clipped policy loss in the graph, checkpoints and metrics.
 *
 * @example The prompt a generator writes a new task from
 * ```ts
 * import assert from "node:assert/strict";
 * import { generatorPrompt } from "./mod.ts";
 * const seed = { id: "s", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * assert.ok(generatorPrompt(seed, "tags").endsWith("\n<question>"));
 * ```
 *
 * @module
 */

export {
  completionTaskText,
  GENERATOR_TEMPLATES,
  generatorPrompt,
  type GeneratorPromptOptions,
  type GeneratorTemplate,
  QUESTION_OPEN,
  referenceInstruction,
} from "./prompt.ts";
export {
  ADVANTAGE_ESTIMATORS,
  type AdvantageEstimator,
  type AdvantageKind,
  type Aggregation,
  type GroupAdvantageOptions,
  groupAdvantages,
  groupIndices,
  informativeGroups,
  meanStd,
  type OverlongPenalty,
  overlongPenalty,
} from "./advantages.ts";
export {
  AGGREGATIONS,
  buildPolicyLossGraph,
  createPolicyTrainer,
  microBatchPlan,
  packPolicy,
  type PolicyLossGraph,
  type PolicyLossGraphOptions,
  type PolicySequence,
  type PolicyTrainer,
  type PolicyTrainerOptions,
  policyUpdate,
  type PolicyUpdateOptions,
  type PolicyUpdateResult,
} from "./loss.ts";
export { type GrpoConfig, type ResolvedGrpoConfig, validateGrpoConfig } from "./config.ts";
export {
  type Rollout,
  sampleGroups,
  type SampleGroupsOptions,
  type ScoredInput,
  type ScoredRollouts,
  scoreRollouts,
} from "./rollout.ts";
export {
  type GrpoStepMetrics,
  trainGenerator,
  type TrainGeneratorOptions,
  type TrainGeneratorResult,
} from "./loop.ts";
export { kindCorrectReward } from "./verifiable.ts";
