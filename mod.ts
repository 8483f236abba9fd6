/**
 * acqsynth: AcquisitionSynthesis in TypeScript on ONNX Runtime.
 *
 * This file is the public API. It leads with what a notebook calls — load a model, score and
 * sample it, check answers, fine-tune, evaluate — and then holds the engine's names layer by
 * layer (graph, runtime, run, text, model, sample, data, verify, train, eval, acquire), each group
 * re-exported from that layer's `lib/<layer>/mod.ts`.
 *
 * @example Load the default student, score a completion, sample four answers with a seed
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRuntime, loadModel, sample, scoreTokens } from "./mod.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const tok = student.tokenizer!;
 * const prompt = tok.encode("Q: Ann has 3 pens and buys 4 more. How many pens does Ann have now?\nA:", { addBos: true });
 * const completion = tok.encode(" 3 + 4 = 7. The answer is 7.", { addBos: false });
 * const [scores] = await scoreTokens(student, [[...prompt, ...completion]]);
 * const completionLogprobs = scores.logprobs.slice(prompt.length - 1);
 * assert.equal(completionLogprobs.length, completion.length);
 * const four = await sample(student, ["Q: What is 6 + 2?\nA:"], { samplesPerPrompt: 4, seed: 1, maxNewTokens: 24 });
 * assert.equal(four.length, 4);
 * ```
 *
 * @example Check answers by the record's answer kind
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAnswer, generateTasks } from "./mod.ts";
 * const [task] = generateTasks({ family: "arithmetic", kinds: ["mul"], count: 1, seed: 2 });
 * assert.equal(checkAnswer(task, `The answer is ${task.answer}.`)?.correct, true);
 * assert.equal(checkAnswer(task, `The answer is ${Number(task.answer) + 1}.`)?.correct, false);
 * ```
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

// ==== What a notebook calls ====

// Load a model (a Hugging Face folder, one of the default models, a llama2.c checkpoint).
export { createRuntime, type Runtime } from "./lib/runtime/mod.ts";
export {
  DEFAULT_MODEL_DIR,
  type LanguageModel,
  loadModel,
  saveModel,
  scoreTokens,
  type TokenScores,
} from "./lib/model/mod.ts";
// Sample it.
export { type Sample, sample, type SampleOptions } from "./lib/sample/mod.ts";
// Tasks: the procedural families, public data sets, and generated text read back into records.
export {
  generateTasks,
  loadDataset,
  renderGenerator,
  renderStudent,
  taskFromTags,
  type TaskRecord,
} from "./lib/data/mod.ts";
// Check answers.
export { checkAnswer, checkAnswers, createSandbox, type Sandbox } from "./lib/verify/mod.ts";
// Fine-tune.
export { fineTune, type FineTuneOptions, type FineTuneResult } from "./lib/train/mod.ts";
// Evaluate.
export { evaluate, type EvaluateOptions, type Evaluation } from "./lib/eval/mod.ts";
// Score candidates with acquisition functions, and shape rewards from the scores.
export { ACQUISITION_FUNCTIONS, type Candidate, createAcquireContext } from "./lib/acquire/mod.ts";
export { type RewardConfig, shapeRewards } from "./lib/reward/mod.ts";
// Train the generator with GRPO, let it write and label a dataset, run the whole flow.
export { trainGenerator, validateGrpoConfig } from "./lib/rl/mod.ts";
export { labelSamples, synthesise } from "./lib/synth/mod.ts";
export { runPipeline, validatePipelineConfig } from "./lib/pipeline/mod.ts";
export { FIGURES, writeReport } from "./lib/report/mod.ts";

// ==== The engine, layer by layer ====

// ---- graph: IR, ops, autodiff, optimizers, train steps, ONNX ----
export * from "./lib/graph/mod.ts";

// ---- runtime: programs, parameter stores, safetensors, trainers ----
export * from "./lib/runtime/mod.ts";

// ---- run: the command line, the one seeded RNG, checkpoints, progress ----
export * from "./lib/run/mod.ts";

// ---- text: tokenizers, BPE training, chat templates, LaTeX boxes ----
export * from "./lib/text/mod.ts";

// ---- model: Llama-family config, decoder, programs, loading, scoring, training, export ----
export * from "./lib/model/mod.ts";

// ---- sample: the KV-cache sampler and its token choice and stop strings ----
export {
  checkStop,
  type ChooseOptions,
  chooseToken,
  continuationText,
  cutAtEos,
  eosIds,
  findStop,
  streamableLength,
} from "./lib/sample/mod.ts";

// ---- data: records, loaders, procedural tasks, the corpus, tags ----
export * from "./lib/data/mod.ts";

// ---- verify: answer checkers, the code sandbox, prediction scoring ----
export * from "./lib/verify/mod.ts";
export type { ItemResult } from "./lib/verify/mod.ts";

// ---- train: completion-only fine-tuning and learning-rate schedules ----
export * from "./lib/train/mod.ts";

// ---- eval: accuracy by group with intervals, comparisons, forgetting ----
export * from "./lib/eval/mod.ts";
export type { ItemResult as EvalItemResult } from "./lib/eval/mod.ts";

// ---- acquire: acquisition functions behind one interface ----
export * from "./lib/acquire/mod.ts";

// ---- reward: format bonus, gates, normalisation, weighted combination ----
export * from "./lib/reward/mod.ts";

// ---- report: plotly figures, offline HTML reports, notebook display ----
export * from "./lib/report/mod.ts";

// ---- rl: GRPO training of the generator ----
export * from "./lib/rl/mod.ts";

// ---- synth: the trained generator writes and labels a dataset ----
export * from "./lib/synth/mod.ts";

// ---- pipeline: the resumable AcquisitionSynthesis flow ----
export * from "./lib/pipeline/mod.ts";
