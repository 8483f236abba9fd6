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
  concat,
  div,
  type DType,
  equal,
  exp,
  grad,
  Graph,
  greater,
  logSoftmax,
  matMul,
  max,
  mul,
  neg,
  type Node,
  ops,
  reduceMax,
  reduceSum,
  reshape,
  shapeOf,
  slice,
  sqrt,
  sub,
  tensor,
  tokenNll,
  transpose,
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

/**
 * Names of the KV-cache tensors, as transformers.js and Optimum export them, and of the new
 * tokens' keys and values a split-cache decoder returns instead of `present` (see
 * `buildDecodeGraph`).
 */
export function cacheNames(
  layer: number,
): {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  newKey: string;
  newValue: string;
} {
  return {
    pastKey: `past_key_values.${layer}.key`,
    pastValue: `past_key_values.${layer}.value`,
    presentKey: `present.${layer}.key`,
    presentValue: `present.${layer}.value`,
    newKey: `new_key_values.${layer}.key`,
    newValue: `new_key_values.${layer}.value`,
  };
}

/**
 * The KV-cache decoder: inputs `input_ids`, `attention_mask` (over past and new tokens),
 * `position_ids`, `past_key_values.{l}.key|value` (B,Hkv,P,Hd); outputs `logits` (B,Tq,V) and
 * `present.{l}.key|value` (B,Hkv,P+Tq,Hd). Prefill is the same program with P = 0. With
 * `hidden`, also `hidden` (B,1,D): the final (normed) hidden state at the last position, the one
 * the next token is drawn from. With `splitCache`, `new_key_values.{l}.key|value` (B,Hkv,Tq,Hd)
 * replace `present`: the new tokens' keys and values alone, for a caller that keeps the cache
 * (see `DecoderInputs.splitCache`).
 */
export function buildDecodeGraph(
  c: LlamaConfig,
  makeWeights?: (g: Graph) => Weights,
  dtype: DType = "float32",
  options: { contribOps?: boolean; hidden?: boolean; splitCache?: boolean } = {},
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
    splitCache: options.splitCache,
  });
  const outputs: Record<string, Value> = { logits: lmHead(weights, c, hidden) };
  cache.forEach((kv, l) => {
    const n = cacheNames(l);
    outputs[options.splitCache ? n.newKey : n.presentKey] = kv.key;
    outputs[options.splitCache ? n.newValue : n.presentValue] = kv.value;
  });
  if (options.hidden) outputs.hidden = slice(hidden, [-1], [Number.MAX_SAFE_INTEGER], [1]);
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

/**
 * How one parameter enters the forward graph, each use with its output `y` (whose gradient the
 * backward pass gives) and what the per-example gradient of the parameter is made of.
 */
type ParamUse =
  /** y = x·Wᵀ (linear layers, the output layer): dW_b = G_bᵀ X_b. */
  | { readonly kind: "matmul"; readonly y: Value; readonly x: Value }
  /** y = a ∘ w, w broadcast over the leading axes (RMSNorm scales): dw_b = Σ a ∘ G. */
  | { readonly kind: "scale"; readonly y: Value; readonly a: Value }
  /** y = a + w, w broadcast over the leading axes (biases): dw_b = Σ G. */
  | { readonly kind: "shift"; readonly y: Value }
  /** y = E[ids] (the embedding): dE_b[v] = Σ_{t: ids_bt = v} G_bt. */
  | { readonly kind: "rows"; readonly y: Value; readonly ids: Value };

/** Names the parameter's use that per-example gradients cannot take apart. */
function unsupportedUse(name: string, node: Node): Error {
  return new Error(
    `Cannot build per-example gradients: parameter '${name}' is used by ${node.op}${
      node.label ? ` at '${node.label}'` : ""
    }, which has no per-example rule (supported: MatMul of its transpose, Mul, Add, Gather)`,
  );
}

/** Every use of parameter `w` in `g`: what the decoder does with weights, nothing more. */
function paramUses(g: Graph, name: string, w: Value): ParamUse[] {
  const consumers = (v: Value) => g.nodes.filter((n) => n.inputs.some((i) => i?.id === v.id));
  const trailing = (y: Value) =>
    w.shape.every((d, i) => d === y.shape[y.shape.length - w.shape.length + i]) &&
    y.shape.length > w.shape.length;
  const uses: ParamUse[] = [];
  for (const node of consumers(w)) {
    const [a, b] = node.inputs as Value[];
    const y = node.outputs[0];
    if (node.op === "Transpose" && w.shape.length === 2) {
      for (const m of consumers(y)) {
        if (m.op !== "MatMul" || m.inputs[1]?.id !== y.id || m.inputs[0]?.id === y.id) {
          throw unsupportedUse(name, m);
        }
        uses.push({ kind: "matmul", y: m.outputs[0], x: m.inputs[0]! });
      }
    } else if (node.op === "Mul" && (a.id === w.id) !== (b.id === w.id) && trailing(y)) {
      uses.push({ kind: "scale", y, a: a.id === w.id ? b : a });
    } else if (node.op === "Add" && (a.id === w.id) !== (b.id === w.id) && trailing(y)) {
      uses.push({ kind: "shift", y });
    } else if (node.op === "Gather" && a.id === w.id && node.attrs.axis?.value === 0) {
      uses.push({ kind: "rows", y, ids: b });
    } else {
      throw unsupportedUse(name, node);
    }
  }
  return uses;
}

/**
 * One use's share of each example's gradient, (B, …parameter shape), from the gradient `dy` of
 * the use's output in the batched backward pass. The batch's loss is a sum of per-example
 * losses, and example b's activations depend only on example b, so the share of row b is
 * exactly example b's own.
 */
function perExampleShare(use: ParamUse, dy: Value, w: Value): Value {
  const lead = (v: Value) =>
    Array.from({ length: v.shape.length - w.shape.length - 1 }, (_, i) => i + 1);
  switch (use.kind) {
    case "matmul": {
      const k = use.x.shape[use.x.shape.length - 1] as number;
      const n = dy.shape[dy.shape.length - 1] as number;
      const x = reshape(use.x, [0, -1, k]); // (B,T,in)
      const g = reshape(dy, [0, -1, n]); // (B,T,out)
      return matMul(transpose(g, [0, 2, 1]), x); // (B,out,in)
    }
    case "scale":
      return reduceSum(mul(use.a, dy), lead(dy)); // (B, …w)
    case "shift":
      return reduceSum(dy, lead(dy)); // (B, …w)
    case "rows": {
      // Scatter-add each example's row gradients into its own zero (B,V,D) table.
      const [v, d] = w.shape as number[];
      const g = w.graph;
      const batch = slice(shapeOf(use.ids), [0], [1], [0]); // (1)
      const rows = g.constant(tensor("int64", [2], [v, d]));
      const shape = concat([batch, rows], 0);
      const zeros = ops.constantOfShape(shape, 0, w.dtype, [use.ids.shape[0], v, d]);
      const at = ops.expandLike(unsqueeze(use.ids, [-1]), dy); // (B,T,D)
      return ops.scatterElements(zeros, at, dy, 1, "add"); // (B,V,D)
    }
  }
}

/**
 * One batched forward and backward pass for per-example gradients of the named parameters (all
 * by default): each parameter's uses with the gradients `dys` of their outputs, and each
 * example's loss (B). Padding rows carry loss weight 0 and sit after the real tokens (causal
 * attention never looks at them), so they add nothing.
 */
function perExampleBackward(
  c: LlamaConfig,
  subset: readonly string[] | undefined,
  dtype: DType,
  what: string,
) {
  const { graph, weights, tokenLogprobs } = buildLossGraph(c, { dtype });
  const lossWeights = graph.inputs.find((v) => v.name === "loss_weights")!;
  const names = [...(subset ?? Object.keys(weights))];
  for (const n of names) {
    if (!weights[n]) {
      throw new Error(`Cannot build ${what}: '${n}' is not a parameter of this model`);
    }
  }
  const uses = names.map((n) => paramUses(graph, n, weights[n]));
  uses.forEach((u, i) => {
    if (u.length === 0) {
      throw new Error(`Cannot build ${what}: the loss does not use parameter '${names[i]}'`);
    }
  });
  const loss = reduceSum(mul(neg(tokenLogprobs), lossWeights), [1]); // (B)
  const flat = grad(reduceSum(loss), uses.flat().map((u) => u.y));
  let k = 0;
  const dys = uses.map((u) => u.map(() => flat[k++]));
  return { graph, weights, names, uses, dys, loss };
}

/**
 * Each example's gradient of its own loss for each named parameter, (B, …shape), summed over
 * the parameter's uses (a tied embedding is both the input table and the output layer).
 */
function perExampleGradients(
  c: LlamaConfig,
  subset: readonly string[] | undefined,
  dtype: DType,
  what: string,
): { graph: Graph; weights: Weights; names: string[]; grads: Value[]; loss: Value } {
  const { graph, weights, names, uses, dys, loss } = perExampleBackward(c, subset, dtype, what);
  const grads = names.map((n, i) =>
    uses[i].map((u, j) => perExampleShare(u, dys[i][j], weights[n])).reduce((a, b) => add(a, b))
  );
  return { graph, weights, names, grads, loss };
}

/** Σ over all axes but the batch axis: (B). */
function sumPerExample(x: Value): Value {
  return reduceSum(x, Array.from({ length: x.shape.length - 1 }, (_, i) => i + 1));
}

/** The Gram matrices X_b X_bᵀ (B,T,T) of (B,…,k) values, each computed once per value. */
function gramOf(cache: Map<number, Value>, x: Value): Value {
  let gram = cache.get(x.id);
  if (!gram) {
    const x3 = reshape(x, [0, -1, x.shape[x.shape.length - 1] as number]); // (B,T,k)
    gram = matMul(x3, transpose(x3, [0, 2, 1])); // (B,T,T)
    cache.set(x.id, gram);
  }
  return gram;
}

/**
 * The L2 norm of each example's loss gradient, over all parameters or the named subset: output
 * `grad_norm` (B), with each example's `loss` (B). One batched pass; each row's norm is that
 * example's own (the rows never mix). A weight used once, by a matrix product y = x·Wᵀ, gets
 * its squared norm without forming the gradient ("ghost norm"):
 * ‖G_bᵀX_b‖² = Σ_{t,t'} (X_b X_bᵀ)_{tt'} (G_b G_bᵀ)_{tt'}, which costs T²·(in + out) instead
 * of T·in·out and shares X_b X_bᵀ between the projections that read the same input (q, k, v;
 * gate, up). Other weights (norm scales, biases, the embedding, and a tied embedding's two
 * uses together) get their per-example gradient formed and squared.
 */
export function buildGradNormGraph(
  c: LlamaConfig,
  subset?: readonly string[],
  dtype: DType = "float32",
): ProgramGraph {
  const { graph, weights, names, uses, dys, loss } = perExampleBackward(
    c,
    subset,
    dtype,
    "gradient norm",
  );
  const grams = new Map<number, Value>();
  const squares = names.map((n, i) => {
    const [use] = uses[i];
    if (uses[i].length === 1 && use.kind === "matmul") {
      return sumPerExample(mul(gramOf(grams, use.x), gramOf(grams, dys[i][0]))); // (B)
    }
    const d = uses[i].map((u, j) => perExampleShare(u, dys[i][j], weights[n]))
      .reduce((a, b) => add(a, b));
    return sumPerExample(mul(d, d)); // (B)
  });
  const norm = sqrt(squares.reduce((a, b) => add(a, b)));
  return { graph, weights, outputs: { grad_norm: norm, loss } };
}

/**
 * Each example's gradient of its own loss with respect to each named parameter (all by default),
 * as outputs `grad.<name>` (B, …parameter shape), with each example's `loss` (B). One batched
 * pass; row b is example b's gradient alone.
 */
export function buildGradGraph(
  c: LlamaConfig,
  subset?: readonly string[],
  dtype: DType = "float32",
): ProgramGraph {
  const { graph, weights, loss, grads, names } = perExampleGradients(c, subset, dtype, "gradient");
  const outputs: Record<string, Value> = { loss };
  names.forEach((n, i) => outputs[`grad.${n}`] = grads[i]);
  return { graph, weights, outputs };
}

/**
 * Each example's loss gradient over the named parameters (all by default), flattened in that
 * order and concatenated (N values), then projected by a CountSketch to `dim` values:
 * sketch_b[k] = Σ_{i: bucket_i = k} sign_i · g_b[i]. Inputs `sketch_bucket` (N) int32 and
 * `sketch_sign` (N) (±1); output `sketch` (B, dim), with each example's `loss` (B). The full
 * gradients never leave the program, and the sums run in float32.
 */
export function buildGradSketchGraph(
  c: LlamaConfig,
  dim: number,
  subset?: readonly string[],
  dtype: DType = "float32",
): ProgramGraph {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `Cannot build gradient sketch: 'dim' must be an integer ≥ 1: current value is ${dim}`,
    );
  }
  const { graph, weights, loss, grads } = perExampleGradients(c, subset, dtype, "gradient sketch");
  const n = grads.reduce(
    (a, d) => a + d.shape.slice(1).reduce((x: number, y) => x * (y as number), 1),
    0,
  );
  const bucket = graph.input("sketch_bucket", "int32", [n]);
  const sign = graph.input("sketch_sign", dtype, [n]);
  const flat = concat(grads.map((d) => reshape(d, [0, -1])), 1); // (B,N)
  const updates = transpose(mul(flat, sign), [1, 0]); // (N,B)
  const batch = slice(shapeOf(flat), [0], [1], [0]); // (1)
  const shape = concat([graph.constant(tensor("int64", [1], [dim])), batch], 0);
  const zeros = ops.constantOfShape(shape, 0, dtype, [dim, flat.shape[0]]); // (dim,B)
  const at = unsqueeze(cast(bucket, "int64"), [-1]); // (N,1)
  const sketch = transpose(ops.scatterND(zeros, at, updates, "add"), [1, 0]); // (B,dim)
  return { graph, weights, outputs: { sketch, loss } };
}
