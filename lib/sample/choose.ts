/**
 * Choosing the next token from one row of logits: temperature, then top-k, then top-p (nucleus),
 * then min-p, or greedy at temperature 0 — the order Hugging Face and vLLM apply them. Returns the
 * token with its log-probability under the distribution it was drawn from and under the model's
 * own softmax.
 *
 * Cost: top-k keeps a k-element heap (O(V log k)); top-p alone heapifies the row in O(V) and pops
 * only the m tokens it keeps (O(V + m log V)); plain temperature sampling and min-p are O(V). No
 * full sort of the vocabulary.
 *
 * @module
 */

import type { Rng } from "../run/mod.ts";

/** How to choose. */
export interface ChooseOptions {
  /** Logits are divided by it; 0 picks the argmax (ties → lowest id). @default 1 */
  readonly temperature?: number;
  /** Keep the k most likely tokens; 0 keeps all. @default 0 */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p. @default 1 */
  readonly topP?: number;
  /** Keep tokens whose probability is at least minP × the most likely token's. @default 0 */
  readonly minP?: number;
}

/** A chosen token. */
export interface Choice {
  readonly token: number;
  /**
   * log p(token) under the final sampling distribution: tempered, filtered and renormalised — the
   * probability the draw actually had (0 for greedy). What importance ratios against the sampler
   * need.
   */
  readonly logprob: number;
  /**
   * log p(token) under softmax(logits), no temperature or filtering: what a scoring pass of the
   * model gives, and what a policy-gradient loss compares against.
   */
  readonly logprobRaw: number;
}

/** Tolerance on the top-p mass, so that e.g. 0.4 + 0.3 counts as reaching 0.7. */
const TOP_P_SLACK = 1e-9;

/**
 * Validates options, naming the bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkChooseOptions } from "./choose.ts";
 * assert.throws(() => checkChooseOptions({ topP: 1.5 }), /'topP' must be in \(0, 1\]: current value is 1.5/);
 * ```
 */
export function checkChooseOptions(o: ChooseOptions): void {
  const { temperature = 1, topK = 0, topP = 1, minP = 0 } = o;
  const fail = (why: string): never => {
    throw new RangeError(`Cannot choose a token: ${why}`);
  };
  if (typeof temperature !== "number" || !(temperature >= 0) || !Number.isFinite(temperature)) {
    fail(`'temperature' must be a finite number ≥ 0: current value is ${temperature}`);
  }
  if (!Number.isInteger(topK) || topK < 0) {
    fail(`'topK' must be an integer ≥ 0: current value is ${topK}`);
  }
  if (typeof topP !== "number" || !(topP > 0 && topP <= 1)) {
    fail(`'topP' must be in (0, 1]: current value is ${topP}`);
  }
  if (typeof minP !== "number" || !(minP >= 0 && minP <= 1)) {
    fail(`'minP' must be in [0, 1]: current value is ${minP}`);
  }
}

/** Whether token a ranks before token b: higher logit, then lower id. */
function before(logits: ArrayLike<number>, a: number, b: number): boolean {
  return logits[a] > logits[b] || (logits[a] === logits[b] && a < b);
}

/**
 * Moves heap[i] down. `top(a, b)` says whether a belongs above b (a max-heap by rank when
 * `top = before`, a min-heap when reversed).
 */
function siftDown(heap: number[], i: number, top: (a: number, b: number) => boolean): void {
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1, r = l + 1;
    let m = i;
    if (l < n && top(heap[l], heap[m])) m = l;
    if (r < n && top(heap[r], heap[m])) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}

function siftUp(heap: number[], i: number, top: (a: number, b: number) => boolean): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!top(heap[i], heap[p])) return;
    [heap[i], heap[p]] = [heap[p], heap[i]];
    i = p;
  }
}

/** The k best token ids, best first: a min-heap of the k best so far. */
function topKIds(logits: ArrayLike<number>, k: number): number[] {
  const worse = (a: number, b: number) => before(logits, b, a);
  const heap: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      siftUp(heap, heap.length - 1, worse);
    } else if (before(logits, i, heap[0])) {
      heap[0] = i;
      siftDown(heap, 0, worse);
    }
  }
  return heap.sort((a, b) => (before(logits, a, b) ? -1 : 1));
}

/** Ids best first, popped lazily from a max-heap built in O(V). */
function* rankedIds(logits: ArrayLike<number>): Generator<number> {
  const best = (a: number, b: number) => before(logits, a, b);
  const heap = Array.from({ length: logits.length }, (_, i) => i);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, best);
  while (heap.length) {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      siftDown(heap, 0, best);
    }
    yield top;
  }
}

/**
 * Chooses a token from `logits` (length V) with random numbers from `rng` (one draw per call,
 * none when greedy): {@link tokenDistribution}, then one draw.
 *
 * @example Greedy, and sampling with a seed
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseToken } from "./choose.ts";
 * import { createRng } from "../run/rng.ts";
 * const logits = Float32Array.from([0, 3, 1]);
 * assert.equal(chooseToken(logits, { temperature: 0 }, createRng(1)).token, 1);
 * const c = chooseToken(logits, { topK: 2 }, createRng(1));
 * assert.ok(c.token === 1 || c.token === 2);
 * assert.ok(c.logprob >= c.logprobRaw, "filtering renormalises onto fewer tokens");
 * ```
 */
export function chooseToken(logits: ArrayLike<number>, options: ChooseOptions, rng: Rng): Choice {
  return tokenDistribution(logits, options).draw(rng);
}

/** The distribution of the next token given one row of logits, ready for any number of draws. */
export interface TokenDistribution {
  /** One token drawn with `rng` (one number from it; none when greedy). */
  draw(rng: Rng): Choice;
  /**
   * The entropy (nats) and the top-1 − top-2 probability margin of the untempered, unfiltered
   * softmax of the logits: what scoring gives at this position, whatever the sampling settings.
   */
  stats(): { entropy: number; margin: number };
}

/**
 * Entropy and top-1 − top-2 margin of softmax(`logits`), whose largest entry is at `best`;
 * `raw`, where given, already holds each exp(l − max) (sampling at T = 1 has computed them).
 */
function softmaxStats(
  logits: ArrayLike<number>,
  best: number,
  raw?: Float64Array,
): { entropy: number; margin: number } {
  const max = logits[best];
  // With w = exp(l − max) and Z = Σ w: H = ln Z − Σ w (l − max) / Z; the top weight is 1.
  let z = 0, wd = 0, second = 0;
  for (let i = 0; i < logits.length; i++) {
    const d = logits[i] - max;
    const w = raw ? raw[i] : Math.exp(d);
    z += w;
    wd += w * d;
    if (i !== best && w > second) second = w;
  }
  return { entropy: Math.log(z) - wd / z, margin: (1 - second) / z };
}

/**
 * The distribution {@link chooseToken} draws from, computed once (normalisers, filters) so
 * that several rows with the same logits — samples of one prompt that have not diverged yet —
 * each draw from it with their own generator, exactly as `chooseToken` would for each.
 *
 * @example Two generators draw from one distribution as chooseToken would
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseToken, tokenDistribution } from "./choose.ts";
 * import { createRng } from "../run/rng.ts";
 * const logits = Float32Array.from([0.5, 2, 1, -1]);
 * const d = tokenDistribution(logits, { temperature: 0.8, topP: 0.9 });
 * for (const seed of [1, 2]) {
 *   assert.deepEqual(d.draw(createRng(seed)), chooseToken(logits, { temperature: 0.8, topP: 0.9 }, createRng(seed)));
 * }
 * ```
 */
export function tokenDistribution(
  logits: ArrayLike<number>,
  options: ChooseOptions,
): TokenDistribution {
  checkChooseOptions(options);
  const { temperature = 1, topK = 0, topP = 1, minP = 0 } = options;
  const v = logits.length;
  if (v === 0) throw new RangeError(`Cannot choose a token: the logits row is empty`);
  // One pass: the argmax (lowest id on ties) and a NaN check; a second: the weights and the raw
  // log-normaliser.
  let best = 0;
  for (let i = 0; i < v; i++) {
    const x = logits[i];
    if (Number.isNaN(x)) {
      throw new RangeError(`Cannot choose a token: logit ${i} is NaN`);
    }
    if (x > logits[best]) best = i;
  }
  const max = logits[best];
  if (max === -Infinity) throw new RangeError(`Cannot choose a token: every logit is -Infinity`);
  if (temperature === 0) {
    let sumRaw = 0;
    for (let i = 0; i < v; i++) sumRaw += Math.exp(logits[i] - max);
    const greedy = { token: best, logprob: 0, logprobRaw: logits[best] - (max + Math.log(sumRaw)) };
    return { draw: () => greedy, stats: () => softmaxStats(logits, best) };
  }

  // Weights relative to the best token, w = exp((l − max) / T) ∈ (0, 1]: no overflow. At T = 1
  // they are the raw softmax's own terms, so one pass of exp serves both normalisers.
  const inv = 1 / temperature;
  const weights = new Float64Array(v);
  let sumRaw = 0;
  if (inv === 1) {
    for (let i = 0; i < v; i++) sumRaw += weights[i] = Math.exp(logits[i] - max);
  } else {
    for (let i = 0; i < v; i++) {
      const d = logits[i] - max;
      sumRaw += Math.exp(d);
      weights[i] = Math.exp(d * inv);
    }
  }
  const lseRaw = max + Math.log(sumRaw);
  const weight = (i: number) => weights[i];
  let candidates: number[] | null = null; // null: every token
  if (topK > 0 && topK < v) candidates = topKIds(logits, topK);
  if (topP < 1) {
    let total = 0;
    if (candidates) { for (const i of candidates) total += weight(i); }
    else for (let i = 0; i < v; i++) total += weight(i);
    const kept: number[] = [];
    let mass = 0;
    for (const i of candidates ?? rankedIds(logits)) {
      kept.push(i);
      mass += weight(i);
      if (mass >= (topP - TOP_P_SLACK) * total) break;
    }
    candidates = kept;
  }
  if (minP > 0) {
    // p_i ≥ minP · p_max ⇔ w_i ≥ minP, since the best token has weight 1 (ratios survive renormalising).
    if (candidates) candidates = candidates.filter((i) => weight(i) >= minP);
    else {
      candidates = [];
      for (let i = 0; i < v; i++) if (weight(i) >= minP) candidates.push(i);
    }
  }

  // Without filters at T = 1 the normaliser is the raw one, summed in the same order.
  let z = candidates || inv !== 1 ? 0 : sumRaw;
  if (candidates) { for (const i of candidates) z += weight(i); }
  else if (inv !== 1) { for (let i = 0; i < v; i++) z += weight(i); }
  const logZ = Math.log(z);
  const kept = candidates;
  const n = kept ? kept.length : v;
  return {
    stats: () => softmaxStats(logits, best, inv === 1 ? weights : undefined),
    draw(rng) {
      let u = rng.next() * z;
      let token = -1;
      for (let j = 0; j < n; j++) {
        const i = kept ? kept[j] : j;
        const w = weights[i];
        if (w === 0) continue;
        token = i;
        u -= w;
        if (u < 0) break;
      }
      // Rounding can leave u ≥ 0 after the last token: `token` is then the last with weight > 0.
      return {
        token,
        logprob: (logits[token] - max) * inv - logZ,
        logprobRaw: logits[token] - lseRaw,
      };
    },
  };
}
