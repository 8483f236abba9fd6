/**
 * The stages of the flow and their commit points: a finished stage writes `stages/NAME.json`
 * (its outputs and the fingerprint of the config it depends on, chained to the stages before
 * it). A rerun skips finished stages whose fingerprint matches, refuses a finished stage whose
 * config changed (naming the field), and reruns everything from `--from` on.
 *
 * @module
 */

import { type JsonValue, sha256Hex } from "../run/mod.ts";
import type { ResolvedPipelineConfig } from "./config.ts";

/**
 * The stages, in the order they run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STAGES } from "./stages.ts";
 * assert.deepEqual(STAGES.slice(-2), ["evaluate", "report"]);
 * ```
 */
export const STAGES = [
  "seed",
  "train-generator",
  "synthesise",
  "label",
  "fine-tune",
  "evaluate",
  "report",
] as const;

/** One stage's name. */
export type Stage = (typeof STAGES)[number];

/**
 * The config fields (top-level, or dotted paths) each stage's result depends on. A stage also
 * depends on every stage before it, through the chained fingerprint.
 *
 * @example The fine-tune stage depends on the SFT recipe
 * ```ts
 * import assert from "node:assert/strict";
 * import { STAGE_FIELDS } from "./stages.ts";
 * assert.deepEqual(STAGE_FIELDS["fine-tune"], ["sft"]);
 * ```
 */
export const STAGE_FIELDS: Readonly<Record<Stage, readonly string[]>> = Object.freeze({
  seed: ["seed", "seeds", "quick"],
  "train-generator": [
    "models.generator",
    "models.student",
    "models.reference",
    "rewards",
    "grpo",
    "baseline",
  ],
  synthesise: [
    "synth.count",
    "synth.template",
    "synth.temperature",
    "synth.topP",
    "synth.maxNewTokens",
    "synth.gates",
    "synth.unverifiable",
    "synth.dedupThreshold",
    "synth.maxAttempts",
    "synth.batchSize",
    "synth.domain",
    "synth.scoreWith",
    "synth.allowWeakIsolation",
    "synth.poolFactor",
    "synth.bestOf",
  ],
  // A new labelling method relabels the same samples: it does not synthesise again.
  label: ["synth.label", "synth.selfConsistency"],
  "fine-tune": ["sft"],
  evaluate: ["evaluation"],
  report: ["name"],
});

/**
 * Files and folders (relative to the run folder) a stage writes; cleared when it reruns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STAGE_PATHS } from "./stages.ts";
 * assert.deepEqual(STAGE_PATHS.evaluate, ["eval"]);
 * ```
 */
export const STAGE_PATHS: Readonly<Record<Stage, readonly string[]>> = Object.freeze({
  seed: ["datasets/seeds.jsonl"],
  // GRPO's own checkpoint lives in checkpoints/ (trainGenerator's layout); without its
  // checkpoint.json the weight files are stale and the next save removes them.
  "train-generator": ["metrics.jsonl", "checkpoints/checkpoint.json", "checkpoints/generator"],
  synthesise: ["datasets/samples.jsonl", "datasets/synthesis.json"],
  label: ["datasets/dataset.jsonl", "datasets/label.json"],
  "fine-tune": ["checkpoints/sft", "checkpoints/student", "sft_metrics.jsonl"],
  evaluate: ["eval"],
  report: ["report"],
});

/** What a finished stage left: its commit point. */
export interface StageMarker {
  readonly stage: Stage;
  /** sha256 of the stage's config fields and the fingerprint of the stage before it. */
  readonly fingerprint: string;
  /** The stage's config fields as leaf paths → values (to name what changed). */
  readonly config: Record<string, JsonValue>;
  /** The previous stage's fingerprint (null for the first). */
  readonly after: string | null;
  /** What the stage produced (paths relative to the run folder, figures). */
  readonly outputs: Record<string, JsonValue>;
  readonly seconds: number;
  readonly finishedAt: string;
}

/** The leaves of a JSON value as dotted paths (`grpo.steps`, `seeds.kinds[2]`). */
export function flatten(value: unknown, prefix = ""): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const walk = (v: unknown, at: string) => {
    if (v !== null && typeof v === "object") {
      const entries = Array.isArray(v)
        ? v.map((x, i) => [`${at}[${i}]`, x] as const)
        : Object.entries(v).map(([k, x]) => [at ? `${at}.${k}` : k, x] as const);
      if (entries.length === 0) out[at] = Array.isArray(v) ? [] : {};
      for (const [p, x] of entries) walk(x, p);
    } else if (v !== undefined) out[at] = v as JsonValue;
  };
  walk(value, prefix);
  return out;
}

/** The stage's config fields, flattened. */
export function stageConfig(
  config: ResolvedPipelineConfig,
  stage: Stage,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const path of STAGE_FIELDS[stage]) {
    let v: unknown = config;
    for (const k of path.split(".")) v = (v as Record<string, unknown> | undefined)?.[k];
    Object.assign(out, flatten(v ?? null, path));
  }
  return out;
}

/** sha256 of a stage's config (keys sorted) chained to the previous stage's fingerprint. */
export async function stageFingerprint(
  config: Record<string, JsonValue>,
  after: string | null,
): Promise<string> {
  const keys = Object.keys(config).sort();
  return await sha256Hex(JSON.stringify([after, keys.map((k) => [k, config[k]])]));
}

/**
 * The fields whose values differ between a marker's config and the current one, as
 * `'field' was X, now Y`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configChanges } from "./stages.ts";
 * assert.deepEqual(configChanges({ "grpo.steps": 4, "grpo.lr": 1 }, { "grpo.steps": 2, "grpo.lr": 1 }),
 *   ["'grpo.steps' was 4, now 2"]);
 * ```
 */
export function configChanges(
  before: Record<string, JsonValue>,
  now: Record<string, JsonValue>,
): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const show = (v: JsonValue | undefined) => (v === undefined ? "absent" : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]))
    .map((k) => `'${k}' was ${show(before[k])}, now ${show(now[k])}`);
}

/** The marker of a finished stage, or null. */
export async function readMarker(out: string, stage: Stage): Promise<StageMarker | null> {
  const path = `${out}/stages/${stage}.json`;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as StageMarker;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new SyntaxError(`Cannot read stage marker ${path}: ${(e as Error).message}`);
  }
}

/** Writes a marker atomically (temporary file, then rename): the stage's commit point. */
export async function writeMarker(out: string, marker: StageMarker): Promise<void> {
  await Deno.mkdir(`${out}/stages`, { recursive: true });
  const path = `${out}/stages/${marker.stage}.json`;
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(marker, null, 2) + "\n");
  await Deno.rename(`${path}.tmp`, path);
}

/** Removes a stage's marker and outputs before it runs again from the start. */
export async function clearStage(out: string, stage: Stage): Promise<void> {
  for (const p of [`stages/${stage}.json`, ...STAGE_PATHS[stage]]) {
    await Deno.remove(`${out}/${p}`, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

/** What the pipeline will do with each stage. */
export type StageAction = "skip" | "run" | "resume";

/** One stage of a plan. */
export interface PlannedStage {
  readonly stage: Stage;
  readonly action: StageAction;
  readonly fingerprint: string;
  readonly config: Record<string, JsonValue>;
  readonly after: string | null;
  /** The marker it has (kept for skipped stages: their outputs feed later ones). */
  readonly marker: StageMarker | null;
}

/**
 * Decides per stage: `skip` (finished, same fingerprint, nothing before it runs), `resume` (no
 * marker: an interrupted or new stage, continuing from its own checkpoints where it has them),
 * or `run` (from `from` on, or after a stage that runs: cleared first). A finished stage before
 * `from` whose config changed is refused, naming the fields.
 *
 * @example A new run folder: the first stage has nothing to resume, the rest run from scratch
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePipelineConfig } from "./config.ts";
 * import { planStages } from "./stages.ts";
 * const plan = await planStages(await Deno.makeTempDir(), validatePipelineConfig({ name: "x" }));
 * assert.deepEqual(plan.slice(0, 2).map((p) => p.action), ["resume", "run"]);
 * ```
 */
export async function planStages(
  out: string,
  config: ResolvedPipelineConfig,
  from?: Stage,
): Promise<PlannedStage[]> {
  const plan: PlannedStage[] = [];
  let after: string | null = null;
  let running = false;
  for (const [i, stage] of STAGES.entries()) {
    const cfg = stageConfig(config, stage);
    const fingerprint = await stageFingerprint(cfg, after);
    const marker = await readMarker(out, stage);
    const forced = from !== undefined && i >= STAGES.indexOf(from);
    let action: StageAction;
    if (forced || running) action = "run";
    else if (!marker) action = "resume";
    else if (marker.fingerprint === fingerprint) action = "skip";
    else {
      const changes = configChanges(marker.config, cfg);
      throw new Error(
        `Cannot continue run folder ${out}: stage '${stage}' finished with another config: ${
          changes.join("; ") || "a stage before it changed"
        } (rerun it with --from ${stage}, or use another --out)`,
      );
    }
    if (action !== "skip") running = true;
    plan.push({ stage, action, fingerprint, config: cfg, after, marker });
    after = fingerprint;
  }
  return plan;
}
