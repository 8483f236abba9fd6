/**
 * The one entry point of reward shaping: format bonus, acquisition functions, gates, weighted
 * combination, normalisation and clipping, in that order, with every part and gate logged.
 *
 * @module
 */

import {
  type AcquireContext,
  ACQUISITION_FUNCTIONS,
  type AcquisitionFunction,
  type Candidate,
} from "../acquire/mod.ts";
import type { Sandbox } from "../verify/mod.ts";
import { GATE_NAMES, type GateName, type RewardConfig, validateRewardConfig } from "./config.ts";
import type { DedupState } from "./dedup.ts";
import { formatBonus } from "./format.ts";
import { duplicateGate, GATES, type GateVerdict } from "./gates.ts";
import { normaliseRewards } from "./normalise.ts";

/** What the shaping runs against besides the config. */
export interface ShapeContext {
  /** The acquisition context; required when the config names any function. */
  readonly acquire?: AcquireContext;
  /** The table function names are looked up in. @default ACQUISITION_FUNCTIONS */
  readonly functions?: Readonly<Record<string, AcquisitionFunction>>;
  /** Runs code for the code gate. @default the acquisition context's sandbox */
  readonly sandbox?: Sandbox;
  /** One group key per candidate (the prompt it answers); required to normalise by group. */
  readonly groups?: readonly (string | number)[];
  /**
   * The kept set of the duplicate gate (seed questions and accepted ones); required when that
   * gate runs. Candidates that pass every gate are added to it.
   */
  readonly dedup?: DedupState;
}

/** One candidate's shaped reward, with what it was made of. */
export interface ShapedReward {
  /** The final reward; null only under the `drop` policy (leave the sample out). */
  readonly reward: number | null;
  /** The combined reward before normalisation and clipping. */
  readonly raw: number | null;
  /** `format` and each configured function's raw score (weight 0 included), null: n/a. */
  readonly parts: Readonly<Record<string, number | null>>;
  /** Each gate that ran: passed, failed, or null (did not apply, or unverifiable under `pass`). */
  readonly gates: Readonly<Partial<Record<GateName, boolean | null>>>;
}

function need(field: string, why: string): never {
  throw new TypeError(
    `Cannot shape rewards: ${why} needs '${field}' in the context: current value is undefined`,
  );
}

/**
 * Shapes the rewards of a batch of candidates. Per candidate: the format bonus and each named
 * function's score (`parts`); the configured gates (`gates`); then the raw reward: the configured
 * `failReward` when any gate failed, else `formatWeight · format + Σ weight · score` (a weighted
 * score that is null counts 0 under `nulls: "zero"` and makes the reward null under `"drop"`);
 * then normalisation over the batch or each group (failed candidates included, null ones left
 * out); then clipping. The config is validated first; its errors name the field.
 *
 * @example Format bonus only, a parse gate, and rewards ranked within each prompt's group
 * ```ts
 * import assert from "node:assert/strict";
 * import { shapeRewards } from "./mod.ts";
 * import { taskFromTags } from "../data/mod.ts";
 * const texts = [
 *   "<question>2+3?</question>\n<reasoning>2+3=5</reasoning>\n<answer>5</answer>",
 *   "<question>2+3?</question>\n<reasoning>2+3=5</reasoning>\n<answer>5</answer>\n",
 *   "<question>2+3?</question> 5",
 * ];
 * const candidates = texts.map((text) => {
 *   const r = taskFromTags(text, { domain: "math" });
 *   return { text, record: r.ok ? r.record : null };
 * });
 * const out = await shapeRewards(candidates, {}, { gates: ["parse"], failReward: -1 });
 * assert.deepEqual(out.map((o) => o.raw), [0.75, 0.749, -1]);
 * assert.deepEqual(out.map((o) => o.gates.parse), [true, true, false]);
 * const ranked = await shapeRewards(candidates, { groups: [0, 0, 0] }, {
 *   normalise: { method: "rank", by: "group" }, clip: { lo: 0, hi: 0.9 },
 * });
 * assert.deepEqual(ranked.map((o) => o.reward), [0.9, 0.5, 0]);
 * ```
 */
export async function shapeRewards(
  candidates: readonly Candidate[],
  context: ShapeContext,
  config: RewardConfig,
): Promise<ShapedReward[]> {
  const table = context.functions ?? ACQUISITION_FUNCTIONS;
  const c = validateRewardConfig(config, Object.keys(table));
  const names = Object.keys(c.functions);
  if (names.length && !context.acquire) need("acquire", `scoring ${names.join(", ")}`);
  if (c.normalise.by === "group") {
    if (!context.groups) need("groups", "'normalise.by' group");
    if (context.groups.length !== candidates.length) {
      throw new RangeError(
        `Cannot shape rewards: 'groups' must have one key per candidate (${candidates.length}): current length is ${context.groups.length}`,
      );
    }
  }
  if (c.gates.includes("duplicate") && !context.dedup) need("dedup", "the 'duplicate' gate");
  if (candidates.length === 0) return [];

  const parts: Record<string, number | null>[] = candidates.map((x) => ({
    format: formatBonus(x.text, { allowTests: c.formatAllowsTests }),
  }));
  for (const name of names) {
    const scores = await table[name].score(candidates, context.acquire!);
    if (scores.length !== candidates.length) {
      throw new RangeError(
        `Cannot shape rewards: function '${name}' gave ${scores.length} scores for ${candidates.length} candidates`,
      );
    }
    scores.forEach((s, i) => {
      if (s !== null && !Number.isFinite(s)) {
        throw new RangeError(
          `Cannot shape rewards: function '${name}' scored candidate ${i} as ${s}, not a number or null`,
        );
      }
      parts[i][name] = s;
    });
  }

  const env = {
    sandbox: context.sandbox ?? context.acquire?.sandbox,
    allowWeakIsolation: c.allowWeakIsolation,
  };
  const asFlag = (v: GateVerdict): boolean | null =>
    v === "pass"
      ? true
      : v === "fail"
      ? false
      : v === "skip"
      ? null
      : c.unverifiable === "fail"
      ? false
      : null;
  const gates: Partial<Record<GateName, boolean | null>>[] = candidates.map(() => ({}));
  for (const g of GATE_NAMES) {
    if (g === "duplicate" || !c.gates.includes(g)) continue;
    const verdicts = await GATES[g](candidates, env);
    verdicts.forEach((v, i) => (gates[i][g] = asFlag(v)));
  }
  if (c.gates.includes("duplicate")) {
    // In order, so an accepted candidate is compared against by the later ones.
    candidates.forEach((x, i) => {
      const accept = Object.values(gates[i]).every((v) => v !== false);
      gates[i].duplicate = asFlag(duplicateGate(x, context.dedup!, c.duplicate.threshold, accept));
    });
  }

  const raw = candidates.map((_, i): number | null => {
    if (Object.values(gates[i]).includes(false)) return c.failReward;
    let sum = c.formatWeight * parts[i].format!;
    for (const name of names) {
      const w = c.functions[name], s = parts[i][name];
      if (w === 0) continue;
      if (s === null) {
        if (c.nulls === "drop") return null;
        continue;
      }
      sum += w * s;
    }
    return sum;
  });
  const scaled = normaliseRewards(
    raw,
    c.normalise.method,
    c.normalise.by === "group" ? context.groups : undefined,
  );
  return candidates.map((_, i) => {
    const r = scaled[i];
    const reward = r === null || !c.clip ? r : Math.min(c.clip.hi, Math.max(c.clip.lo, r));
    return { reward, raw: raw[i], parts: parts[i], gates: gates[i] };
  });
}
