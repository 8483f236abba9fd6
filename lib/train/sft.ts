/**
 * Completion-only supervised fine-tuning: examples encoded once each with their loss mask,
 * shuffled by a seeded stream, batched, and stepped through the model's train-step program with
 * a learning-rate schedule. The model's weights are updated in place.
 *
 * @module
 */

import type { OptimizerOptions } from "../graph/mod.ts";
import { createLmTrainer, type LanguageModel, type LmTrainer, lmTrainStep } from "../model/mod.ts";
import { createRng } from "../run/mod.ts";
import { encodeCompletion, type EncodeCompletionOptions } from "./encode.ts";
import { learningRate, type Schedule } from "./schedule.ts";

/** One training example: the prompt (no loss) and the completion it should learn. */
export interface CompletionExample {
  readonly prompt: string;
  readonly completion: string;
}

/** What {@link FineTuneOptions.onStep} is told after each step. */
export interface StepReport {
  /** 1-based step number. */
  readonly step: number;
  /** Mean loss per completion token of the batch. */
  readonly loss: number;
  /** Learning rate the step used. */
  readonly lr: number;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** Examples per step. @default 16 */
  readonly batchSize?: number;
  /** Number of steps; give this or `epochs`. @default one epoch */
  readonly steps?: number;
  /** Passes over the examples (rounded up to whole steps); give this or `steps`. @default 1 */
  readonly epochs?: number;
  /**
   * The schedule without its length (`totalSteps` is the run's); a left-out `warmupSteps` is 10%
   * of the steps. @default { kind: "cosine", peak: 3e-4, minRatio: 0.1 }
   */
  readonly schedule?: Omit<Schedule, "totalSteps">;
  /** Seed of the shuffling. @default 0 */
  readonly seed?: number;
  /** Global-norm gradient clip. @default 1 */
  readonly clipNorm?: number;
  /** @default { kind: "adamw" } */
  readonly optimizer?: OptimizerOptions;
  /** A trainer already compiled for `model` (skips compiling; its clip and optimizer apply). @default a new one */
  readonly trainer?: LmTrainer;
  /** BOS/EOS around each example. @default both */
  readonly encode?: EncodeCompletionOptions;
  /** Called after every step (progress bars, logs). */
  readonly onStep?: (report: StepReport) => void;
}

/** What {@link fineTune} did. */
export interface FineTuneResult {
  /** Loss of each step, in order. */
  readonly losses: number[];
  /** Learning rate of each step. */
  readonly learningRates: number[];
  /** The trainer used (pass it to the next call to skip compiling). */
  readonly trainer: LmTrainer;
}

function fail(field: string, rule: string, value: unknown): never {
  throw new RangeError(
    `Cannot fine-tune: '${field}' must be ${rule}: current value is ${JSON.stringify(value)}`,
  );
}

/** The order examples are drawn in: a fresh seeded permutation for every pass. */
function* shuffled(n: number, seed: number): Generator<number> {
  const rng = createRng(seed);
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let pass = 0;; pass++) yield* rng.split(`pass ${pass}`).shuffle(indices);
}

/**
 * Fine-tunes `model` on `examples`, with loss on the completion tokens (and EOS) only, each batch
 * weighted to the mean over its completion tokens.
 *
 * @example Two steps on the default student (its weights change in place)
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { fineTune } from "./sft.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const examples = [{ prompt: "Q: What is 2 + 3?\nA:", completion: " 2 + 3 = 5. The answer is 5." }];
 * const { losses } = await fineTune(model, examples, { steps: 2, batchSize: 1 });
 * assert.equal(losses.length, 2);
 * ```
 */
export async function fineTune(
  model: LanguageModel,
  examples: readonly CompletionExample[],
  options: FineTuneOptions = {},
): Promise<FineTuneResult> {
  const {
    batchSize = 16,
    epochs,
    schedule = { kind: "cosine", peak: 3e-4, minRatio: 0.1 },
    seed = 0,
    clipNorm = 1,
    optimizer = { kind: "adamw" },
    encode = {},
    onStep,
  } = options;
  if (examples.length === 0) fail("examples", "a non-empty list", []);
  if (!Number.isInteger(batchSize) || batchSize < 1) fail("batchSize", "an integer ≥ 1", batchSize);
  if (options.steps !== undefined && epochs !== undefined) {
    fail("epochs", "left out when 'steps' is given", epochs);
  }
  if (epochs !== undefined && !(epochs > 0)) fail("epochs", "a number > 0", epochs);
  const steps = options.steps ?? Math.ceil(((epochs ?? 1) * examples.length) / batchSize);
  if (!Number.isInteger(steps) || steps < 0) fail("steps", "an integer ≥ 0", steps);
  const tok = model.tokenizer;
  if (!tok) throw new Error("Cannot fine-tune: the model has no tokenizer to encode examples");
  const encoded = examples.map((e, i) => {
    const r = encodeCompletion(tok, e.prompt, e.completion, encode);
    if (!r.weights.some((w) => w > 0)) fail(`examples[${i}].completion`, "non-empty", e.completion);
    return r;
  });
  const full: Schedule = {
    ...schedule,
    warmupSteps: schedule.warmupSteps ?? Math.floor(steps / 10),
    totalSteps: Math.max(1, steps),
  };
  learningRate(full, 0); // validates the schedule before compiling anything
  const trainer = options.trainer ?? await createLmTrainer(model, { optimizer, clipNorm });
  const order = shuffled(encoded.length, seed);
  const losses: number[] = [], learningRates: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = Array.from({ length: batchSize }, () => encoded[order.next().value!]);
    const total = batch.reduce((s, e) => s + e.weights.reduce((a, w) => a + w, 0), 0);
    const lr = learningRate(full, step);
    const r = await lmTrainStep(trainer, {
      sequences: batch.map((e) => e.tokens),
      weights: batch.map((e) => e.weights.map((w) => w / total)),
    }, lr);
    losses.push(r.loss);
    learningRates.push(lr);
    onStep?.({ step: step + 1, loss: r.loss, lr });
  }
  return { losses, learningRates, trainer };
}
