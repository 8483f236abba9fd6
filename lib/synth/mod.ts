/**
 * Synthesis: the trained generator writes a data set (prompts cycling over the seeds, gates, the
 * near-duplicate filter, acquisition scores), each sample is labelled (verifier, student
 * self-consistency, or the generator's own answer, with the agreement between methods), and the
 * records are written as JSONL with their provenance.
 *
 * @example Label two hand-made samples by the verifier and write them
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelSamples, readDataset, writeDataset } from "./mod.ts";
 * const sample = (question: string, answer: string) => ({ text: "", scores: {}, promptSeed: "s",
 *   record: { id: "x", domain: "math" as const, answerKind: "number" as const, meta: {},
 *     question, reasoning: "…", answer } });
 * const { records } = await labelSamples(
 *   [sample("Ann has 9 cups and gives 4 to Ben. How many cups are left?", "6")],
 *   { method: "verifier", seed: 3 }, { generatorCheckpoint: "runs/x/generator", seed: 3 });
 * assert.equal(records[0].answer, "5");
 * const path = `${await Deno.makeTempDir()}/train.jsonl`;
 * await writeDataset(path, records);
 * assert.deepEqual(await readDataset(path), records);
 * ```
 *
 * @module
 */

export {
  LABEL_METHOD_NAMES,
  type LabelMethod,
  type ResolvedSynthConfig,
  type SynthConfig,
  validateSynthConfig,
} from "./config.ts";
export {
  synthesise,
  type SynthesisOptions,
  type SynthesisResult,
  type SynthSample,
} from "./synthesise.ts";
export {
  type Label,
  LABEL_METHODS,
  type LabelEnv,
  type Labeller,
  type LabelOptions,
  type LabelProvenance,
  type LabelResult,
  labelSamples,
  majorityLabel,
  medoidOfLargestCluster,
  type ReasoningSource,
  sameAnswer,
} from "./label.ts";
export { repairArithmetic, type RepairedReasoning } from "./reasoning.ts";
export { readDataset, writeDataset } from "./dataset.ts";
