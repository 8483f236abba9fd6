/**
 * `deno task pipeline --config FILE`: the AcquisitionSynthesis flow as resumable stages (seed →
 * train-generator → synthesise → label → fine-tune → evaluate → report) in a run folder; the
 * work lives in lib/pipeline. This file reads the flags and the config, runs, and prints.
 */

import {
  BASELINES,
  runPipeline,
  type Stage,
  STAGES,
  validatePipelineConfig,
} from "../lib/pipeline/mod.ts";
import { cli, runMain, SIGNAL_EXIT_CODES, usageExit } from "../lib/run/mod.ts";

const flags = cli({
  name: "pipeline",
  summary:
    "Runs the AcquisitionSynthesis flow of a JSON config as resumable stages: seed tasks, GRPO " +
    "training of the generator against the acquisition rewards, synthesis, labelling, " +
    "fine-tuning of the student, evaluation before and after (per kind, with intervals), and a " +
    "report. The run folder keeps the config, every stage's outputs and a marker per finished " +
    "stage: the same command skips what is done and resumes what was interrupted. Baselines " +
    `(the config's "baseline"): ${Object.keys(BASELINES).join(", ")}.`,
  flags: {
    config: { kind: "string", required: true, value: "FILE", help: "the pipeline config (JSON)" },
    out: { kind: "string", value: "DIR", help: "the run folder (default: runs/NAME)" },
    from: {
      kind: "string",
      value: "STAGE",
      choices: [...STAGES],
      help: "rerun this stage and every one after it",
    },
    quick: { kind: "boolean", help: "scale every stage down to a smoke run of a minute or two" },
    cache: {
      kind: "string",
      value: "DIR",
      help: "a folder of results shared between runs (the untrained generator's sample pool and " +
        "its scores), reused by any run with the same models, seeds and synthesis settings",
    },
  },
  examples: [
    "deno task pipeline --config data/configs/default.json --quick",
    "deno task pipeline --config data/configs/default.json --out runs/confidence-s1 --from fine-tune",
    "deno task pipeline --config data/configs/default.json --out runs/default-u --cache runs/cache",
  ],
});

await runMain(async () => {
  let text: string;
  try {
    text = await Deno.readTextFile(flags.config);
  } catch (e) {
    usageExit(`'--config': cannot read ${flags.config}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read pipeline config ${flags.config}: ${(e as Error).message}`);
  }
  const config = validatePipelineConfig(raw, flags.config);
  const out = (flags.out ?? `runs/${config.name}`).replace(/\/$/, "");
  const t0 = performance.now();
  const r = await runPipeline({
    config,
    raw,
    out,
    from: flags.from as Stage | undefined,
    quick: flags.quick,
    ...(flags.cache ? { cache: flags.cache } : {}),
    onLog: (line) => console.log(line),
    progress: Deno.stderr.isTerminal(),
  });
  if (r.signal) {
    console.log(`stopped by ${r.signal}; run the same command to resume ${out}`);
    Deno.exit(SIGNAL_EXIT_CODES[r.signal] ?? 1);
  }
  console.log(
    `\nStages (seconds): ${
      r.stages.map((s) => `${s.stage} ${s.action === "skip" ? "skipped" : s.seconds.toFixed(1)}`)
        .join(", ")
    }; total ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  if (r.table) console.log(`\n${r.table}`);
  console.log(`\nRun folder: ${out} (report: ${out}/report/)`);
});
