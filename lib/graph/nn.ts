/**
 * Composite layers built from primitive ops, so they need no gradient rules of their own:
 * linear, RMSNorm, SiLU, GELU (tanh form), causal self-attention, token cross-entropy.
 *
 * Shape letters: B batch, T sequence, D model width, H heads, Hd head dim, F hidden width, V vocab.
 *
 * @module
 */

import type { Value } from "./ir.ts";
import {
  add,
  cast,
  div,
  equal,
  gatherElements,
  logSoftmax,
  matMul,
  mul,
  neg,
  reduceMean,
  reduceSum,
  reshape,
  sigmoid,
  softmax,
  sqrt,
  sub,
  tanh,
  transpose,
  unsqueeze,
  where,
} from "./ops.ts";
import { tensor } from "./tensor.ts";

/** x·Wᵀ (+ b), with W in PyTorch/Hugging Face layout (out, in). */
export function linear(x: Value, weight: Value, bias?: Value): Value {
  const y = matMul(x, transpose(weight));
  return bias ? add(y, bias) : y;
}

/** RMSNorm: x / √(mean(x²) + ε) · w over the last axis. */
export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const ms = reduceMean(mul(x, x), [-1], true);
  return mul(div(x, sqrt(add(ms, eps))), weight);
}

/** SiLU (swish): x · σ(x). */
export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function gelu(x: Value): Value {
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/**
 * A (T, T) additive causal mask: 0 on and below the diagonal, a large negative number above.
 * Built for a fixed length T as a constant.
 */
export function causalMask(like: Value, t: number): Value {
  const data = new Float64Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = -1e9;
  const m = like.graph.constant(tensor("float64", [t, t], data));
  return cast(m, like.dtype);
}

/**
 * Scaled dot-product attention over heads: softmax(q·kᵀ/√Hd + mask)·v.
 * q (B,H,Tq,Hd), k and v (B,H,Tk,Hd), mask broadcastable to (B,H,Tq,Tk), additive.
 */
export function attention(q: Value, k: Value, v: Value, mask?: Value): Value {
  const hd = q.shape[q.shape.length - 1];
  if (typeof hd !== "number") {
    throw new Error("Cannot build attention: the head dimension must be known");
  }
  let scores = mul(matMul(q, transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(hd)); // (B,H,Tq,Tk)
  if (mask) scores = add(scores, mask);
  return matMul(softmax(scores, -1), v); // (B,H,Tq,Hd)
}

/** (B,T,H·Hd) → (B,H,T,Hd) */
export function splitHeads(x: Value, heads: number): Value {
  const d = x.shape[2];
  if (typeof d !== "number" || d % heads !== 0) {
    throw new Error(`Cannot split heads: width ${d} is not a multiple of ${heads} heads`);
  }
  return transpose(reshape(x, [0, 0, heads, d / heads]), [0, 2, 1, 3]);
}

/** (B,H,T,Hd) → (B,T,H·Hd) */
export function mergeHeads(x: Value): Value {
  const [, h, , hd] = x.shape;
  if (typeof h !== "number" || typeof hd !== "number") {
    throw new Error("Cannot merge heads: H and Hd must be known");
  }
  return reshape(transpose(x, [0, 2, 1, 3]), [0, 0, h * hd]);
}

/**
 * Per-token negative log-likelihood: −log softmax(logits)[target], shape of `targets`.
 * logits (…, V), targets (…) int64.
 */
export function tokenNll(logits: Value, targets: Value): Value {
  const lp = logSoftmax(logits, -1);
  const picked = gatherElements(lp, unsqueeze(targets, [-1]), -1);
  return neg(reshape(picked, [...targets.shape.map(() => 0)]));
}

/**
 * Weighted mean of per-token losses: Σ w·ℓ / d, where d is `denominator` when given (e.g. a token
 * count fed as an input, for GRPO's signed advantages) and Σ w otherwise. With 0/1 weights this is
 * the completion-only SFT loss. A batch whose Σ w is 0 has nothing to learn from and gives 0.
 */
export function weightedMean(losses: Value, weights: Value, denominator?: Value): Value {
  const total = denominator ?? reduceSum(weights);
  const safe = where(equal(total, 0), 1, total);
  return div(reduceSum(mul(losses, weights)), safe);
}

/** Mean squared error. */
export function mse(pred: Value, target: Value): Value {
  const d = sub(pred, target);
  return reduceMean(mul(d, d));
}
