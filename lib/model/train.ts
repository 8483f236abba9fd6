/**
 * Training a language model in place: a train-step program over the model's own store, so the
 * next sampling or scoring call reads the updated weights. The optimizer state lives in the
 * trainer (`trainer.trainer.state`), never in the model's store.
 *
 * @module
 */

import { buildTrainStep, type HostTensor, type OptimizerOptions, tensor } from "../graph/mod.ts";
import {
  createTrainer,
  type ParamStore,
  type StepResult,
  type Trainer,
  trainStep,
} from "../runtime/mod.ts";
import { packSequences } from "./batch.ts";
import type { LanguageModel } from "./model.ts";
import { buildLossGraph } from "./programs.ts";

/** Options of {@link createLmTrainer}. */
export interface LmTrainerOptions {
  /** @default { kind: "adamw", weightDecay: 0.0 } */
  readonly optimizer?: OptimizerOptions;
  /** Global-norm clip. @default 1.0 */
  readonly clipNorm?: number;
  /** Include the KL-to-reference term (inputs `ref_logprobs`, `kl_weights`). @default false */
  readonly kl?: boolean;
  /** Train only these parameters (the rest are frozen). @default all */
  readonly trainable?: (name: string) => boolean;
  /** Optimizer state to continue from (a checkpoint's). @default zeros, step 0 */
  readonly state?: ParamStore;
}

/** A trainer bound to a model's store. */
export interface LmTrainer {
  readonly model: LanguageModel;
  readonly trainer: Trainer;
  readonly kl: boolean;
}

/** Compiles the weighted-token-loss train step for `model`, updating `model.store` in place. */
export async function createLmTrainer(
  model: LanguageModel,
  options: LmTrainerOptions = {},
): Promise<LmTrainer> {
  const { optimizer = { kind: "adamw" }, clipNorm = 1, kl = false, trainable = () => true, state } =
    options;
  const { graph, weights, loss } = buildLossGraph(model.config, { kl });
  const params = Object.fromEntries(Object.entries(weights).filter(([n]) => trainable(n)));
  if (Object.keys(params).length === 0) {
    throw new Error("Cannot create trainer: 'trainable' selects no parameter");
  }
  const step = buildTrainStep(loss, params, { optimizer, clipNorm });
  // Frozen weights are plain inputs of the program; feed them from the store every step.
  const trainer = await createTrainer(model.runtime, graph, step, model.store, { state });
  return { model, trainer, kl };
}

/** One batch of the weighted token loss. */
export interface LmBatch {
  /** Token sequences (prompt and completion together). */
  readonly sequences: readonly (readonly number[])[];
  /**
   * Per-target weights: weights[b][t] multiplies −log p(token t+1); length = tokens − 1. Default:
   * every target weighted 1 / (total targets), i.e. the mean token loss.
   */
  readonly weights?: readonly (readonly number[])[];
  /** Reference log-probs per target (for the KL term), same layout as `weights`. */
  readonly refLogprobs?: readonly (readonly number[])[];
  /** KL weights per target, same layout. */
  readonly klWeights?: readonly (readonly number[])[];
}

function perTarget(
  rows: readonly (readonly number[])[],
  lengths: number[],
  width: number,
  what: string,
) {
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, b) => {
    if (r.length !== lengths[b] - 1) {
      throw new RangeError(
        `Cannot train: ${what}[${b}] has ${r.length} entries but sequence ${b} has ${
          lengths[b] - 1
        } targets`,
      );
    }
    data.set(r, b * width);
  });
  return tensor("float32", [rows.length, width], data);
}

/** Runs one optimisation step with learning rate `lr`. */
export async function lmTrainStep(t: LmTrainer, batch: LmBatch, lr: number): Promise<StepResult> {
  const b = packSequences(batch.sequences);
  const total = b.lengths.reduce((s, n) => s + n - 1, 0);
  const weights = batch.weights
    ? perTarget(batch.weights, b.lengths, b.width, "weights")
    : tensor("float32", b.targetMask.shape, b.targetMask.data.map((m) => m / Math.max(total, 1)));
  const feeds: Record<string, HostTensor> = {
    input_ids: b.input_ids,
    attention_mask: b.attention_mask,
    position_ids: b.position_ids,
    targets: b.targets,
    loss_weights: weights,
  };
  if (t.kl) {
    if (!batch.refLogprobs || !batch.klWeights) {
      throw new Error(
        "Cannot train: this trainer has a KL term, so 'refLogprobs' and 'klWeights' are required",
      );
    }
    feeds.ref_logprobs = perTarget(batch.refLogprobs, b.lengths, b.width, "refLogprobs");
    feeds.kl_weights = perTarget(batch.klWeights, b.lengths, b.width, "klWeights");
  }
  const names = new Set(t.trainer.program.signature.inputs.map((s) => s.name));
  for (const [k, v] of t.model.store) {
    if (names.has(k) && !(k in feeds) && !t.trainer.step.params.includes(k)) feeds[k] = v;
  }
  return await trainStep(t.trainer, feeds, lr);
}
