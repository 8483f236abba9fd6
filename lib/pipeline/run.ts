/**
 * `runPipeline`: the AcquisitionSynthesis flow as resumable stages over one run folder. It
 * writes the config as given (`config.json`) and resolved (`resolved.json`), plans the stages
 * against their markers (skip, resume, run, or refuse a changed config), runs them in order,
 * and stops cleanly on SIGINT/SIGTERM: a checkpointing stage (train-generator, fine-tune) saves
 * first; any other stage is abandoned, and it runs again on the next call.
 *
 * @module
 */

import { SIGNAL_EXIT_CODES } from "../run/mod.ts";
import { createRuntime } from "../runtime/mod.ts";
import type { ResolvedPipelineConfig } from "./config.ts";
import type { StageContext, StageFn, StageOutputs } from "./context.ts";
import { quickConfig } from "./quick.ts";
import { createRunLog, writeJson } from "./run_log.ts";
import { evaluateStage } from "./stage_evaluate.ts";
import { trainGeneratorStage } from "./stage_generator.ts";
import { reportStage } from "./stage_report.ts";
import { seedStage } from "./stage_seed.ts";
import { fineTuneStage } from "./stage_student.ts";
import { labelStage, synthesiseStage } from "./stage_synth.ts";
import { clearStage, planStages, type Stage, type StageAction, writeMarker } from "./stages.ts";

/**
 * Each stage's implementation, and whether it checkpoints (and so handles signals itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STAGE_IMPLS } from "./run.ts";
 * assert.equal(STAGE_IMPLS["train-generator"].checkpoints, true);
 * assert.equal(STAGE_IMPLS.evaluate.checkpoints, false);
 * ```
 */
export const STAGE_IMPLS: Readonly<Record<Stage, { run: StageFn; checkpoints: boolean }>> = Object
  .freeze({
    seed: { run: seedStage, checkpoints: false },
    "train-generator": { run: trainGeneratorStage, checkpoints: true },
    synthesise: { run: synthesiseStage, checkpoints: false },
    label: { run: labelStage, checkpoints: false },
    "fine-tune": { run: fineTuneStage, checkpoints: true },
    evaluate: { run: evaluateStage, checkpoints: false },
    report: { run: reportStage, checkpoints: false },
  });

/** Refuses model folders without a `config.json` before any stage runs. */
async function checkModels(config: ResolvedPipelineConfig): Promise<void> {
  const { models } = config;
  for (const [field, dir] of Object.entries(models)) {
    if (dir === null) continue;
    const ok = await Deno.stat(`${dir}/config.json`).then((s) => s.isFile, () => false);
    if (!ok) {
      throw new Error(
        `Cannot run the pipeline: 'models.${field}' must be a model folder with a config.json (the default models, or a Hugging Face Llama-family folder): current value is '${dir}'`,
      );
    }
  }
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  readonly config: ResolvedPipelineConfig;
  /** The config as the user wrote it (saved as `config.json`). */
  readonly raw: unknown;
  /** The run folder. */
  readonly out: string;
  /** Rerun this stage and every one after it. @default resume where the folder stands */
  readonly from?: Stage;
  /** Scale every stage down to a smoke run. @default false */
  readonly quick?: boolean;
  /** Called with every log line (also written to `log.txt`). */
  readonly onLog?: (line: string) => void;
  /** Progress bars on stderr. @default false */
  readonly progress?: boolean;
  /** Signals that stop the run. @default SIGINT, SIGTERM */
  readonly signals?: readonly Deno.Signal[];
  /**
   * A folder of results shared between runs (the untrained generator's sample pool and its
   * scores), keyed by everything they depend on (see cache.ts). @default none: compute everything
   */
  readonly cache?: string;
}

/** What {@link runPipeline} did. */
export interface PipelineResult {
  readonly out: string;
  readonly stages: { stage: Stage; action: StageAction; seconds: number }[];
  /** The signal that stopped the run (the folder is resumable), or null. */
  readonly signal: Deno.Signal | null;
  /** The evaluation table, once the evaluate stage has finished. */
  readonly table: string | null;
  /** Outputs of every finished stage. */
  readonly outputs: Partial<Record<Stage, StageOutputs>>;
}

/**
 * Runs (or continues) the pipeline in `o.out`.
 *
 * @example A config changed under a finished stage is refused, naming the field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePipelineConfig } from "./config.ts";
 * import { runPipeline } from "./run.ts";
 * const out = await Deno.makeTempDir();
 * const config = validatePipelineConfig({ name: "x", seeds: { kinds: ["add"], count: 2 } });
 * await Deno.mkdir(`${out}/stages`);
 * await Deno.writeTextFile(`${out}/stages/seed.json`, JSON.stringify({ stage: "seed",
 *   fingerprint: "old", config: { "seeds.count": 3 }, after: null, outputs: {}, seconds: 0, finishedAt: "" }));
 * await assert.rejects(() => runPipeline({ config, raw: {}, out }), /'seeds.count' was 3, now 2/);
 * ```
 */
export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const { out, from, onLog, progress = false, signals = ["SIGINT", "SIGTERM"] } = o;
  const cache = o.cache ?? null;
  const config = o.quick && !o.config.quick ? quickConfig(o.config) : o.config;
  await checkModels(config);
  const plan = await planStages(out, config, from);
  await Deno.mkdir(out, { recursive: true });
  await writeJson(`${out}/config.json`, o.raw);
  await writeJson(`${out}/resolved.json`, config);
  const log = createRunLog(out, onLog);
  log(
    `pipeline ${config.name} in ${out}${config.quick ? " (quick)" : ""}: ${
      plan.map((p) => `${p.stage} ${p.action}`).join(", ")
    }`,
  );
  const runtime = createRuntime({ threads: config.threads });
  const outputs: Partial<Record<Stage, StageOutputs>> = {};
  const done: PipelineResult["stages"] = [];
  let current: Stage | null = null;
  let stopped: Deno.Signal | null = null;
  const handlers = signals.map((s) =>
    [s, () => {
      stopped = s;
      if (current && !STAGE_IMPLS[current].checkpoints) {
        // Nothing of this stage is committed before its marker: drop it, it reruns next time.
        log(`stopped by ${s} during ${current}; the same command resumes from it`);
        Deno.exit(SIGNAL_EXIT_CODES[s] ?? 1);
      }
    }] as const
  );
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    for (const p of plan) {
      if (p.action === "skip") {
        outputs[p.stage] = p.marker!.outputs;
        log(`${p.stage}: finished earlier, skipped`);
        done.push({ stage: p.stage, action: "skip", seconds: 0 });
        continue;
      }
      if (p.action === "run") await clearStage(out, p.stage);
      log(`${p.stage}: running`);
      current = p.stage;
      const t0 = performance.now();
      const ctx: StageContext = { config, out, log, runtime, outputs, progress, signals, cache };
      const r = await STAGE_IMPLS[p.stage].run(ctx);
      const seconds = (performance.now() - t0) / 1000;
      current = null;
      if ("signal" in r) {
        log(`${p.stage}: stopped by ${r.signal} after a checkpoint; the same command resumes`);
        done.push({ stage: p.stage, action: p.action, seconds });
        return { out, stages: done, signal: r.signal, table: null, outputs };
      }
      await writeMarker(out, {
        stage: p.stage,
        fingerprint: p.fingerprint,
        config: p.config,
        after: p.after,
        outputs: r.outputs,
        seconds,
        finishedAt: new Date().toISOString(),
      });
      outputs[p.stage] = r.outputs;
      log(`${p.stage}: done in ${seconds.toFixed(1)}s`);
      done.push({ stage: p.stage, action: p.action, seconds });
      if (stopped) return { out, stages: done, signal: stopped, table: null, outputs };
    }
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
  const table = await Deno.readTextFile(`${out}/eval/table.txt`).catch(() => null);
  return { out, stages: done, signal: null, table: table?.trimEnd() ?? null, outputs };
}
