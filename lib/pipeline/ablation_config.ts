/**
 * The ablation config: one base pipeline config, the arms that each change a few of its fields
 * (an acquisition reward, a baseline), the seeds every arm runs with, and the kinds the student
 * is weak at by construction (the report splits accuracy by them). Validated once into the list
 * of pipeline runs, arm × seed, in the order they run (every arm of the first seed, then the
 * next seed). Errors name the file and the field:
 * `Cannot read ablation config a.json: 'arms[1].baseline' must be one of …: current value is 'x'`.
 *
 * @module
 */

import { TASK_KINDS } from "../data/mod.ts";
import { type BaselineName, BASELINES } from "./baselines.ts";
import {
  PIPELINE_FIELDS,
  type PipelineConfig,
  type ResolvedPipelineConfig,
  validatePipelineConfig,
} from "./config.ts";

/** One arm as written: a name and the pipeline fields it replaces (whole top-level fields). */
export interface AblationArm {
  /** Folder-safe, unique: runs go to `runs/ARM-sSEED/`. */
  readonly name: string;
  /** A baseline in place of the method. @default the base config's */
  readonly baseline?: BaselineName;
  /** Replaces the base config's `rewards` as a whole. @default the base config's */
  readonly rewards?: unknown;
  /** Any other pipeline field but `name` and `seed`, replacing the base's field as a whole. */
  readonly [field: string]: unknown;
}

/** The ablation config as written. */
export interface AblationConfig {
  /** The ablation's name: its folder is `runs/ablate-NAME/`. */
  readonly name: string;
  /** One line on what the ablation compares and why. @default "" */
  readonly description?: string;
  /**
   * A pipeline config object, or the path of one (relative to the working folder); its `name`
   * and `seed`, if any, are replaced per run (`ARM-sSEED`, each of `seeds`).
   */
  readonly base: PipelineConfig | string;
  readonly arms: readonly AblationArm[];
  /** Every arm runs once per seed (the pipeline's `seed`). @default [0] */
  readonly seeds?: readonly number[];
  /**
   * Procedural kinds the student is weak at by construction (pretrained without them), fixed
   * before any result: the report splits accuracy into these and the other kinds.
   */
  readonly weakKinds: readonly string[];
}

/** One pipeline run of an ablation. */
export interface AblationRun {
  readonly arm: string;
  readonly seed: number;
  /** `ARM-sSEED`: the run's folder under `runs/`. */
  readonly id: string;
  /** The pipeline config as the arm writes it (saved as the run's `config.json`). */
  readonly raw: Record<string, unknown>;
  readonly config: ResolvedPipelineConfig;
}

/** A validated ablation config. */
export interface ResolvedAblationConfig {
  readonly name: string;
  readonly description: string;
  /** The base pipeline config as written (read from its file if a path was given). */
  readonly base: Record<string, unknown>;
  readonly arms: readonly { readonly name: string; readonly baseline: BaselineName }[];
  readonly seeds: readonly number[];
  readonly weakKinds: readonly string[];
  /** Every arm × seed, seeds outer, arms in config order. */
  readonly runs: readonly AblationRun[];
}

const FIELDS = ["name", "description", "base", "arms", "seeds", "weakKinds"];

/** Pipeline fields an arm may replace (`seed` belongs to the ablation; `name` names the arm). */
const ARM_FIELDS = PIPELINE_FIELDS.filter((f) => f !== "seed");

const FOLDER_NAME = /^[A-Za-z0-9._-]+$/;

/** Options of {@link validateAblationConfig}. */
export interface AblationOptions {
  /** Named in every error. @default "(config)" */
  readonly file?: string;
  /** Run only these arms (in config order); each must be an arm's name. @default every arm */
  readonly only?: readonly string[];
  /** Replaces the config's seeds. @default the config's */
  readonly seeds?: readonly number[];
  /** Replaces every run's `threads`. @default the base config's */
  readonly threads?: number;
}

function fail(file: string, path: string, rule: string, v: unknown, Err = RangeError): never {
  const shown = typeof v === "string" ? `'${v}'` : String(JSON.stringify(v) ?? v);
  throw new Err(
    `Cannot read ablation config ${file}: '${path}' ${rule}: current value is ${shown}`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Reads a base config given as a path; a string base is read from the file it names. */
async function loadBase(raw: unknown, file: string): Promise<unknown> {
  if (!isObject(raw) || typeof raw.base !== "string") return raw;
  let text: string;
  try {
    text = await Deno.readTextFile(raw.base);
  } catch (e) {
    fail(
      file,
      "base",
      `must be a pipeline config or a readable file (${(e as Error).message})`,
      raw.base,
    );
  }
  try {
    return { ...raw, base: JSON.parse(text) };
  } catch (e) {
    throw new SyntaxError(
      `Cannot read ablation config ${file}: 'base' file ${raw.base} is not JSON: ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * Checks an ablation config whose `base` is an object (see {@link readAblationConfig} for a
 * path) and expands it into its runs; `file` is named in every error.
 *
 * @example Two arms over two seeds, and an unknown baseline named by its field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateAblationConfig } from "./ablation_config.ts";
 * const c = validateAblationConfig({ name: "a", base: { name: "b" }, seeds: [0, 1], weakKinds: ["mul"],
 *   arms: [{ name: "confidence" }, { name: "untrained", baseline: "untrained-generator" }] });
 * assert.deepEqual(c.runs.map((r) => r.id), ["confidence-s0", "untrained-s0", "confidence-s1", "untrained-s1"]);
 * assert.equal(c.runs[3].config.seed, 1);
 * assert.throws(() => validateAblationConfig({ name: "a", base: {}, weakKinds: ["mul"],
 *   arms: [{ name: "x", baseline: "nope" }] }, { file: "a.json" }),
 *   /Cannot read ablation config a.json: 'arms\[0\].baseline' must be one of none, .*: current value is 'nope'/);
 * ```
 */
export function validateAblationConfig(
  raw: unknown,
  options: AblationOptions = {},
): ResolvedAblationConfig {
  const { file = "(config)", only, threads } = options;
  if (!isObject(raw)) fail(file, "(top)", "must be an object", raw, TypeError);
  for (const k of Object.keys(raw)) {
    if (!FIELDS.includes(k)) fail(file, k, `is not a field (fields: ${FIELDS.join(", ")})`, k);
  }
  const name = raw.name;
  if (typeof name !== "string" || !FOLDER_NAME.test(name)) {
    fail(file, "name", "must be letters, digits, '.', '_' or '-' (a folder name)", name, TypeError);
  }
  const description = raw.description ?? "";
  if (typeof description !== "string") {
    fail(file, "description", "must be a string", description, TypeError);
  }
  if (!isObject(raw.base)) {
    fail(file, "base", "must be a pipeline config object or the path of one", raw.base, TypeError);
  }
  // A whole pipeline config may serve as the base: its name and seed are set per run.
  const { name: _name, seed: _seed, ...base } = raw.base;
  const baseConfig = validatePipelineConfig({ ...base, name }, `${file} (base)`);

  const seeds = options.seeds ?? (raw.seeds ?? [0]);
  const seedsField = options.seeds ? "--seeds" : "seeds";
  if (!Array.isArray(seeds) || seeds.length === 0) {
    fail(file, seedsField, "must be a non-empty list of integers ≥ 0", seeds, TypeError);
  }
  seeds.forEach((s, i) => {
    if (!Number.isSafeInteger(s) || s < 0) {
      fail(file, `${seedsField}[${i}]`, "must be an integer ≥ 0", s);
    }
    if (seeds.indexOf(s) !== i) fail(file, `${seedsField}[${i}]`, "repeats an earlier seed", s);
  });

  const allKinds = Object.values(TASK_KINDS).flat() as string[];
  const evalKinds = baseConfig.evaluation.procedural?.kinds ?? [];
  if (!Array.isArray(raw.weakKinds) || raw.weakKinds.length === 0) {
    fail(
      file,
      "weakKinds",
      "must be a non-empty list of procedural kinds",
      raw.weakKinds,
      TypeError,
    );
  }
  const weakKinds = raw.weakKinds.map((k, i) => {
    if (!allKinds.includes(k as string)) {
      fail(file, `weakKinds[${i}]`, `must be one of ${allKinds.join(", ")}`, k);
    }
    if (!evalKinds.includes(k as string)) {
      fail(file, `weakKinds[${i}]`, "must be a kind of the base config's procedural evaluation", k);
    }
    return k as string;
  });

  if (!Array.isArray(raw.arms) || raw.arms.length === 0) {
    fail(file, "arms", "must be a non-empty list of arms", raw.arms, TypeError);
  }
  const baselines = Object.keys(BASELINES);
  const arms = raw.arms.map((a, i) => {
    const at = `arms[${i}]`;
    if (!isObject(a)) fail(file, at, "must be an object", a, TypeError);
    for (const k of Object.keys(a)) {
      if (!(ARM_FIELDS as readonly string[]).includes(k)) {
        fail(file, `${at}.${k}`, `is not a field (fields: ${ARM_FIELDS.join(", ")})`, k);
      }
    }
    if (typeof a.name !== "string" || !FOLDER_NAME.test(a.name)) {
      fail(file, `${at}.name`, "must be letters, digits, '.', '_' or '-' (a folder name)", a.name);
    }
    if (a.baseline !== undefined && !baselines.includes(a.baseline as string)) {
      fail(file, `${at}.baseline`, `must be one of ${baselines.join(", ")}`, a.baseline);
    }
    return a as Record<string, unknown> & { name: string };
  });
  arms.forEach((a, i) => {
    if (arms.findIndex((b) => b.name === a.name) !== i) {
      fail(file, `arms[${i}].name`, "must be unique", a.name);
    }
  });
  for (const [i, o] of (only ?? []).entries()) {
    if (!arms.some((a) => a.name === o)) {
      fail(file, `--only[${i}]`, `must name an arm (${arms.map((a) => a.name).join(", ")})`, o);
    }
  }
  const chosen = arms.filter((a) => !only || only.includes(a.name));

  const runs: AblationRun[] = [];
  for (const seed of seeds as number[]) {
    for (const arm of chosen) {
      const i = arms.indexOf(arm);
      const { name: _, ...fields } = arm;
      const id = `${arm.name}-s${seed}`;
      const runRaw: Record<string, unknown> = {
        ...base,
        ...fields,
        ...(threads !== undefined && { threads }),
        name: id,
        seed,
      };
      runs.push({
        arm: arm.name,
        seed,
        id,
        raw: runRaw,
        config: validatePipelineConfig(runRaw, `${file} (arms[${i}] '${arm.name}')`),
      });
    }
  }
  return {
    name,
    description,
    base,
    arms: chosen.map((a) => ({
      name: a.name,
      baseline: (a.baseline as BaselineName | undefined) ?? baseConfig.baseline,
    })),
    seeds: seeds as number[],
    weakKinds,
    runs,
  };
}

/**
 * Reads and checks an ablation config file (its `base` may be a path to a pipeline config).
 *
 * @example The shipped demo config: three arms, one seed
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAblationConfig } from "./ablation_config.ts";
 * const c = await readAblationConfig("data/configs/demo.json");
 * assert.deepEqual(c.arms.map((a) => a.name), ["confidence", "untrained-generator", "oracle"]);
 * ```
 */
export async function readAblationConfig(
  path: string,
  options: Omit<AblationOptions, "file"> = {},
): Promise<ResolvedAblationConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`Cannot read ablation config ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read ablation config ${path}: ${(e as Error).message}`);
  }
  return validateAblationConfig(await loadBase(raw, path), { ...options, file: path });
}
