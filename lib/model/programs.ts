/**
 * The graphs a language model runs, all over the same Hugging Face-named weights:
 * a weighted token loss (SFT masks and GRPO advantages alike, optional KL to a reference),
 * token scoring (log-probs, entropies, top-1/top-2 margins), the KV-cache decoder (prefill and
 * decode, with the input and output names transformers.js uses), mean-pooled hidden states, and
 * per-example gradient norms.
 *
 * @module
 */

import {
  add,
  cast,
  div,
  type DType,
  equal,
  exp,
  globalNorm,
  grad,
  Graph,
  greater,
  logSoftmax,
  max,
  mul,
  neg,
  reduceMax,
  reduceSum,
  sub,
  tokenNll,
  unsqueeze,
  type Value,
  where,
} from "../graph/mod.ts";
import type { LlamaConfig } from "./config.ts";
import { decoder, type LayerCache, lmHead, weightInputs, type Weights } from "./llama.ts";

/** Inputs every full-sequence program reads: ids, mask and positions, each (B,T) int64. */
function sequenceInputs(g: Graph) {
  return {
    ids: g.input("input_ids", "int64", ["B", "T"]),
    attentionMask: g.input("attention_mask", "int64", ["B", "T"]),
    positions: g.input("position_ids", "int64", ["B", "T"]),
  };
}

/** Options of the loss graph. */
export interface LossGraphOptions {
  /** Add a KL penalty to reference log-probs (inputs `ref_logprobs`, `kl_weights`). @default false */
  readonly kl?: boolean;
  /** @default "float32" */
  readonly dtype?: DType;
}

/**
 * The weighted token loss: Σₜ wₜ·(−log p(targetₜ)) + Σₜ kₜ·KL̂ₜ, where KL̂ₜ = e^{r−ℓ} − (r−ℓ) − 1 is
 * the non-negative estimator of KL(π‖π_ref) with ℓ the model's and r the reference's log-prob.
 * The caller chooses the weights: completion-mask / token-count for SFT; advantage / length for
 * GRPO. Inputs `targets` (B,T) int64, `loss_weights` (B,T); returns the graph, weights and loss.
 */
export function buildLossGraph(
  c: LlamaConfig,
  options: LossGraphOptions = {},
): { graph: Graph; weights: Weights; loss: Value; tokenLogprobs: Value } {
  const { kl = false, dtype = "float32" } = options;
  const g = new Graph();
  const weights = weightInputs(g, c, dtype);
  const seq = sequenceInputs(g);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const lossWeights = g.input("loss_weights", dtype, ["B", "T"]);
  const { hidden } = decoder(weights, c, seq);
  const nll = tokenNll(lmHead(weights, c, hidden), targets); // (B,T)
  let loss = reduceSum(mul(nll, lossWeights));
  if (kl) {
    const ref = g.input("ref_logprobs", dtype, ["B", "T"]);
    const klWeights = g.input("kl_weights", dtype, ["B", "T"]);
    const diff = add(ref, nll); // r − ℓ, since nll = −ℓ
    loss = add(loss, reduceSum(mul(klWeights, sub(sub(exp(diff), diff), 1))));
  }
  return { graph: g, weights, loss, tokenLogprobs: neg(nll) };
}

/**
 * Scoring: for each position, the log-prob of `targets` (B,T), the entropy of the next-token
 * distribution (B,T) and the margin between its two largest probabilities (B,T).
 */
export function buildScoreGraph(c: LlamaConfig, dtype: DType = "float32"): ProgramGraph {
  const g = new Graph();
  const weights = weightInputs(g, c, dtype);
  const seq = sequenceInputs(g);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const { hidden } = decoder(weights, c, seq);
  const lp = logSoftmax(lmHead(weights, c, hidden), -1); // (B,T,V)
  const p = exp(lp);
  const entropy = neg(reduceSum(mul(p, lp), [-1])); // −Σ p log p
  const top1 = reduceMax(p, [-1], true); // (B,T,1)
  const isTop = equal(p, top1);
  // The second-largest probability; a tie for first place makes it equal to the first.
  const ties = reduceSum(cast(isTop, dtype), [-1], true);
  const rest = reduceMax(where(isTop, -1, p), [-1], true);
  const top2 = where(greater(ties, 1), top1, rest);
  const margin = reduceSum(sub(top1, top2), [-1]);
  const picked = reduceSum(mul(lp, oneHot(targets, lp)), [-1]);
  return { graph: g, weights, outputs: { token_logprobs: picked, entropy, margin } };
}

/** One-hot of int64 targets (B,T) against (B,T,V) values, as the values' dtype. */
function oneHot(targets: Value, like: Value): Value {
  const g = like.graph;
  const v = like.shape[like.shape.length - 1] as number;
  const ids = g.constant({
    dtype: "int64",
    shape: [v],
    data: BigInt64Array.from({ length: v }, (_, i) => BigInt(i)),
  });
  return cast(equal(unsqueeze(targets, [-1]), ids), like.dtype);
}

/** A built program graph: the graph, its weight inputs (or constants) and its named outputs. */
export interface ProgramGraph {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly outputs: Record<string, Value>;
}

/** Names of the KV-cache tensors, as transformers.js and Optimum export them. */
export function cacheNames(
  layer: number,
): { pastKey: string; pastValue: string; presentKey: string; presentValue: string } {
  return {
    pastKey: `past_key_values.${layer}.key`,
    pastValue: `past_key_values.${layer}.value`,
    presentKey: `present.${layer}.key`,
    presentValue: `present.${layer}.value`,
  };
}

/**
 * The KV-cache decoder: inputs `input_ids`, `attention_mask` (over past and new tokens),
 * `position_ids`, `past_key_values.{l}.key|value` (B,Hkv,P,Hd); outputs `logits` (B,Tq,V) and
 * `present.{l}.key|value` (B,Hkv,P+Tq,Hd). Prefill is the same program with P = 0.
 */
export function buildDecodeGraph(
  c: LlamaConfig,
  makeWeights?: (g: Graph) => Weights,
  dtype: DType = "float32",
  options: { contribOps?: boolean } = {},
): ProgramGraph {
  const g = new Graph();
  const weights = makeWeights ? makeWeights(g) : weightInputs(g, c, dtype);
  const ids = g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const attentionMask = g.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  const positions = g.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  const past: LayerCache[] = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const n = cacheNames(l);
    const shape = ["batch_size", c.numKeyValueHeads, "past_sequence_length", c.headDim];
    past.push({ key: g.input(n.pastKey, dtype, shape), value: g.input(n.pastValue, dtype, shape) });
  }
  const { hidden, cache } = decoder(weights, c, {
    ids,
    attentionMask,
    positions,
    past,
    contribOps: options.contribOps,
  });
  const outputs: Record<string, Value> = { logits: lmHead(weights, c, hidden) };
  cache.forEach((kv, l) => {
    const n = cacheNames(l);
    outputs[n.presentKey] = kv.key;
    outputs[n.presentValue] = kv.value;
  });
  return { graph: g, weights, outputs };
}

/** Final hidden states mean-pooled over the attention mask: `pooled` (B,D). */
export function buildEmbedGraph(c: LlamaConfig, dtype: DType = "float32"): ProgramGraph {
  const g = new Graph();
  const weights = weightInputs(g, c, dtype);
  const seq = sequenceInputs(g);
  const { hidden } = decoder(weights, c, seq);
  const m = unsqueeze(cast(seq.attentionMask, dtype), [-1]); // (B,T,1)
  const pooled = div(reduceSum(mul(hidden, m), [1]), max(reduceSum(m, [1]), 1)); // (B,D)
  return { graph: g, weights, outputs: { pooled } };
}

/** The loss graph with the gradients of its loss for the named parameters (all by default). */
function lossGradients(
  c: LlamaConfig,
  subset: readonly string[] | undefined,
  dtype: DType,
  what: string,
) {
  const { graph, weights, loss } = buildLossGraph(c, { dtype });
  const names = subset ?? Object.keys(weights);
  for (const n of names) {
    if (!weights[n]) {
      throw new Error(`Cannot build ${what}: '${n}' is not a parameter of this model`);
    }
  }
  return { graph, weights, loss, names, grads: grad(loss, names.map((n) => weights[n])) };
}

/**
 * The L2 norm of the gradient of one example's weighted token loss, over all parameters or the
 * named subset. Run with batch 1: each example's gradient is its own.
 */
export function buildGradNormGraph(
  c: LlamaConfig,
  subset?: readonly string[],
  dtype: DType = "float32",
): ProgramGraph {
  const { graph, weights, loss, grads } = lossGradients(c, subset, dtype, "gradient norm");
  return { graph, weights, outputs: { grad_norm: globalNorm(grads), loss } };
}

/**
 * The gradient of one example's weighted token loss with respect to each named parameter (all by
 * default), as outputs `grad.<name>` of the parameters' shapes, with `loss`. Run with batch 1.
 */
export function buildGradGraph(
  c: LlamaConfig,
  subset?: readonly string[],
  dtype: DType = "float32",
): ProgramGraph {
  const { graph, weights, loss, grads, names } = lossGradients(c, subset, dtype, "gradient");
  const outputs: Record<string, Value> = { loss };
  names.forEach((n, i) => outputs[`grad.${n}`] = grads[i]);
  return { graph, weights, outputs };
}
