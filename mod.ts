/**
 * acqsynth: AcquisitionSynthesis in TypeScript on ONNX Runtime.
 *
 * This entry point is the public API. It grows issue by issue; today it holds the graph engine
 * (ops, autodiff, optimizers, train steps), the runtime (programs, parameter stores, trainers),
 * Llama-family models (load, score, train, sample, export) and tokenizers.
 *
 * @example Train w to minimise Σ(w − 3)² with AdamW, in one session run per step
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTrainStep, createRuntime, createTrainer, Graph, ops, tensor, trainStep } from "./mod.ts";
 * const g = new Graph();
 * const w = g.input("w", "float32", [2]);
 * const d = ops.sub(w, 3);
 * const step = buildTrainStep(ops.reduceSum(ops.mul(d, d)), { w }, { optimizer: { kind: "adamw" } });
 * const trainer = await createTrainer(createRuntime(), g, step, new Map([["w", tensor("float32", [2])]]));
 * for (let i = 0; i < 200; i++) await trainStep(trainer, {}, 0.1);
 * assert.ok(Math.abs(trainer.store.get("w")!.data[0] as number - 3) < 0.05);
 * ```
 *
 * @module
 */

// ---- graph engine ----
export { type Dim, Graph, type Node, type OpType, type Shape, type Value } from "./lib/graph/ir.ts";
export * as ops from "./lib/graph/ops.ts";
export * as nn from "./lib/graph/nn.ts";
export { type DType, type HostTensor, scalar, tensor } from "./lib/graph/tensor.ts";
export { grad, type GradOptions } from "./lib/graph/autodiff.ts";
export { differentiableOps, GRAD_RULES, type GradRule } from "./lib/graph/gradients.ts";
export {
  adamW,
  type AdamWOptions,
  clipByGlobalNorm,
  globalNorm,
  type OptimizerOptions,
  sgd,
  type SgdOptions,
} from "./lib/graph/optim.ts";
export { buildTrainStep, type TrainStep, type TrainStepOptions } from "./lib/graph/train_step.ts";
export { OPSET, toOnnx } from "./lib/graph/onnx.ts";

// ---- runtime ----
export {
  compile,
  createRuntime,
  type Feed,
  type Program,
  type Provider,
  runProgram,
  type Runtime,
  type RuntimeOptions,
} from "./lib/runtime/program.ts";
export {
  checkParams,
  countElements,
  loadParams,
  type ParamStore,
  saveParams,
} from "./lib/runtime/params.ts";
export { createTrainer, type StepResult, type Trainer, trainStep } from "./lib/runtime/trainer.ts";

// ---- models ----
export {
  type LlamaConfig,
  llamaConfigFromHf,
  llamaConfigToHf,
  llamaParamShapes,
} from "./lib/model/config.ts";
export { countParams, type FlopsOptions, flopsPerToken } from "./lib/model/size.ts";
export { type InitOptions, initWeights } from "./lib/model/init.ts";
export { decoder, lmHead, weightInputs } from "./lib/model/llama.ts";
export {
  buildDecodeGraph,
  buildEmbedGraph,
  buildGradNormGraph,
  buildLossGraph,
  buildScoreGraph,
} from "./lib/model/programs.ts";
export {
  createModel,
  type LanguageModel,
  loadModel,
  type LoadModelOptions,
} from "./lib/model/model.ts";
export { saveModel, type SaveModelOptions } from "./lib/model/export.ts";
export { readLlama2c, readLlama2cCheckpoint } from "./lib/model/llama2c.ts";
export type { HfLlamaConfig } from "./lib/model/hf_config.ts";
export {
  embedSequences,
  type GradExample,
  gradientNorms,
  scoreTokens,
  type TokenScores,
} from "./lib/model/score.ts";
export {
  createLmTrainer,
  type LmBatch,
  type LmTrainer,
  type LmTrainerOptions,
  lmTrainStep,
} from "./lib/model/train.ts";
export { packSequences } from "./lib/model/batch.ts";

// ---- text and sampling ----
export {
  checkTokenizerMatchesModel,
  loadTokenizer,
  type Tokenizer,
  tokenizerFromJson,
} from "./lib/text/tokenizer.ts";
export { llama2cToTokenizerJson, readLlama2cTokenizer } from "./lib/text/llama2c_tokenizer.ts";
export { trainBpe } from "./lib/text/bpe_train.ts";
export {
  applyChatTemplate,
  type ChatFormat,
  type ChatMessage,
  renderChat,
} from "./lib/text/templates.ts";
export { type Sample, sample, type SampleOptions } from "./lib/sample/sampler.ts";
export { type ChooseOptions, chooseToken } from "./lib/sample/choose.ts";
export { createRng, type Rng, type RngState, restoreRng } from "./lib/run/rng.ts";

// ---- data and verification ----
export { type DataFormat, loadDataset, type LoadOptions, parseCsv } from "./lib/data/loaders.ts";
export type { BadRow, Domain, Loaded, TaskRecord } from "./lib/data/record.ts";
export {
  extractBoxed,
  extractMathAnswer,
  mathEquivalent,
  parseRational,
} from "./lib/verify/math.ts";
export { extractChoice } from "./lib/verify/choice.ts";
export { isCorrect, type ItemResult, scorePredictions } from "./lib/verify/score.ts";
export { type AnswerCheck, checkAnswers } from "./lib/verify/record.ts";
export { codeJob, extractCode } from "./lib/verify/code.ts";
export { joinCompletion } from "./lib/data/loaders/code.ts";
export {
  createSandbox,
  type RunResult,
  type RunStatus,
  type Sandbox,
  type SandboxJob,
  type SandboxOptions,
} from "./lib/verify/sandbox.ts";
export { mapPool } from "./lib/verify/pool.ts";
export { parseTags, renderTags, type TaggedSample, type TagParse } from "./lib/data/tags.ts";
export {
  type GenerateOptions,
  generateTasks,
  TASK_KINDS,
  type TaskFamily,
} from "./lib/data/procedural/mod.ts";
export {
  type CorpusMix,
  corpusRecords,
  DEFAULT_MIX,
  renderGenerator,
  renderStudent,
} from "./lib/data/pretrain_corpus.ts";

// ---- runs ----
export { type Progress, progress } from "./lib/run/progress.ts";
