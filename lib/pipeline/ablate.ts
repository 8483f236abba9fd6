/**
 * `runAblation`: every arm × seed of an ablation config as one pipeline run in
 * `OUT/runs/ARM-sSEED/`, in a fixed order (every arm of the first seed, then the next seed),
 * then one comparison report over them all. A rerun skips finished runs (each run's stage markers
 * say what is done); a signal stops after the current stage's checkpoint and the same call
 * resumes. Seconds per stage, summed over runs, go to `OUT/timing.json`.
 *
 * @module
 */

import type { ResolvedAblationConfig } from "./ablation_config.ts";
import { type AblationResults, writeAblationReport } from "./ablation_report.ts";
import { runPipeline } from "./run.ts";
import { writeJson } from "./run_log.ts";
import { type Stage, STAGES } from "./stages.ts";

/** Options of {@link runAblation}. */
export interface AblationRunOptions {
  readonly config: ResolvedAblationConfig;
  /** The ablation folder: `runs/`, `cache/`, `report.html`, `results.json`, `summary.md`. */
  readonly out: string;
  /** Scale every run down to a smoke run. @default false */
  readonly quick?: boolean;
  /** Called with every line: the ablation's own and each run's log, prefixed with the run. */
  readonly onLog?: (line: string) => void;
  /** Progress bars of the stages on stderr. @default false */
  readonly progress?: boolean;
  /** Signals that stop the ablation (after the current stage's checkpoint). @default SIGINT, SIGTERM */
  readonly signals?: readonly Deno.Signal[];
}

/** Seconds spent, in all and per stage summed over runs (skipped stages count 0). */
export interface AblationTiming {
  readonly totalSeconds: number;
  readonly perStage: Record<Stage, number>;
  readonly perRun: Record<string, number>;
}

/** What {@link runAblation} did. */
export interface AblationOutcome {
  readonly out: string;
  /** The signal that stopped it (the folder is resumable), or null. */
  readonly signal: Deno.Signal | null;
  /** Per run: `ran` (at least one stage ran) or `skipped` (every stage had finished before). */
  readonly runs: { readonly id: string; readonly action: "ran" | "skipped" }[];
  readonly timing: AblationTiming;
  /** The comparison, once every run has finished. */
  readonly results: AblationResults | null;
  /** `OUT/report.html`, once written. */
  readonly report: string | null;
}

/**
 * Runs (or continues) every run of the ablation, then writes its report.
 *
 * @example A run whose student folder is missing stops the ablation before any stage runs
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateAblationConfig } from "./ablation_config.ts";
 * import { runAblation } from "./ablate.ts";
 * const config = validateAblationConfig({ name: "a", weakKinds: ["mul"],
 *   base: { models: { student: "no/such/student" } }, arms: [{ name: "oracle", baseline: "oracle" }] });
 * const out = await Deno.makeTempDir();
 * await assert.rejects(() => runAblation({ config, out }), /'models.student' must be a model folder/);
 * ```
 */
export async function runAblation(o: AblationRunOptions): Promise<AblationOutcome> {
  const { config, out, quick = false, onLog, progress = false } = o;
  const signals = o.signals ?? ["SIGINT", "SIGTERM"];
  const t0 = performance.now();
  await Deno.mkdir(`${out}/runs`, { recursive: true });
  await writeJson(`${out}/ablation.json`, {
    name: config.name,
    description: config.description,
    base: config.base,
    arms: config.arms,
    seeds: config.seeds,
    weakKinds: config.weakKinds,
    quick,
  });
  const log = (line: string) => onLog?.(line);
  const perStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const perRun: Record<string, number> = {};
  const runs: AblationOutcome["runs"] = [];
  const timing = (): AblationTiming => ({
    totalSeconds: (performance.now() - t0) / 1000,
    perStage,
    perRun,
  });
  const n = config.runs.length;
  for (const [i, run] of config.runs.entries()) {
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)}s`;
    log(`[${i + 1}/${n}] arm ${run.arm}, seed ${run.seed} (${elapsed()} elapsed)`);
    const r = await runPipeline({
      config: run.config,
      raw: run.raw,
      out: `${out}/runs/${run.id}`,
      // Stages shared across arms (the untrained pool, the base student's evaluation) once per seed.
      cache: `${out}/cache`,
      quick,
      progress,
      signals,
      onLog: (line) => {
        const stage = /^([a-z-]+): /.exec(line)?.[1];
        const at = stage && (STAGES as readonly string[]).includes(stage) ? `, ${stage}` : "";
        log(`[${run.arm} s${run.seed}${at}, ${elapsed()}] ${line}`);
      },
    });
    let seconds = 0;
    for (const s of r.stages) {
      perStage[s.stage] += s.seconds;
      seconds += s.seconds;
    }
    perRun[run.id] = seconds;
    const action = r.stages.every((s) => s.action === "skip") ? "skipped" : "ran";
    runs.push({ id: run.id, action });
    if (action === "skipped") log(`[${run.arm} s${run.seed}] finished earlier: skipped`);
    if (r.signal) {
      log(`stopped by ${r.signal} in ${run.id}; the same command resumes the ablation`);
      await writeJson(`${out}/timing.json`, timing());
      return { out, signal: r.signal, runs, timing: timing(), results: null, report: null };
    }
  }
  log(`report: comparing ${config.arms.length} arms over ${config.seeds.length} seed(s)`);
  const tr = performance.now();
  const { results, report } = await writeAblationReport(config, out, { quick });
  const t = { ...timing(), reportSeconds: (performance.now() - tr) / 1000 };
  await writeJson(`${out}/timing.json`, t);
  log(`report: ${report}`);
  return { out, signal: null, runs, timing: t, results, report };
}
