/**
 * The GRPO policy loss as a graph over the Llama decoder, and the two programs that train with
 * it: a gradient program run once per micro-batch (gradients summed on the host) and an apply
 * program that clips the summed gradient and makes one optimizer update. Because each token's
 * aggregation weight is computed over the whole batch before it is split, the summed micro-batch
 * gradients equal the gradient of the whole batch's loss.
 *
 * Per completion token, with ℓ its log-prob under the model, ℓ_old under the policy that sampled
 * it, r under the frozen reference and A its advantage:
 * ratio = e^{ℓ − ℓ_old}; surrogate = −min(ratio·A, clip(ratio, 1 − ε_low, 1 + ε_high)·A);
 * KL̂ = e^{r − ℓ} − (r − ℓ) − 1 (the k3 estimator); loss = Σ w·(surrogate + β·KL̂), where w is the
 * token's aggregation weight ({@link AGGREGATIONS}).
 *
 * @module
 */

import {
  add,
  cast,
  clipByGlobalNorm,
  type DType,
  exp,
  globalNorm,
  grad,
  Graph,
  type HostTensor,
  logSoftmax,
  max,
  mul,
  neg,
  nextName,
  ops,
  type OptimizerOptions,
  OPTIMIZERS,
  reduceSum,
  sub,
  tensor,
  type Value,
} from "../graph/mod.ts";
import {
  decoder,
  type LanguageModel,
  type LlamaConfig,
  lmHead,
  weightInputs,
} from "../model/mod.ts";
import {
  compile,
  createTrainer,
  type Feed,
  type ParamStore,
  type Program,
  runProgram,
  type Trainer,
  trainStep,
} from "../runtime/mod.ts";
import type { Aggregation } from "./advantages.ts";

/** Options of {@link buildPolicyLossGraph}. */
export interface PolicyLossGraphOptions {
  /** Add β·KL̂ to a frozen reference (inputs `ref_logprobs`, `kl_coef`). @default false */
  readonly kl?: boolean;
  /** @default "float32" */
  readonly dtype?: DType;
}

/** The built loss graph. */
export interface PolicyLossGraph {
  readonly graph: Graph;
  /** The weight inputs, by Hugging Face name. */
  readonly weights: Record<string, Value>;
  readonly loss: Value;
  /**
   * Per-batch sums over completion tokens (`completion_mask`), for logging: `clipped_tokens`
   * (tokens whose clipped term is the smaller), `approx_kl_sum` (k3 of the policy against the
   * sampler's), `entropy_sum` (of the next-token distribution), `kl_sum` (to the reference, with
   * `kl`), and `token_logprobs` (B,T).
   */
  readonly metrics: Record<string, Value>;
}

/**
 * The policy loss over the decoder. Inputs: `input_ids`, `attention_mask`, `position_ids`,
 * `targets` (B,T) int64; `completion_mask`, `loss_weights`, `old_logprobs`, `advantages` (B,T);
 * scalars `clip_low`, `clip_high`; with `kl`, `ref_logprobs` (B,T) and scalar `kl_coef`.
 *
 * @example The graph's inputs
 * ```ts
 * import assert from "node:assert/strict";
 * import { llamaConfigFromHf } from "../model/mod.ts";
 * import { buildPolicyLossGraph } from "./loss.ts";
 * const c = llamaConfigFromHf({ vocab_size: 8, hidden_size: 8, intermediate_size: 16,
 *   num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 16 });
 * const { graph } = buildPolicyLossGraph(c, { kl: true });
 * const names = graph.inputs.map((v) => v.name);
 * for (const n of ["old_logprobs", "advantages", "clip_low", "clip_high", "ref_logprobs", "kl_coef"]) {
 *   assert.ok(names.includes(n), n);
 * }
 * ```
 */
export function buildPolicyLossGraph(
  c: LlamaConfig,
  options: PolicyLossGraphOptions = {},
): PolicyLossGraph {
  const { kl = false, dtype = "float32" } = options;
  const g = new Graph();
  const weights = weightInputs(g, c, dtype);
  const ids = g.input("input_ids", "int64", ["B", "T"]);
  const attentionMask = g.input("attention_mask", "int64", ["B", "T"]);
  const positions = g.input("position_ids", "int64", ["B", "T"]);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const mask = g.input("completion_mask", dtype, ["B", "T"]);
  const w = g.input("loss_weights", dtype, ["B", "T"]);
  const old = g.input("old_logprobs", dtype, ["B", "T"]);
  const adv = g.input("advantages", dtype, ["B", "T"]);
  const clipLow = g.input("clip_low", dtype, []);
  const clipHigh = g.input("clip_high", dtype, []);

  const { hidden } = decoder(weights, c, { ids, attentionMask, positions });
  const lp = logSoftmax(lmHead(weights, c, hidden), -1); // (B,T,V)
  const picked = ops.gatherElements(lp, ops.unsqueeze(targets, [-1]), -1); // (B,T,1)
  const logprob = ops.squeeze(picked, [2]); // ℓ (B,T)
  // Padding and prompt positions may hold anything; zero them so exp() cannot overflow there.
  const delta = mul(sub(logprob, old), mask); // ℓ − ℓ_old
  const ratio = exp(delta);
  const unclipped = mul(ratio, adv);
  const bounded = ops.min(max(ratio, sub(1, clipLow)), add(clipHigh, 1));
  const clipped = mul(bounded, adv);
  let perToken = neg(ops.min(unclipped, clipped));
  const metrics: Record<string, Value> = {
    clipped_tokens: reduceSum(mul(cast(ops.less(clipped, unclipped), dtype), mask)),
    approx_kl_sum: reduceSum(mul(sub(sub(ratio, 1), delta), mask)),
    // −Σ p log p, for logging only: nothing differentiates it.
    entropy_sum: reduceSum(mul(neg(reduceSum(mul(exp(lp), lp), [-1])), mask)),
    token_logprobs: logprob,
  };
  if (kl) {
    const ref = g.input("ref_logprobs", dtype, ["B", "T"]);
    const coef = g.input("kl_coef", dtype, []);
    const d = mul(sub(ref, logprob), mask); // r − ℓ
    const k3 = sub(sub(exp(d), d), 1);
    perToken = add(perToken, mul(coef, k3));
    metrics.kl_sum = reduceSum(mul(k3, mask));
  }
  const loss = reduceSum(mul(perToken, w));
  return { graph: g, weights, loss, metrics };
}

/**
 * Per-token aggregation weights: given each sequence's completion length, the weight of every
 * one of its tokens, so that Σ w·(per-token loss) is the aggregated loss.
 *
 * @example Two sequences of 1 and 3 tokens, 4 new tokens at most
 * ```ts
 * import assert from "node:assert/strict";
 * import { AGGREGATIONS } from "./loss.ts";
 * assert.deepEqual(AGGREGATIONS.token([1, 3], 4), [0.25, 0.25]);
 * assert.deepEqual(AGGREGATIONS.sequence([1, 3], 4), [0.5, 1 / 6]);
 * assert.deepEqual(AGGREGATIONS.constant([1, 3], 4), [0.125, 0.125]);
 * ```
 */
export const AGGREGATIONS: Readonly<
  Record<Aggregation, (lengths: readonly number[], maxNewTokens: number) => number[]>
> = Object.freeze({
  token: (lengths: readonly number[]) => {
    const total = lengths.reduce((a, b) => a + b, 0);
    return lengths.map(() => (total > 0 ? 1 / total : 0));
  },
  sequence: (lengths: readonly number[]) =>
    lengths.map((n) => (n > 0 ? 1 / (lengths.length * n) : 0)),
  constant: (lengths: readonly number[], maxNewTokens: number) =>
    lengths.map(() => 1 / (lengths.length * maxNewTokens)),
});

/** One rollout sequence to train on. */
export interface PolicySequence {
  /** Prompt token ids (at least one: BOS). */
  readonly prompt: readonly number[];
  /** Sampled completion token ids. */
  readonly completion: readonly number[];
  /** log-prob of each completion token under the sampling policy. */
  readonly oldLogprobs: readonly number[];
  /** The sequence's advantage (every one of its tokens gets it). */
  readonly advantage: number;
  /** log-prob of each completion token under the reference (needed when the KL term is on). */
  readonly refLogprobs?: readonly number[];
}

/** Options of {@link createPolicyTrainer}. */
export interface PolicyTrainerOptions {
  /** @default { kind: "adamw" } */
  readonly optimizer?: OptimizerOptions;
  /** Global-norm clip of the summed gradient; none when omitted. @default 1 */
  readonly clipNorm?: number | null;
  /** Include the KL-to-reference term. @default false */
  readonly kl?: boolean;
  /** Optimizer state to continue from (a checkpoint's). @default zeros, step 0 */
  readonly state?: ParamStore;
}

/** The gradient program, the apply program and the model they train. */
export interface PolicyTrainer {
  readonly model: LanguageModel;
  readonly gradient: Program;
  /** The apply step: its `state` is the optimizer state a checkpoint saves. */
  readonly apply: Trainer;
  readonly params: readonly string[];
  readonly kl: boolean;
}

const GRAD_PREFIX = "grad.";

/**
 * The apply program: inputs the weights, their summed gradients (`grad.<name>`), `lr`, `step`
 * and `batch_loss` (passed through as `loss`); clips by global norm and runs the optimizer.
 */
function buildApplyGraph(c: LlamaConfig, optimizer: OptimizerOptions, clipNorm: number | null) {
  const g = new Graph();
  const weights = weightInputs(g, c);
  const names = Object.keys(weights);
  const raw = names.map((n) => g.input(GRAD_PREFIX + n, "float32", weights[n].shape));
  const { grads, norm } = clipNorm === null
    ? { grads: raw, norm: globalNorm(raw) }
    : clipByGlobalNorm(raw, clipNorm);
  const lr = g.input("lr", "float32", []);
  const items = names.map((name, i) => ({ name, value: weights[name], grad: grads[i] }));
  const update = OPTIMIZERS[optimizer.kind](items, lr, optimizer);
  const outputs: Record<string, Value> = {
    loss: ops.identity(g.input("batch_loss", "float32", [])),
    grad_norm: norm,
  };
  for (const [n, v] of update.params) outputs[nextName(n)] = v;
  for (const [n, v] of update.state) outputs[nextName(n)] = v;
  return { graph: g, step: { outputs, params: names, state: update.specs } };
}

/**
 * Compiles the gradient and apply programs for `model`; the apply step updates `model.store`.
 *
 * @example Compile for a tiny random model
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, initWeights, llamaConfigFromHf } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { createPolicyTrainer } from "./loss.ts";
 * const c = llamaConfigFromHf({ vocab_size: 8, hidden_size: 8, intermediate_size: 16,
 *   num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 16 });
 * const model = createModel(c, initWeights(c, createRng(0)), createRuntime({ threads: 1 }));
 * const t = await createPolicyTrainer(model);
 * assert.ok(t.apply.state.has("model.norm.weight.adam_m"));
 * ```
 */
export async function createPolicyTrainer(
  model: LanguageModel,
  options: PolicyTrainerOptions = {},
): Promise<PolicyTrainer> {
  const { optimizer = { kind: "adamw" }, clipNorm = 1, kl = false, state } = options;
  const c = model.config;
  const lossGraph = buildPolicyLossGraph(c, { kl });
  const params = Object.keys(lossGraph.weights);
  const grads = grad(lossGraph.loss, params.map((n) => lossGraph.weights[n]));
  const outputs: Record<string, Value> = { loss: lossGraph.loss };
  for (const [k, v] of Object.entries(lossGraph.metrics)) {
    if (k !== "token_logprobs") outputs[k] = v;
  }
  params.forEach((n, i) => (outputs[GRAD_PREFIX + n] = grads[i]));
  const gradient = await compile(model.runtime, lossGraph.graph, outputs, {
    name: "grpo-gradient",
  });
  const applyGraph = buildApplyGraph(c, optimizer, clipNorm);
  const apply = await createTrainer(model.runtime, applyGraph.graph, applyGraph.step, model.store, {
    state,
  });
  return { model, gradient, apply, params, kl };
}

/** Settings of one {@link policyUpdate}. */
export interface PolicyUpdateOptions {
  readonly lr: number;
  /** ε_low. */
  readonly clipLow: number;
  /** ε_high. */
  readonly clipHigh: number;
  /** β of the KL term (the trainer must have it when > 0). @default 0 */
  readonly klCoef?: number;
  readonly aggregation: Aggregation;
  /** The rollout's length limit (the `constant` aggregation divides by it). */
  readonly maxNewTokens: number;
  /**
   * At most this many sequences per gradient pass (see {@link microBatchPlan}: sequences of
   * similar lengths go together, and a pass is split further where that saves more padding than
   * a pass costs). @default all
   */
  readonly microBatch?: number;
}

/** What one update measured (means over completion tokens). */
export interface PolicyUpdateResult {
  readonly loss: number;
  readonly gradNorm: number;
  readonly clipFraction: number;
  /** k3 estimate of KL(sampler ‖ policy) before the update. */
  readonly approxKl: number;
  /** k3 estimate of KL(policy ‖ reference), or null without the KL term. */
  readonly kl: number | null;
  readonly entropy: number;
  readonly tokens: number;
  /** Milliseconds in the gradient passes and in the apply step (feeding and fetching included). */
  readonly gradientMs: number;
  readonly applyMs: number;
  /** Of those, milliseconds inside ONNX Runtime's runs (the rest is host work). */
  readonly sessionMs: number;
}

/**
 * Packs sequences into the loss graph's (B,T) feeds (right-padded; each sequence's tokens get
 * `tokenWeights[b]` as their aggregation weight).
 *
 * @example Completion tokens are predicted from the position before them
 * ```ts
 * import assert from "node:assert/strict";
 * import { packPolicy } from "./loss.ts";
 * const f = packPolicy([{ prompt: [1, 4], completion: [5, 6], oldLogprobs: [-1, -2], advantage: 0.5 }], [0.5], false);
 * assert.deepEqual([...f.completion_mask.data], [0, 1, 1, 0]);
 * assert.deepEqual([...f.old_logprobs.data], [0, -1, -2, 0]);
 * assert.deepEqual([...f.targets.data], [0n, 5n, 6n, 0n]);
 * ```
 */
export function packPolicy(
  seqs: readonly PolicySequence[],
  tokenWeights: readonly number[],
  kl: boolean,
  dtype: "float32" | "float64" = "float32",
): Record<string, HostTensor> {
  const b = seqs.length;
  const width = Math.max(...seqs.map((s) => s.prompt.length + s.completion.length));
  const n = b * width;
  const ids = new BigInt64Array(n), am = new BigInt64Array(n), pos = new BigInt64Array(n);
  const tgt = new BigInt64Array(n);
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const mask = new F(n), w = new F(n), old = new F(n), adv = new F(n), ref = new F(n);
  seqs.forEach((s, r) => {
    const all = [...s.prompt, ...s.completion];
    for (let t = 0; t < all.length; t++) {
      ids[r * width + t] = BigInt(all[t]);
      am[r * width + t] = 1n;
      pos[r * width + t] = BigInt(t);
    }
    // Completion token k sits at index P + k and is predicted at position P + k − 1.
    const p = s.prompt.length;
    s.completion.forEach((tok, k) => {
      const i = r * width + p + k - 1;
      tgt[i] = BigInt(tok);
      mask[i] = 1;
      w[i] = tokenWeights[r];
      old[i] = s.oldLogprobs[k];
      adv[i] = s.advantage;
      if (kl) ref[i] = s.refLogprobs![k];
    });
  });
  const shape = [b, width];
  const feeds: Record<string, HostTensor> = {
    input_ids: tensor("int64", shape, ids),
    attention_mask: tensor("int64", shape, am),
    position_ids: tensor("int64", shape, pos),
    targets: tensor("int64", shape, tgt),
    completion_mask: tensor(dtype, shape, mask),
    loss_weights: tensor(dtype, shape, w),
    old_logprobs: tensor(dtype, shape, old),
    advantages: tensor(dtype, shape, adv),
  };
  if (kl) feeds.ref_logprobs = tensor(dtype, shape, ref);
  return feeds;
}

function length(s: PolicySequence): number {
  return s.prompt.length + s.completion.length;
}

/**
 * What one more gradient pass costs, in padded token positions it must save: each pass writes
 * every parameter's gradient and the host adds it to the sum, about as long as training this
 * many tokens of the model (a 3.0M-parameter pass: 12 MB of gradients, some 13 ms, against
 * about 0.2 ms per token), whatever the model's size, since both scale with its parameters.
 */
const PASS_COST_TOKENS = 96;

/**
 * The gradient passes of a batch of sequences with these `lengths`: indices in ascending order of
 * length (ties by index), cut into consecutive runs of at most `maxRows` that minimise the padded
 * positions (rows × the run's longest length) plus `passCost` per run. Every index is in exactly
 * one run. The summed gradient does not depend on the plan, only the time does.
 *
 * @example Six short sequences and two long ones: the long ones get a pass of their own
 * ```ts
 * import assert from "node:assert/strict";
 * import { microBatchPlan } from "./loss.ts";
 * assert.deepEqual(microBatchPlan([40, 41, 300, 40, 42, 41, 310, 40], 8),
 *   [[0, 3, 7, 1, 5, 4], [2, 6]]);
 * assert.deepEqual(microBatchPlan([5, 5, 5], 2), [[0, 1], [2]]);
 * ```
 */
export function microBatchPlan(
  lengths: readonly number[],
  maxRows: number,
  passCost = PASS_COST_TOKENS,
): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const n = order.length;
  const cost = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(0);
  cost[0] = 0;
  for (let end = 1; end <= n; end++) {
    const width = lengths[order[end - 1]];
    for (let start = end - 1; start >= Math.max(0, end - maxRows); start--) {
      const c = cost[start] + (end - start) * width + passCost;
      if (c < cost[end]) {
        cost[end] = c;
        from[end] = start;
      }
    }
  }
  const runs: number[][] = [];
  for (let end = n; end > 0; end = from[end]) runs.unshift(order.slice(from[end], end));
  return runs;
}

function checkSequences(seqs: readonly PolicySequence[], kl: boolean) {
  if (seqs.length === 0) throw new RangeError("Cannot update the policy: the batch is empty");
  seqs.forEach((s, i) => {
    if (s.prompt.length === 0) {
      throw new RangeError(`Cannot update the policy: sequence ${i} has an empty prompt`);
    }
    if (s.oldLogprobs.length !== s.completion.length) {
      throw new RangeError(
        `Cannot update the policy: sequence ${i} has ${s.completion.length} completion tokens but ${s.oldLogprobs.length} 'oldLogprobs'`,
      );
    }
    if (kl && s.refLogprobs?.length !== s.completion.length) {
      throw new RangeError(
        `Cannot update the policy: sequence ${i} needs one 'refLogprobs' entry per completion token (${s.completion.length}): current length is ${s.refLogprobs?.length}`,
      );
    }
  });
}

/**
 * One optimizer update on a batch of rollout sequences: gradient passes over micro-batches,
 * summed, then clipped and applied. The model's store holds the new weights afterwards.
 *
 * @example An on-policy update clips nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, initWeights, llamaConfigFromHf, scoreTokens } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { createPolicyTrainer, policyUpdate } from "./loss.ts";
 * const c = llamaConfigFromHf({ vocab_size: 8, hidden_size: 8, intermediate_size: 16,
 *   num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 16 });
 * const model = createModel(c, initWeights(c, createRng(0)), createRuntime({ threads: 1 }));
 * const [scored] = await scoreTokens(model, [[1, 3, 4, 5]]);
 * const seq = { prompt: [1], completion: [3, 4, 5], oldLogprobs: scored.logprobs, advantage: 1 };
 * const r = await policyUpdate(await createPolicyTrainer(model), [seq], {
 *   lr: 1e-3, clipLow: 0.2, clipHigh: 0.2, aggregation: "token", maxNewTokens: 3 });
 * assert.equal(r.clipFraction, 0);
 * assert.equal(r.tokens, 3);
 * ```
 */
export async function policyUpdate(
  t: PolicyTrainer,
  seqs: readonly PolicySequence[],
  options: PolicyUpdateOptions,
): Promise<PolicyUpdateResult> {
  const { lr, clipLow, clipHigh, klCoef = 0, aggregation, maxNewTokens } = options;
  const microBatch = options.microBatch ?? seqs.length;
  if (!Number.isInteger(microBatch) || microBatch < 1) {
    throw new RangeError(
      `Cannot update the policy: 'microBatch' must be an integer ≥ 1: current value is ${microBatch}`,
    );
  }
  if (klCoef > 0 && !t.kl) {
    throw new Error(
      `Cannot update the policy: 'klCoef' is ${klCoef} but the trainer was built without the KL term`,
    );
  }
  checkSequences(seqs, t.kl);
  const tokenWeights = AGGREGATIONS[aggregation](
    seqs.map((s) => s.completion.length),
    maxNewTokens,
  );
  const store = t.model.store;
  const sums = new Map<string, Float32Array>();
  for (const n of t.params) sums.set(n, new Float32Array(store.get(n)!.data.length));
  const totals = { loss: 0, clipped_tokens: 0, approx_kl_sum: 0, entropy_sum: 0, kl_sum: 0 };
  const scalars: Record<string, Feed> = {
    clip_low: tensor("float32", [], [clipLow]),
    clip_high: tensor("float32", [], [clipHigh]),
  };
  if (t.kl) scalars.kl_coef = tensor("float32", [], [klCoef]);
  const weights: Record<string, Feed> = {};
  for (const n of t.params) weights[n] = store.get(n)!;
  const g0 = performance.now();
  let sessionMs = 0;
  for (const part of microBatchPlan(seqs.map(length), microBatch)) {
    const feeds = {
      ...weights,
      ...scalars,
      ...packPolicy(part.map((i) => seqs[i]), part.map((i) => tokenWeights[i]), t.kl),
    };
    const timing = { sessionMs: 0 };
    const out = await runProgram(t.gradient, feeds, { timing });
    sessionMs += timing.sessionMs;
    for (const n of t.params) {
      const acc = sums.get(n)!, d = out[GRAD_PREFIX + n].data as Float32Array;
      for (let i = 0; i < acc.length; i++) acc[i] += d[i];
    }
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
      if (out[k]) totals[k] += Number(out[k].data[0]);
    }
  }
  const gradientMs = performance.now() - g0;
  const batch: Record<string, Feed> = { batch_loss: tensor("float32", [], [totals.loss]) };
  for (const n of t.params) {
    batch[GRAD_PREFIX + n] = tensor("float32", store.get(n)!.shape, sums.get(n)!);
  }
  const r = await trainStep(t.apply, batch, lr);
  const tokens = seqs.reduce((a, s) => a + s.completion.length, 0);
  const per = (x: number) => (tokens > 0 ? x / tokens : 0);
  return {
    loss: totals.loss,
    gradNorm: r.gradNorm,
    clipFraction: per(totals.clipped_tokens),
    approxKl: per(totals.approx_kl_sum),
    kl: t.kl ? per(totals.kl_sum) : null,
    entropy: per(totals.entropy_sum),
    tokens,
    gradientMs,
    applyMs: r.totalMs,
    sessionMs: sessionMs + r.sessionMs,
  };
}
