/**
 * Composite layers built from primitive ops, so they need no gradient rules of their own:
 * linear, RMSNorm, SiLU, token cross-entropy, weighted means. Attention lives in one place, the
 * Llama decoder (`lib/model/llama.ts`).
 *
 * @module
 */

import type { Value } from "./ir.ts";
import {
  add,
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
  sqrt,
  sub,
  transpose,
  unsqueeze,
  where,
} from "./ops.ts";

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
