/**
 * Resumable completion-only fine-tuning: the same steps as `fineTune` from lib/train (the same
 * encoding, batch weighting, seeded order of passes and schedule), run through `runSteps` so
 * that the weights, the optimizer state and the step are checkpointed and an interrupted run
 * continues where it stopped. The batch of step i is a pure function of the seed and i, so a
 * resumed run draws exactly the batches an uninterrupted one would.
 *
 * @module
 */

import { createLmTrainer, type LanguageModel, lmTrainStep } from "../model/mod.ts";
import { createRng, resumeCheckpoint, runFingerprint, runSteps, sha256Hex } from "../run/mod.ts";
import {
  type CompletionExample,
  encodeCompletion,
  type EncodedCompletion,
  fineTuneOptions,
  learningRate,
  type Schedule,
} from "../train/mod.ts";
import type { ResolvedSftConfig } from "./sft_config.ts";

/** Options of {@link resumableFineTune}. */
export interface ResumableFineTuneOptions {
  readonly config: ResolvedSftConfig;
  /** Seed of the order of examples. */
  readonly seed: number;
  /** Checkpoint folder (resumed from when it holds a checkpoint of the same run). */
  readonly dir: string;
  /** Called after every step. */
  readonly onStep?: (step: number, steps: number, loss: number, lr: number) => void;
  /** Signals that stop after the current step, with a checkpoint. @default SIGINT, SIGTERM */
  readonly signals?: readonly Deno.Signal[];
}

/** What {@link resumableFineTune} did. */
export interface ResumableFineTuneResult {
  /** Total steps of the run. */
  readonly steps: number;
  /** Losses of the steps run in this call (a resumed call has fewer). */
  readonly losses: number[];
  /** The step resumed from, or null. */
  readonly resumedFrom: number | null;
  /** The signal that stopped the run early, or null. */
  readonly signal: Deno.Signal | null;
}

/** Example indices of step `i`: positions i·B … i·B+B−1 of the passes, each a seeded shuffle. */
function batchIndices(n: number, batch: number, seed: number, i: number): number[] {
  const out: number[] = [];
  let pass = -1;
  let order: number[] = [];
  for (let q = i * batch; q < (i + 1) * batch; q++) {
    const p = Math.floor(q / n);
    if (p !== pass) {
      pass = p;
      order = createRng(seed).split(`pass ${p}`).shuffle(Array.from({ length: n }, (_, k) => k));
    }
    out.push(order[q % n]);
  }
  return out;
}

/**
 * The run's steps and warm-up steps: `config.steps` where given, else the preset arithmetic of
 * lib/train's `fineTuneOptions` (whole epochs in whole batches, capped at `maxSteps`).
 *
 * @example The tiny preset on 100 examples: 5 epochs in batches of 16, 5% warm-up
 * ```ts
 * import assert from "node:assert/strict";
 * import { sftSteps } from "./fine_tune.ts";
 * import { validateSftConfig } from "./sft_config.ts";
 * assert.deepEqual(sftSteps(validateSftConfig("tiny"), 100), { steps: 32, warmupSteps: 2 });
 * ```
 */
export function sftSteps(
  config: ResolvedSftConfig,
  examples: number,
): { steps: number; warmupSteps: number } {
  const o = fineTuneOptions({ ...config, description: config.preset }, examples);
  const steps = config.steps ?? o.steps;
  const warmupSteps = config.warmup > 0 ? Math.max(1, Math.round(config.warmup * steps)) : 0;
  return { steps, warmupSteps };
}

/**
 * Fine-tunes `model` in place on `examples`, checkpointing into `o.dir`; a call on a folder
 * with a checkpoint of the same run (same recipe, seed, examples, model) continues from it.
 *
 * @example Three steps on the default student, stopped by nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { resumableFineTune } from "./fine_tune.ts";
 * import { validateSftConfig } from "./sft_config.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const examples = [{ prompt: "Q: What is 2 + 3?\nA:", completion: " 2 + 3 = 5. The answer is 5." }];
 * const config = validateSftConfig({ steps: 3, batchSize: 1 });
 * const r = await resumableFineTune(model, examples, { config, seed: 0, dir: await Deno.makeTempDir() });
 * assert.equal(r.losses.length, 3);
 * ```
 */
export async function resumableFineTune(
  model: LanguageModel,
  examples: readonly CompletionExample[],
  o: ResumableFineTuneOptions,
): Promise<ResumableFineTuneResult> {
  const { config: c, seed, dir, onStep, signals } = o;
  if (examples.length === 0) {
    throw new RangeError(
      "Cannot fine-tune: 'examples' must be a non-empty list: current length is 0",
    );
  }
  const tok = model.tokenizer;
  if (!tok) throw new Error("Cannot fine-tune: the model has no tokenizer to encode examples");
  const encoded: EncodedCompletion[] = examples.map((e) =>
    encodeCompletion(tok, e.prompt, e.completion)
  );
  const { steps, warmupSteps } = sftSteps(c, examples.length);
  const schedule: Schedule = {
    kind: c.schedule,
    peak: c.lr,
    warmupSteps,
    totalSteps: Math.max(1, steps),
    minRatio: c.minRatio,
  };
  const fingerprint = await runFingerprint({
    flags: {
      ...c,
      seed,
      examples: await sha256Hex(JSON.stringify(examples.map((e) => [e.prompt, e.completion]))),
    },
    model: model.config,
    tokenizerJson: JSON.stringify(tok.json.tokenizer),
  });
  const ck = await resumeCheckpoint(dir, fingerprint);
  if (ck) { for (const [k, t] of ck.weights) model.store.set(k, t); }
  const trainer = await createLmTrainer(model, {
    optimizer: { kind: "adamw", weightDecay: c.weightDecay },
    clipNorm: c.clipNorm,
    state: ck?.state,
  });
  const losses: number[] = [];
  const r = await runSteps(
    { dir, fingerprint, weights: model.store, state: trainer.trainer.state, rng: createRng(seed) },
    async (i) => {
      const batch = batchIndices(encoded.length, c.batchSize, seed, i).map((k) => encoded[k]);
      const total = batch.reduce((s, e) => s + e.weights.reduce((a, w) => a + w, 0), 0);
      const lr = learningRate(schedule, i);
      const step = await lmTrainStep(trainer, {
        sequences: batch.map((e) => e.tokens),
        weights: batch.map((e) => e.weights.map((w) => w / total)),
      }, lr);
      losses.push(step.loss);
      onStep?.(i + 1, steps, step.loss, lr);
    },
    { steps, start: ck?.step ?? 0, saveEvery: c.saveEvery, signals },
  );
  return { steps, losses, resumedFrom: ck ? ck.step : null, signal: r.signal };
}
