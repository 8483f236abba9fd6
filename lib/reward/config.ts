/**
 * The reward-shaping config: one typed object, validated once into a resolved config with every
 * default filled in, with errors that name the field and the allowed values.
 *
 * @module
 */

import { ACQUISITION_FUNCTIONS } from "../acquire/mod.ts";

/** How a reward is rescaled within its batch or group. */
export type NormaliseMethod = "none" | "zscore" | "rank" | "minmax";

/**
 * Every normalisation method.
 *
 * @example The allowed values of `normalise.method`
 * ```ts
 * import assert from "node:assert/strict";
 * import { NORMALISE_METHODS } from "./config.ts";
 * assert.deepEqual(NORMALISE_METHODS, ["none", "zscore", "rank", "minmax"]);
 * ```
 */
export const NORMALISE_METHODS: readonly NormaliseMethod[] = Object.freeze([
  "none",
  "zscore",
  "rank",
  "minmax",
]);

/** Over what a reward is normalised: the whole batch, or each prompt's group of samples. */
export type NormaliseBy = "batch" | "group";

/** What a `null` reward becomes: 0 (`zero`), or it stays null (`drop`: leave it out). */
export type NullPolicy = "zero" | "drop";

/** What a gate that cannot verify (no template matched) counts as: `fail`, or `pass` through. */
export type UnverifiablePolicy = "fail" | "pass";

/** The gates, in the order they run. */
export type GateName = "parse" | "answer" | "procedural" | "choice" | "code" | "duplicate";

/**
 * Every gate, in the order they run (a config lists them in any order).
 *
 * @example The duplicate gate runs last, once the others have decided acceptance
 * ```ts
 * import assert from "node:assert/strict";
 * import { GATE_NAMES } from "./config.ts";
 * assert.equal(GATE_NAMES.at(-1), "duplicate");
 * ```
 */
export const GATE_NAMES: readonly GateName[] = Object.freeze([
  "parse",
  "answer",
  "procedural",
  "choice",
  "code",
  "duplicate",
]);

/** Options of the near-duplicate gate. */
export interface DuplicateConfig {
  /** Jaccard similarity of word shingles at or above which a question is a duplicate. @default 0.8 */
  readonly threshold?: number;
}

/** The reward-shaping config; every field is optional. */
export interface RewardConfig {
  /**
   * Acquisition function name → weight. A weight of 0 computes and logs the function in `parts`
   * without rewarding it. @default {}
   */
  readonly functions?: Readonly<Record<string, number>>;
  /** Weight of the format bonus (0: logged only). @default 1 */
  readonly formatWeight?: number;
  /**
   * Whether a `<tests>…</tests>` part right after `</answer>` is exempt from the trailing-text
   * penalty (the reference counts it; code tasks need it). @default false
   */
  readonly formatAllowsTests?: boolean;
  /** Which gates run; a gate left out does not run. @default ["parse"] */
  readonly gates?: readonly GateName[];
  /** The reward of a candidate that fails any gate (before normalisation). @default 0 */
  readonly failReward?: number;
  /** What the procedural gate does when it cannot solve a question. @default "pass" */
  readonly unverifiable?: UnverifiablePolicy;
  /** @default { method: "none", by: "batch" } */
  readonly normalise?: { readonly method?: NormaliseMethod; readonly by?: NormaliseBy };
  /** What a null reward (a weighted function that does not apply) becomes. @default "zero" */
  readonly nulls?: NullPolicy;
  /** Clip the final reward to [lo, hi]; no clipping when absent. @default undefined */
  readonly clip?: { readonly lo: number; readonly hi: number };
  /** The shingle size is the kept set's own (`createDedupState`). @default { threshold: 0.8 } */
  readonly duplicate?: DuplicateConfig;
  /** Accept a sandbox without bubblewrap isolation for the code gate (named on purpose). @default false */
  readonly allowWeakIsolation?: boolean;
}

/** A validated config with every default filled in. */
export interface ResolvedRewardConfig {
  readonly functions: Readonly<Record<string, number>>;
  readonly formatWeight: number;
  readonly formatAllowsTests: boolean;
  readonly gates: readonly GateName[];
  readonly failReward: number;
  readonly unverifiable: UnverifiablePolicy;
  readonly normalise: { readonly method: NormaliseMethod; readonly by: NormaliseBy };
  readonly nulls: NullPolicy;
  readonly clip: { readonly lo: number; readonly hi: number } | null;
  readonly duplicate: { readonly threshold: number };
  readonly allowWeakIsolation: boolean;
}

const KNOWN_FIELDS = [
  "functions",
  "formatWeight",
  "formatAllowsTests",
  "gates",
  "failReward",
  "unverifiable",
  "normalise",
  "nulls",
  "clip",
  "duplicate",
  "allowWeakIsolation",
];

function fail(field: string, rule: string, value: unknown): never {
  const shown = typeof value === "string" ? `'${value}'` : String(JSON.stringify(value) ?? value);
  throw new RangeError(`Cannot shape rewards: '${field}' ${rule}: current value is ${shown}`);
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(", ")}`, value);
  return value as T;
}

function finite(field: string, value: unknown, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(field, "must be a finite number", value);
  }
  return value;
}

function flag(field: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== "boolean") fail(field, "must be true or false", value);
  return value;
}

/**
 * Checks a reward config once and fills in its defaults. `known` are the acquisition function
 * names a weight may name.
 * @param known @default the keys of `ACQUISITION_FUNCTIONS`
 *
 * @example A resolved config, and an error naming the field and the allowed values
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRewardConfig } from "./config.ts";
 * const c = validateRewardConfig({ normalise: { method: "zscore", by: "group" } }, []);
 * assert.equal(c.formatWeight, 1);
 * assert.deepEqual(c.normalise, { method: "zscore", by: "group" });
 * assert.throws(
 *   () => validateRewardConfig({ normalise: { by: "row" as never } }, []),
 *   /'normalise.by' must be one of batch, group: current value is 'row'/,
 * );
 * ```
 */
export function validateRewardConfig(
  config: RewardConfig,
  known: readonly string[] = Object.keys(ACQUISITION_FUNCTIONS),
): ResolvedRewardConfig {
  if (config === null || typeof config !== "object") fail("config", "must be an object", config);
  for (const k of Object.keys(config)) {
    if (!KNOWN_FIELDS.includes(k)) {
      fail(k, `is not a field; fields are ${KNOWN_FIELDS.join(", ")}`, k);
    }
  }
  const functions: Record<string, number> = {};
  for (const [name, w] of Object.entries(config.functions ?? {})) {
    if (!known.includes(name)) {
      fail(
        `functions.${name}`,
        `must name an acquisition function (${known.join(", ") || "none known"})`,
        name,
      );
    }
    functions[name] = finite(`functions.${name}`, w, 0);
  }
  const gates = config.gates ?? ["parse"];
  if (!Array.isArray(gates)) fail("gates", `must be a list of ${GATE_NAMES.join(", ")}`, gates);
  gates.forEach((g, i) => oneOf(`gates[${i}]`, g, GATE_NAMES, "parse"));
  const n = config.normalise ?? {};
  const method = oneOf("normalise.method", n.method, NORMALISE_METHODS, "none");
  const by = oneOf("normalise.by", n.by, ["batch", "group"] as const, "batch");
  let clip: ResolvedRewardConfig["clip"] = null;
  if (config.clip !== undefined) {
    if (config.clip === null || typeof config.clip !== "object") {
      fail("clip", "must be { lo, hi }", config.clip);
    }
    // Both bounds are required once clipping is asked for: no default stands in for one.
    const bound = (k: "lo" | "hi") =>
      config.clip![k] === undefined
        ? fail(`clip.${k}`, "must be a finite number", undefined)
        : finite(`clip.${k}`, config.clip![k], 0);
    const lo = bound("lo"), hi = bound("hi");
    if (!(lo < hi)) fail("clip", "must have lo < hi", config.clip);
    clip = { lo, hi };
  }
  const d = config.duplicate ?? {};
  const threshold = finite("duplicate.threshold", d.threshold, 0.8);
  if (threshold <= 0 || threshold > 1) fail("duplicate.threshold", "must be in (0, 1]", threshold);
  return {
    functions,
    formatWeight: finite("formatWeight", config.formatWeight, 1),
    formatAllowsTests: flag("formatAllowsTests", config.formatAllowsTests, false),
    gates: GATE_NAMES.filter((g) => gates.includes(g)),
    failReward: finite("failReward", config.failReward, 0),
    unverifiable: oneOf("unverifiable", config.unverifiable, ["fail", "pass"] as const, "pass"),
    normalise: { method, by },
    nulls: oneOf("nulls", config.nulls, ["zero", "drop"] as const, "zero"),
    clip,
    duplicate: { threshold },
    allowWeakIsolation: flag("allowWeakIsolation", config.allowWeakIsolation, false),
  };
}
