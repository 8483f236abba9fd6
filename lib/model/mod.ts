/**
 * Llama-family language models: the config (Hugging Face `config.json` converted once at the
 * boundary), the decoder as a graph builder (RMSNorm, RoPE, grouped-query attention with a KV
 * cache, SwiGLU), the programs over one parameter store (loss, scoring, decoding, embedding,
 * per-example gradient norms), loading Hugging Face folders (single or sharded safetensors) and
 * llama2.c checkpoints, scoring, training steps, export, the weight initialiser, sizes and FLOPs.
 *
 * @example Load the default student and score a prompt's completion (log-probs of the completion only)
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { loadModel, scoreTokens } from "./mod.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const tok = model.tokenizer!;
 * const prompt = tok.encode("Q: What is 2 + 3?\nA:", { addBos: true });
 * const completion = tok.encode(" 2 + 3 = 5. The answer is 5.", { addBos: false });
 * const [s] = await scoreTokens(model, [[...prompt, ...completion]]);
 * const logprobs = s.logprobs.slice(prompt.length - 1); // entry t predicts token t + 1
 * assert.equal(logprobs.length, completion.length);
 * assert.ok(logprobs.every((lp) => lp <= 0));
 * ```
 *
 * @module
 */

export {
  type HfConfigJson,
  type LlamaConfig,
  llamaConfigFromHf,
  llamaConfigToHf,
  llamaParamShapes,
  type ModelType,
} from "./config.ts";
export type { HfLlamaConfig } from "./hf_config.ts";
export {
  decoder,
  type DecoderInputs,
  type LayerCache,
  lmHead,
  weightConstants,
  weightInputs,
  type Weights,
} from "./llama.ts";
export {
  buildDecodeGraph,
  buildEmbedGraph,
  buildGradNormGraph,
  buildLossGraph,
  buildScoreGraph,
  cacheNames,
  type LossGraphOptions,
  type ProgramGraph,
} from "./programs.ts";
export {
  createModel,
  decodeProgram,
  embedProgram,
  type LanguageModel,
  loadModel,
  type LoadModelOptions,
  paramSpecs,
  scoreProgram,
  weightFeeds,
} from "./model.ts";
export { saveModel, type SaveModelOptions } from "./export.ts";
export { readLlama2c, readLlama2cCheckpoint } from "./llama2c.ts";
export {
  embedSequences,
  type GradExample,
  gradientNorms,
  type GradientOptions,
  type GradientSketch,
  gradientSketches,
  gradientVectors,
  scoreDistributions,
  scoreTokens,
  type TokenScores,
} from "./score.ts";
export {
  createLmTrainer,
  type LmBatch,
  type LmTrainer,
  type LmTrainerOptions,
  lmTrainStep,
} from "./train.ts";
export { type PackedBatch, packSequences } from "./batch.ts";
export { type InitOptions, initWeights } from "./init.ts";
export { restoreStore, snapshotStore, storeEquals, type StoreSnapshot } from "./snapshot.ts";
export { countParams, type FlopsOptions, flopsPerToken } from "./size.ts";
export { DEFAULT_MODEL_CONFIGS, DEFAULT_MODEL_DIR, type DefaultModel } from "./presets.ts";
