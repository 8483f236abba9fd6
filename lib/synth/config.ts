/**
 * The synthesis config: how many samples the trained generator writes, from which prompt, through
 * which gates, labelled how. One object, every field optional, validated once into a resolved
 * config; errors name the field and the value (`'synth.count' must be an integer ≥ 1: current
 * value is 0`).
 *
 * @module
 */

import { ACQUISITION_FUNCTIONS, type CandidateDomain } from "../acquire/mod.ts";
import { GATE_NAMES, type GateName } from "../reward/mod.ts";
import { GENERATOR_TEMPLATES, type GeneratorTemplate } from "../rl/mod.ts";

/**
 * Where a sample's label (its gold answer) comes from:
 * - `verifier`: recomputed from the question (procedural tasks), or the sample's own program when
 *   it passes its own tests in the sandbox (code); no label where neither applies;
 * - `self-consistency`: the student answers k times; the majority of its normalised final answers
 *   (free text and code: the medoid of the largest embedding cluster);
 * - `generator`: the generator's own answer.
 */
export type LabelMethod = "verifier" | "self-consistency" | "generator";

/**
 * Every label method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LABEL_METHOD_NAMES } from "./config.ts";
 * assert.deepEqual(LABEL_METHOD_NAMES, ["verifier", "self-consistency", "generator"]);
 * ```
 */
export const LABEL_METHOD_NAMES: readonly LabelMethod[] = Object.freeze([
  "verifier",
  "self-consistency",
  "generator",
]);

/** The synthesis settings; every field optional. */
export interface SynthConfig {
  /** N: samples to accept. @default 200 */
  readonly count?: number;
  /**
   * The generator prompt template. @default "bare": the default generator writes well-formed
   * tasks from `<question>` alone but rarely from a seed task in tags (measured in lib/rl).
   */
  readonly template?: GeneratorTemplate;
  /** @default 1 */
  readonly temperature?: number;
  /** @default 1 */
  readonly topP?: number;
  /** Longest sample, in tokens. @default 160 */
  readonly maxNewTokens?: number;
  /**
   * Gates a sample must pass (the near-duplicate filter always runs, with `dedupThreshold`;
   * `parse` always applies: a sample that does not read back as a task is never kept).
   * @default ["parse", "answer"]
   */
  readonly gates?: readonly GateName[];
  /** What a procedural gate that cannot solve the question counts as. @default "pass" */
  readonly unverifiable?: "pass" | "fail";
  /** Jaccard similarity of word shingles at which a question is a near duplicate. @default 0.8 */
  readonly dedupThreshold?: number;
  /** The generator draws at most maxAttempts × count samples. @default 4 */
  readonly maxAttempts?: number;
  /** Samples drawn per generator call. @default 32 */
  readonly batchSize?: number;
  /** How texts are read back as tasks. @default "guess" */
  readonly domain?: CandidateDomain;
  /** @default "verifier" */
  readonly label?: LabelMethod;
  /** Student answers per sample and their temperature (self-consistency). @default { k: 8, temperature: 1 } */
  readonly selfConsistency?: { readonly k?: number; readonly temperature?: number };
  /** Acquisition functions scored per accepted sample and stored with it. @default [] */
  readonly scoreWith?: readonly string[];
  /** Accept a sandbox without bubblewrap isolation for code gates and labels. @default false */
  readonly allowWeakIsolation?: boolean;
  /** Pool of the AL-filter baseline, as a multiple of `count` (the top `count` are kept). @default 4 */
  readonly poolFactor?: number;
  /** Samples per output slot of the best-of-n baseline (the best one is kept). @default 4 */
  readonly bestOf?: number;
}

/** A validated synthesis config: every field filled. */
export interface ResolvedSynthConfig {
  readonly count: number;
  readonly template: GeneratorTemplate;
  readonly temperature: number;
  readonly topP: number;
  readonly maxNewTokens: number;
  readonly gates: readonly GateName[];
  readonly unverifiable: "pass" | "fail";
  readonly dedupThreshold: number;
  readonly maxAttempts: number;
  readonly batchSize: number;
  readonly domain: CandidateDomain;
  readonly label: LabelMethod;
  readonly selfConsistency: { readonly k: number; readonly temperature: number };
  readonly scoreWith: readonly string[];
  readonly allowWeakIsolation: boolean;
  readonly poolFactor: number;
  readonly bestOf: number;
}

const FIELDS: readonly (keyof SynthConfig)[] = [
  "count",
  "template",
  "temperature",
  "topP",
  "maxNewTokens",
  "gates",
  "unverifiable",
  "dedupThreshold",
  "maxAttempts",
  "batchSize",
  "domain",
  "label",
  "selfConsistency",
  "scoreWith",
  "allowWeakIsolation",
  "poolFactor",
  "bestOf",
];

const DOMAINS: readonly CandidateDomain[] = [
  "guess",
  "math",
  "code",
  "reasoning",
  "medical",
  "science",
];

function shown(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(JSON.stringify(value) ?? value);
}

/**
 * Validates a synthesis config (from JSON or code) and fills in the defaults. Errors are
 * TypeError (wrong type) or RangeError (out of range), naming `path.field` and the value.
 *
 * @example Defaults, and an error naming the field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSynthConfig } from "./config.ts";
 * const c = validateSynthConfig({ count: 16, label: "generator" });
 * assert.equal(c.count, 16);
 * assert.deepEqual(c.gates, ["parse", "answer"]);
 * assert.equal(c.selfConsistency.k, 8);
 * assert.throws(() => validateSynthConfig({ count: 0 }),
 *   /'synth.count' must be an integer ≥ 1: current value is 0/);
 * assert.throws(() => validateSynthConfig({ label: "vote" }),
 *   /'synth.label' must be one of verifier, self-consistency, generator: current value is 'vote'/);
 * assert.throws(() => validateSynthConfig({ bestOf: 1 }),
 *   /'synth.bestOf' must be an integer ≥ 2: current value is 1/);
 * ```
 */
export function validateSynthConfig(raw: unknown, path = "synth"): ResolvedSynthConfig {
  const where = (f: string) => `'${path}.${f}'`;
  const typeFail = (f: string, rule: string, v: unknown): never => {
    throw new TypeError(
      `Cannot synthesise: ${where(f)} must be ${rule}: current value is ${shown(v)}`,
    );
  };
  const rangeFail = (f: string, rule: string, v: unknown): never => {
    throw new RangeError(
      `Cannot synthesise: ${where(f)} must be ${rule}: current value is ${shown(v)}`,
    );
  };
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new TypeError(
      `Cannot synthesise: '${path}' must be an object: current value is ${shown(raw)}`,
    );
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FIELDS.includes(k as keyof SynthConfig)) {
      throw new RangeError(
        `Cannot synthesise: ${where(k)} is not a field; fields are ${FIELDS.join(", ")}`,
      );
    }
  }
  const int = (f: string, v: unknown, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number") typeFail(f, `an integer ≥ ${min}`, v);
    if (!Number.isInteger(v) || (v as number) < min) rangeFail(f, `an integer ≥ ${min}`, v);
    return v as number;
  };
  const num = (f: string, v: unknown, dflt: number, ok: (x: number) => boolean, rule: string) => {
    if (v === undefined) return dflt;
    if (typeof v !== "number") typeFail(f, rule, v);
    if (!Number.isFinite(v) || !ok(v as number)) rangeFail(f, rule, v);
    return v as number;
  };
  const oneOf = <T extends string>(f: string, v: unknown, allowed: readonly T[], dflt: T): T => {
    if (v === undefined) return dflt;
    if (!allowed.includes(v as T)) rangeFail(f, `one of ${allowed.join(", ")}`, v);
    return v as T;
  };
  const list = (f: string, v: unknown, dflt: readonly string[]): string[] => {
    if (v === undefined) return [...dflt];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      typeFail(f, "a list of names", v);
    }
    return v as string[];
  };

  const gates = list("gates", o.gates, ["parse", "answer"]);
  gates.forEach((g, i) => oneOf(`gates[${i}]`, g, GATE_NAMES, "parse"));
  const functions = Object.keys(ACQUISITION_FUNCTIONS);
  const scoreWith = list("scoreWith", o.scoreWith, []);
  scoreWith.forEach((n, i) => oneOf(`scoreWith[${i}]`, n, functions, n));
  const sc = o.selfConsistency ?? {};
  if (typeof sc !== "object" || sc === null || Array.isArray(sc)) {
    typeFail("selfConsistency", "an object { k, temperature }", sc);
  }
  const scFields = sc as Record<string, unknown>;
  for (const k of Object.keys(scFields)) {
    if (k !== "k" && k !== "temperature") {
      rangeFail(`selfConsistency.${k}`, "left out (fields are k, temperature)", scFields[k]);
    }
  }
  const weak = o.allowWeakIsolation ?? false;
  if (typeof weak !== "boolean") typeFail("allowWeakIsolation", "true or false", weak);
  return {
    count: int("count", o.count, 200, 1),
    template: oneOf(
      "template",
      o.template,
      Object.keys(GENERATOR_TEMPLATES) as GeneratorTemplate[],
      "bare",
    ),
    temperature: num("temperature", o.temperature, 1, (x) => x >= 0, "a finite number ≥ 0"),
    topP: num("topP", o.topP, 1, (x) => x > 0 && x <= 1, "a number in (0, 1]"),
    maxNewTokens: int("maxNewTokens", o.maxNewTokens, 160, 1),
    // In the order they run, whatever order the config lists them in.
    gates: GATE_NAMES.filter((g) => gates.includes(g)),
    unverifiable: oneOf("unverifiable", o.unverifiable, ["pass", "fail"] as const, "pass"),
    dedupThreshold: num(
      "dedupThreshold",
      o.dedupThreshold,
      0.8,
      (x) => x > 0 && x <= 1,
      "a number in (0, 1]",
    ),
    maxAttempts: num("maxAttempts", o.maxAttempts, 4, (x) => x >= 1, "a number ≥ 1"),
    batchSize: int("batchSize", o.batchSize, 32, 1),
    domain: oneOf("domain", o.domain, DOMAINS, "guess"),
    label: oneOf("label", o.label, LABEL_METHOD_NAMES, "verifier"),
    selfConsistency: {
      k: int("selfConsistency.k", scFields.k, 8, 1),
      temperature: num(
        "selfConsistency.temperature",
        scFields.temperature,
        1,
        (x) => x >= 0,
        "a finite number ≥ 0",
      ),
    },
    scoreWith,
    allowWeakIsolation: weak as boolean,
    poolFactor: int("poolFactor", o.poolFactor, 4, 1),
    bestOf: int("bestOf", o.bestOf, 4, 2),
  };
}
