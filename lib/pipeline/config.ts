/**
 * The pipeline config: one JSON object that says which models, seed data, rewards, GRPO, synthesis,
 * fine-tuning and evaluation sets a run uses, validated once into a resolved config with every
 * default filled in. Errors name the file and the field:
 * `Cannot read pipeline config my.json: 'seeds.count' must be an integer ≥ 1: current value is 0`.
 *
 * @module
 */

import { DATA_FORMATS, type DataFormat, TASK_KINDS, type TaskFamily } from "../data/mod.ts";
import {
  type ResolvedRewardConfig,
  type RewardConfig,
  validateRewardConfig,
} from "../reward/mod.ts";
import { type ResolvedGrpoConfig, validateGrpoConfig } from "../rl/mod.ts";
import { type ResolvedSynthConfig, validateSynthConfig } from "../synth/mod.ts";
import { type BaselineName, BASELINES } from "./baselines.ts";
import { type ResolvedSftConfig, validateSftConfig } from "./sft_config.ts";

/** Seed tasks drawn from the embedded procedural families. */
export interface ProceduralSeeds {
  readonly source: "procedural";
  /** @default every family */
  readonly families?: readonly TaskFamily[];
  /** Kinds to draw (each must belong to one of `families`). @default every kind of the families */
  readonly kinds?: readonly string[];
  /** 1 to 5. @default 2 */
  readonly difficulty?: number;
  /** Tasks per kind. @default 16 */
  readonly count?: number;
}

/** Seed tasks read from a public data set file with its loader (`loadDataset`). */
export interface FileSeeds {
  /** The loader's format (`gsm8k`, `medmcqa`, `mbpp`, …). */
  readonly source: DataFormat;
  /** The file (relative paths are taken from the working folder). */
  readonly path: string;
  /** Keep this many records, drawn with the run's seed. @default every record */
  readonly count?: number;
}

/** Where seed tasks come from. */
export type SeedSource = ProceduralSeeds | FileSeeds;

/** The evaluation sets: held-out procedural tasks per kind and/or loader files. */
export interface EvaluationConfig {
  /** Held-out procedural tasks of these kinds (null: none). @default every kind, 20 per kind, difficulty 2 */
  readonly procedural?: {
    readonly kinds?: readonly string[];
    readonly count?: number;
    readonly difficulty?: number;
  } | null;
  /** Loader files, each evaluated as its own set (grouped by `meta.kind` where present). @default [] */
  readonly files?: readonly {
    readonly format: DataFormat;
    readonly path: string;
    readonly count?: number;
  }[];
  /**
   * Cross-domain forgetting probes from the shared data folder: items per probe (a seeded draw
   * of items that fit the student's context; 0: none). `folder` holds `bbh/*.json` and
   * `mmlu_stem_test.jsonl`. @default no probes; folder `$ACQSYNTH_SHARED_DATA/probes`, else
   * `../shared/data/probes` beside the repository
   */
  readonly probes?: { readonly bbh?: number; readonly mmluStem?: number; readonly folder?: string };
  /** Longest answer, in tokens. @default 96 */
  readonly maxNewTokens?: number;
  /** Bootstrap resamples of the paired intervals. @default 2000 */
  readonly resamples?: number;
}

/** The pipeline config as written (every field but `name` optional). */
export interface PipelineConfig {
  /** The run's name: its folder is `runs/NAME/`. */
  readonly name: string;
  /** Seed of every random choice in the run. @default 0 */
  readonly seed?: number;
  /**
   * Model folders; `reference` (the frozen model of the KL term) defaults to the generator's
   * folder, loaded once more. @default the embedded data/models/generator and data/models/student
   */
  readonly models?: {
    readonly generator?: string;
    readonly student?: string;
    readonly reference?: string | null;
  };
  /** @default { source: "procedural" } */
  readonly seeds?: SeedSource;
  /** @default the format bonus and the parse gate */
  readonly rewards?: RewardConfig;
  readonly grpo?: unknown;
  readonly synth?: unknown;
  /** A preset name (`SFT_PRESETS`) or explicit options. @default "tiny" */
  readonly sft?: unknown;
  readonly evaluation?: EvaluationConfig;
  /** A baseline in place of the method. @default "none" */
  readonly baseline?: BaselineName;
  /** ONNX Runtime threads (0: one per core). @default 0 */
  readonly threads?: number;
}

/** A validated config with every default filled in. */
export interface ResolvedPipelineConfig {
  readonly name: string;
  readonly seed: number;
  readonly models: {
    readonly generator: string;
    readonly student: string;
    readonly reference: string | null;
  };
  readonly seeds:
    | {
      readonly source: "procedural";
      readonly families: TaskFamily[];
      readonly kinds: string[];
      readonly difficulty: number;
      readonly count: number;
    }
    | { readonly source: DataFormat; readonly path: string; readonly count: number | null };
  readonly rewards: ResolvedRewardConfig;
  readonly grpo: ResolvedGrpoConfig;
  readonly synth: ResolvedSynthConfig;
  readonly sft: ResolvedSftConfig;
  readonly evaluation: {
    readonly procedural: {
      readonly kinds: string[];
      readonly count: number;
      readonly difficulty: number;
    } | null;
    readonly files: {
      readonly format: DataFormat;
      readonly path: string;
      readonly count: number | null;
    }[];
    /** Items per probe (0: none); `folder` null: the default folder. */
    readonly probes: {
      readonly bbh: number;
      readonly mmluStem: number;
      readonly folder: string | null;
    };
    readonly maxNewTokens: number;
    readonly resamples: number;
  };
  readonly baseline: BaselineName;
  readonly threads: number;
  /** Whether `--quick` scaled every stage down (see {@link quickConfig}). */
  readonly quick: boolean;
}

/**
 * Where the embedded default models live.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MODELS } from "./config.ts";
 * assert.equal(DEFAULT_MODELS.student, "data/models/student");
 * ```
 */
export const DEFAULT_MODELS: Readonly<{ generator: string; student: string }> = Object.freeze({
  generator: "data/models/generator",
  student: "data/models/student",
});

/** The fields of a pipeline config (an ablation's arm may replace all but `seed`). */
export const PIPELINE_FIELDS = [
  "name",
  "seed",
  "models",
  "seeds",
  "rewards",
  "grpo",
  "synth",
  "sft",
  "evaluation",
  "baseline",
  "threads",
] as const;

/** Every procedural kind with its family. */
function kindFamilies(): Map<string, TaskFamily> {
  const out = new Map<string, TaskFamily>();
  for (const [family, kinds] of Object.entries(TASK_KINDS)) {
    for (const k of kinds) out.set(k, family as TaskFamily);
  }
  return out;
}

/** Field readers that throw errors naming the file and the field's dotted path. */
function reader(file: string) {
  const shown = (v: unknown) => typeof v === "string" ? `'${v}'` : String(JSON.stringify(v) ?? v);
  const fail = (Err: typeof TypeError, path: string, rule: string, v: unknown): never => {
    throw new Err(
      `Cannot read pipeline config ${file}: '${path}' ${rule}: current value is ${shown(v)}`,
    );
  };
  const object = (path: string, v: unknown, fields: readonly string[]): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) fail(TypeError, path, "must be an object", v);
    for (const k of Object.keys(v as object)) {
      if (!fields.includes(k)) {
        fail(
          RangeError,
          path ? `${path}.${k}` : k,
          `is not a field (fields: ${fields.join(", ")})`,
          k,
        );
      }
    }
    return v as Record<string, unknown>;
  };
  const int = (path: string, v: unknown, dflt: number, min: number, max = Infinity): number => {
    if (v === undefined) return dflt;
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      const rule = max === Infinity ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
      fail(typeof v === "number" ? RangeError : TypeError, path, `must be ${rule}`, v);
    }
    return v as number;
  };
  const text = (path: string, v: unknown, dflt?: string): string => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "string" || v === "") fail(TypeError, path, "must be a non-empty string", v);
    return v as string;
  };
  const oneOf = <T extends string>(
    path: string,
    v: unknown,
    allowed: readonly T[],
    dflt?: T,
  ): T => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (!allowed.includes(v as T)) {
      fail(RangeError, path, `must be one of ${allowed.join(", ")}`, v);
    }
    return v as T;
  };
  const list = <T extends string>(path: string, v: unknown, allowed: readonly T[]): T[] => {
    if (!Array.isArray(v) || v.length === 0) fail(TypeError, path, "must be a non-empty list", v);
    return (v as unknown[]).map((x, i) => oneOf(`${path}[${i}]`, x, allowed));
  };
  /** Runs another layer's validator and names the file (their messages name the field). */
  const nested = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      const Err = e instanceof RangeError ? RangeError : TypeError;
      throw new Err(`Cannot read pipeline config ${file}: in '${what}': ${e.message}`);
    }
  };
  return { fail, object, int, text, oneOf, list, nested };
}

type Reader = ReturnType<typeof reader>;

function resolveSeeds(r: Reader, raw: unknown): ResolvedPipelineConfig["seeds"] {
  const o = r.object("seeds", raw, ["source", "families", "kinds", "difficulty", "count", "path"]);
  const source = r.oneOf("seeds.source", o.source, ["procedural", ...DATA_FORMATS], "procedural");
  if (source !== "procedural") {
    r.object("seeds", raw, ["source", "path", "count"]);
    const count = o.count === undefined ? null : r.int("seeds.count", o.count, 0, 1);
    return { source, path: r.text("seeds.path", o.path), count };
  }
  if (o.path !== undefined) r.fail(RangeError, "seeds.path", "is only for loader sources", o.path);
  const families = o.families === undefined
    ? Object.keys(TASK_KINDS) as TaskFamily[]
    : r.list("seeds.families", o.families, Object.keys(TASK_KINDS) as TaskFamily[]);
  const allowed = families.flatMap((f) => TASK_KINDS[f] as readonly string[]);
  const kinds = o.kinds === undefined ? allowed : r.list("seeds.kinds", o.kinds, allowed);
  return {
    source,
    families,
    kinds,
    difficulty: r.int("seeds.difficulty", o.difficulty, 2, 1, 5),
    count: r.int("seeds.count", o.count, 16, 1),
  };
}

function resolveEvaluation(r: Reader, raw: unknown): ResolvedPipelineConfig["evaluation"] {
  const o = r.object("evaluation", raw, [
    "procedural",
    "files",
    "probes",
    "maxNewTokens",
    "resamples",
  ]);
  let procedural: ResolvedPipelineConfig["evaluation"]["procedural"] = null;
  if (o.procedural !== null) {
    const p = r.object("evaluation.procedural", o.procedural, ["kinds", "count", "difficulty"]);
    procedural = {
      kinds: p.kinds === undefined
        ? [...kindFamilies().keys()]
        : r.list("evaluation.procedural.kinds", p.kinds, [...kindFamilies().keys()]),
      count: r.int("evaluation.procedural.count", p.count, 20, 1),
      difficulty: r.int("evaluation.procedural.difficulty", p.difficulty, 2, 1, 5),
    };
  }
  if (o.files !== undefined && !Array.isArray(o.files)) {
    r.fail(TypeError, "evaluation.files", "must be a list", o.files);
  }
  const files = ((o.files ?? []) as unknown[]).map((f, i) => {
    const at = `evaluation.files[${i}]`;
    const x = r.object(at, f, ["format", "path", "count"]);
    if (f === null || f === undefined) r.fail(TypeError, at, "must be an object", f);
    return {
      format: r.oneOf(`${at}.format`, x.format, DATA_FORMATS),
      path: r.text(`${at}.path`, x.path),
      count: x.count === undefined ? null : r.int(`${at}.count`, x.count, 0, 1),
    };
  });
  const p = r.object("evaluation.probes", o.probes, ["bbh", "mmluStem", "folder"]);
  const probes = {
    bbh: r.int("evaluation.probes.bbh", p.bbh, 0, 0),
    mmluStem: r.int("evaluation.probes.mmluStem", p.mmluStem, 0, 0),
    folder: p.folder === undefined ? null : r.text("evaluation.probes.folder", p.folder),
  };
  if (!procedural && files.length === 0 && probes.bbh + probes.mmluStem === 0) {
    r.fail(
      RangeError,
      "evaluation",
      "must name at least one set (procedural, files or probes)",
      raw,
    );
  }
  return {
    procedural,
    files,
    probes,
    maxNewTokens: r.int("evaluation.maxNewTokens", o.maxNewTokens, 96, 1),
    resamples: r.int("evaluation.resamples", o.resamples, 2000, 100),
  };
}

/**
 * Checks a pipeline config once and fills in its defaults; `file` is named in every error.
 * The GRPO, synthesis and reward parts are checked by their own layers' validators.
 *
 * @example Defaults, and an error naming the file and the field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePipelineConfig } from "./config.ts";
 * const c = validatePipelineConfig({ name: "demo" });
 * assert.equal(c.models.student, "data/models/student");
 * assert.equal(c.seeds.source, "procedural");
 * assert.throws(() => validatePipelineConfig({ name: "x", seeds: { count: 0 } }, "x.json"),
 *   /Cannot read pipeline config x.json: 'seeds.count' must be an integer ≥ 1: current value is 0/);
 * ```
 */
export function validatePipelineConfig(raw: unknown, file = "(config)"): ResolvedPipelineConfig {
  const r = reader(file);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    r.fail(TypeError, "(top)", "must be an object", raw);
  }
  const o = r.object("", raw, PIPELINE_FIELDS);
  const name = r.text("name", o.name);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    r.fail(RangeError, "name", "must be letters, digits, '.', '_' or '-' (a folder name)", name);
  }
  const m = r.object("models", o.models, ["generator", "student", "reference"]);
  const models = {
    generator: r.text("models.generator", m.generator, DEFAULT_MODELS.generator),
    student: r.text("models.student", m.student, DEFAULT_MODELS.student),
    reference: m.reference === undefined || m.reference === null
      ? null
      : r.text("models.reference", m.reference),
  };
  const baseline = r.oneOf(
    "baseline",
    o.baseline,
    Object.keys(BASELINES) as BaselineName[],
    "none",
  );
  const rewards = r.nested(
    "rewards",
    () => BASELINES[baseline].rewards(validateRewardConfig((o.rewards ?? {}) as RewardConfig)),
  );
  const grpo = r.nested("grpo", () => validateGrpoConfig(o.grpo ?? {}, "grpo"));
  const seeds = resolveSeeds(r, o.seeds);
  if (BASELINES[baseline].samples === "oracle" && seeds.source !== "procedural") {
    r.fail(
      RangeError,
      "seeds.source",
      "must be 'procedural' for the oracle baseline",
      seeds.source,
    );
  }
  return {
    name,
    seed: r.int("seed", o.seed, 0, 0),
    models,
    seeds,
    rewards,
    grpo,
    synth: r.nested("synth", () => validateSynthConfig(o.synth ?? {}, "synth")),
    sft: r.nested("sft", () => validateSftConfig(o.sft ?? "tiny", "sft")),
    evaluation: resolveEvaluation(r, o.evaluation),
    baseline,
    threads: r.int("threads", o.threads, 0, 0),
    quick: false,
  };
}
