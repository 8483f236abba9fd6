/**
 * Group-relative advantages: each sample's reward compared with the other samples written from
 * the same prompt (its group). GRPO divides by the group's standard deviation; Dr. GRPO does not
 * (the division favours groups that are nearly all right or all wrong); DAPO normalises like GRPO
 * and adds dynamic sampling (groups whose rewards are all equal teach nothing and are dropped)
 * and a soft penalty for completions that run into the length limit.
 *
 * @module
 */

/** The advantage estimators. */
export type AdvantageKind = "grpo" | "dr-grpo" | "dapo";

/**
 * How the per-token policy loss is summed: `token`: over all completion tokens of the batch
 * divided by their number; `sequence`: the mean over each sequence's tokens, then the mean over
 * sequences; `constant`: the sum divided by sequences × maxNewTokens (Dr. GRPO: no length bias).
 */
export type Aggregation = "token" | "sequence" | "constant";

/** One advantage estimator and the loss settings its paper pairs it with. */
export interface AdvantageEstimator {
  /** Divide by the group's standard deviation (plus `eps`). */
  readonly scaleByStd: boolean;
  /** The loss aggregation the method uses unless the config says otherwise. */
  readonly aggregation: Aggregation;
  /** ε_high of the clip unless the config says otherwise (DAPO's clip-higher). */
  readonly clipHigh: number;
  /** Drop groups whose rewards are all equal and refill the batch. */
  readonly dynamicSampling: boolean;
}

/**
 * The estimators, keyed by kind.
 *
 * @example DAPO clips higher and samples dynamically; Dr. GRPO keeps the std out
 * ```ts
 * import assert from "node:assert/strict";
 * import { ADVANTAGE_ESTIMATORS } from "./advantages.ts";
 * assert.equal(ADVANTAGE_ESTIMATORS.dapo.clipHigh, 0.28);
 * assert.equal(ADVANTAGE_ESTIMATORS.dapo.dynamicSampling, true);
 * assert.equal(ADVANTAGE_ESTIMATORS["dr-grpo"].scaleByStd, false);
 * ```
 */
export const ADVANTAGE_ESTIMATORS: Readonly<Record<AdvantageKind, AdvantageEstimator>> = Object
  .freeze({
    grpo: { scaleByStd: true, aggregation: "sequence", clipHigh: 0.2, dynamicSampling: false },
    "dr-grpo": {
      scaleByStd: false,
      aggregation: "constant",
      clipHigh: 0.2,
      dynamicSampling: false,
    },
    dapo: { scaleByStd: true, aggregation: "token", clipHigh: 0.28, dynamicSampling: true },
  });

/**
 * Mean and (unbiased, n − 1) standard deviation; the std of a single value is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanStd } from "./advantages.ts";
 * assert.deepEqual(meanStd([1, 0, 0, 0]), { mean: 0.25, std: 0.5 });
 * ```
 */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/**
 * Indices of each group, in first-seen order of its key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupIndices } from "./advantages.ts";
 * assert.deepEqual(groupIndices(["b", "a", "b"]), [[0, 2], [1]]);
 * ```
 */
export function groupIndices(groups: readonly (string | number)[]): number[][] {
  const by = new Map<string | number, number[]>();
  groups.forEach((g, i) => {
    if (!by.has(g)) by.set(g, []);
    by.get(g)!.push(i);
  });
  return [...by.values()];
}

/** Options of {@link groupAdvantages}. */
export interface GroupAdvantageOptions {
  /** Added to the std before dividing. @default 1e-4 */
  readonly eps?: number;
}

/**
 * Advantages of a batch: for each sample, its reward minus its group's mean, divided by the
 * group's standard deviation (unbiased, as TRL and verl compute it) plus `eps` where the kind
 * scales by it. A group whose rewards are all equal gets advantage 0 everywhere.
 *
 * @example Two groups of two under GRPO and under Dr. GRPO
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupAdvantages } from "./advantages.ts";
 * const rewards = [1, 0, 0.5, 0.5];
 * assert.deepEqual(groupAdvantages(rewards, [0, 0, 1, 1], "dr-grpo"), [0.5, -0.5, 0, 0]);
 * const a = groupAdvantages(rewards, [0, 0, 1, 1], "grpo", { eps: 0 });
 * assert.ok(Math.abs(a[0] - Math.SQRT1_2) < 1e-12 && a[2] === 0);
 * ```
 */
export function groupAdvantages(
  rewards: readonly number[],
  groups: readonly (string | number)[],
  kind: AdvantageKind,
  options: GroupAdvantageOptions = {},
): number[] {
  const { eps = 1e-4 } = options;
  if (!Object.hasOwn(ADVANTAGE_ESTIMATORS, kind)) {
    throw new RangeError(
      `Cannot compute advantages: 'kind' must be one of ${
        Object.keys(ADVANTAGE_ESTIMATORS).join(", ")
      }: current value is ${JSON.stringify(kind)}`,
    );
  }
  if (groups.length !== rewards.length) {
    throw new RangeError(
      `Cannot compute advantages: 'groups' must have one key per reward (${rewards.length}): current length is ${groups.length}`,
    );
  }
  rewards.forEach((r, i) => {
    if (!Number.isFinite(r)) {
      throw new RangeError(
        `Cannot compute advantages: reward ${i} must be a finite number: current value is ${r}`,
      );
    }
  });
  const { scaleByStd } = ADVANTAGE_ESTIMATORS[kind];
  const out = new Array<number>(rewards.length).fill(0);
  for (const idx of groupIndices(groups)) {
    const { mean, std } = meanStd(idx.map((i) => rewards[i]));
    for (const i of idx) {
      const centred = rewards[i] - mean;
      out[i] = centred === 0 ? 0 : scaleByStd ? centred / (std + eps) : centred;
    }
  }
  return out;
}

/**
 * Which groups carry a learning signal: those whose rewards are not all equal (DAPO's dynamic
 * sampling keeps only these). Returns one flag per group, in first-seen order of the keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { informativeGroups } from "./advantages.ts";
 * assert.deepEqual(informativeGroups([1, 1, 0, 1], ["a", "a", "b", "b"]), [false, true]);
 * ```
 */
export function informativeGroups(
  rewards: readonly number[],
  groups: readonly (string | number)[],
): boolean[] {
  return groupIndices(groups).map((idx) => idx.some((i) => rewards[i] !== rewards[idx[0]]));
}

/** DAPO's soft overlong penalty: the last `length` tokens before the limit cost up to `penalty`. */
export interface OverlongPenalty {
  /** Width of the soft band before `maxNewTokens`, in tokens. */
  readonly length: number;
  /** The penalty at (and past) the limit. */
  readonly penalty: number;
}

/**
 * The soft overlong penalty of a completion of `tokens` tokens under a limit of `maxNewTokens`:
 * 0 up to `maxNewTokens − length`, then falling linearly to `−penalty` at the limit.
 *
 * @example A 100-token limit with a 20-token band
 * ```ts
 * import assert from "node:assert/strict";
 * import { overlongPenalty } from "./advantages.ts";
 * const o = { length: 20, penalty: 1 };
 * assert.deepEqual([70, 80, 90, 100].map((n) => overlongPenalty(n, 100, o)), [0, 0, -0.5, -1]);
 * ```
 */
export function overlongPenalty(
  tokens: number,
  maxNewTokens: number,
  overlong: OverlongPenalty,
): number {
  const start = maxNewTokens - overlong.length;
  if (tokens <= start) return 0;
  return -overlong.penalty * Math.min(1, (tokens - start) / overlong.length);
}
