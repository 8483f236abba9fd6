/**
 * Reward shaping: the reference work's format bonus, gates (parse, math answer, the right
 * procedural answer, four-option choices, code passing its own tests in the sandbox, near
 * duplicates against a kept set), a weighted combination of acquisition functions (weight 0:
 * logged only), normalisation per batch or per prompt group, a null policy and clipping, behind
 * one entry point, {@link shapeRewards}, and one validated config.
 *
 * @example Shape a batch: the format bonus plus a gate, then min-max scaled within the batch
 * ```ts
 * import assert from "node:assert/strict";
 * import { shapeRewards } from "./mod.ts";
 * const ok = "<question>1+1?</question>\n<reasoning>1+1=2</reasoning>\n<answer>2</answer>";
 * const out = await shapeRewards(
 *   [{ text: ok, record: null }, { text: ok + "!", record: null }],
 *   {},
 *   { gates: [], normalise: { method: "minmax" } },
 * );
 * assert.deepEqual(out.map((o) => o.reward), [1, 0]);
 * assert.deepEqual(out.map((o) => o.parts.format), [0.75, 0.749]);
 * ```
 *
 * @module
 */

export {
  type DuplicateConfig,
  GATE_NAMES,
  type GateName,
  NORMALISE_METHODS,
  type NormaliseBy,
  type NormaliseMethod,
  type NullPolicy,
  type ResolvedRewardConfig,
  type RewardConfig,
  type UnverifiablePolicy,
  validateRewardConfig,
} from "./config.ts";
export {
  FORMAT_TAGS,
  formatBonus,
  type FormatOptions,
  TAG_BONUS,
  TRAILING_PENALTY,
} from "./format.ts";
export {
  createDedupState,
  type DedupOptions,
  type DedupState,
  keepText,
  nearestJaccard,
  shingles,
} from "./dedup.ts";
export { normaliseRewards, NORMALISERS } from "./normalise.ts";
export { duplicateGate, type Gate, type GateEnv, GATES, type GateVerdict } from "./gates.ts";
export { type ShapeContext, type ShapedReward, shapeRewards } from "./combine.ts";
