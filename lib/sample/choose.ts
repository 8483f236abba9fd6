/**
 * Choosing the next token from one row of logits: temperature, top-k, top-p (nucleus), or greedy
 * at temperature 0; returns the token with its log-probability under the distribution it was
 * drawn from and under the model's own softmax.
 *
 * @module
 */

import type { Rng } from "./rng.ts";

/** How to choose. */
export interface ChooseOptions {
  /** 0 picks the argmax. @default 1 */
  readonly temperature?: number;
  /** Keep the k most likely tokens; 0 keeps all. @default 0 */
  readonly topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p. @default 1 */
  readonly topP?: number;
}

/** A chosen token. */
export interface Choice {
  readonly token: number;
  /** log p(token) under the filtered, tempered distribution it was drawn from. */
  readonly logprob: number;
  /** log p(token) under softmax(logits): what a scoring pass of the model gives. */
  readonly logprobRaw: number;
}

/** Validates options, naming the bad field. */
export function checkChooseOptions(o: ChooseOptions): void {
  const { temperature = 1, topK = 0, topP = 1 } = o;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`'temperature' must be ≥ 0: current value is ${temperature}`);
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new RangeError(`'topK' must be an integer ≥ 0: current value is ${topK}`);
  }
  if (!(topP > 0 && topP <= 1)) {
    throw new RangeError(`'topP' must be in (0, 1]: current value is ${topP}`);
  }
}

function logSumExp(x: ArrayLike<number>, scale = 1): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i] * scale);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] * scale - m);
  return m + Math.log(s);
}

/**
 * Chooses a token from `logits` (length V).
 *
 * @example Greedy
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseToken } from "./choose.ts";
 * import { createRng } from "./rng.ts";
 * const c = chooseToken(Float32Array.from([0, 3, 1]), { temperature: 0 }, createRng(1));
 * assert.ok(c.token === 1);
 * ```
 */
export function chooseToken(logits: ArrayLike<number>, options: ChooseOptions, rng: Rng): Choice {
  const { temperature = 1, topK = 0, topP = 1 } = options;
  const v = logits.length;
  const lseRaw = logSumExp(logits);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < v; i++) if (logits[i] > logits[best]) best = i;
    return { token: best, logprob: 0, logprobRaw: logits[best] - lseRaw };
  }
  // Candidates sorted by logit, descending; cut by top-k, then by cumulative probability.
  let order = Array.from({ length: v }, (_, i) => i);
  if (topK > 0 && topK < v) {
    order.sort((a, b) => logits[b] - logits[a]);
    order = order.slice(0, topK);
  } else if (topP < 1) {
    order.sort((a, b) => logits[b] - logits[a]);
  }
  const inv = 1 / temperature;
  const scaled = order.map((i) => logits[i] * inv);
  const lse = logSumExp(scaled);
  let probs = scaled.map((s) => Math.exp(s - lse));
  if (topP < 1) {
    let cum = 0, keep = 0;
    while (keep < probs.length && cum < topP) cum += probs[keep++];
    order = order.slice(0, keep);
    probs = probs.slice(0, keep).map((p) => p / cum);
  }
  let u = rng.next();
  let pick = order.length - 1;
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) {
      pick = i;
      break;
    }
  }
  const token = order[pick];
  return { token, logprob: Math.log(probs[pick]), logprobRaw: logits[token] - lseRaw };
}
