/**
 * `deno task ablate --config FILE`: every arm × seed of an ablation config as a pipeline run,
 * then one report comparing them; the work lives in lib/pipeline (runAblation). This file reads
 * the flags, runs, and prints.
 */

import { ablationTable, readAblationConfig, runAblation, STAGES } from "../lib/pipeline/mod.ts";
import { cli, listFlag, runMain, SIGNAL_EXIT_CODES, usageExit } from "../lib/run/mod.ts";

const flags = cli({
  name: "ablate",
  summary:
    "Runs every arm (an acquisition reward or a baseline) of an ablation config over its seeds, " +
    "each as a resumable pipeline run in OUT/runs/ARM-sSEED/, every arm of one seed before the " +
    "next seed; then writes one report comparing them (OUT/report.html, results.json, " +
    "summary.md): weak-kind and other-kind accuracy and forgetting per arm with 95% intervals, " +
    "and paired differences against the untrained generator. The same command skips finished " +
    "runs and resumes an interrupted one.",
  flags: {
    config: { kind: "string", value: "FILE", help: "the ablation config (JSON; required)" },
    out: { kind: "string", value: "DIR", help: "the ablation folder (default: runs/ablate-NAME)" },
    quick: { kind: "boolean", help: "scale every run down to a smoke run" },
    only: { kind: "string", value: "ARM,ARM", help: "run (and report) only these arms" },
    seeds: { kind: "string", value: "S,S", help: "these seeds instead of the config's" },
    threads: {
      kind: "number",
      integer: true,
      min: 0,
      help: "ONNX Runtime threads of every run (0 = one per core; default: the config's)",
    },
  },
  examples: [
    "deno task ablate --config data/configs/ablate.json",
    "deno task ablate --config data/configs/ablate.json --quick --only confidence,oracle --seeds 0",
  ],
});

await runMain(async () => {
  const seeds = flags.seeds?.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    if (!/^\d+$/.test(s)) usageExit(`'--seeds' takes integers ≥ 0: current value has '${s}'`);
    return Number(s);
  });
  if (flags.config === undefined) usageExit("'--config' is required");
  if (!(await Deno.stat(flags.config).then((s) => s.isFile, () => false))) {
    usageExit(`'--config': cannot read ${flags.config}: no such file`);
  }
  const all = await readAblationConfig(flags.config, { seeds, threads: flags.threads });
  const only = flags.only === undefined
    ? undefined
    : listFlag("only", flags.only, all.arms.map((a) => a.name));
  const config = only
    ? await readAblationConfig(flags.config, { only, seeds, threads: flags.threads })
    : all;
  const out = (flags.out ?? `runs/ablate-${config.name}`).replace(/\/$/, "");
  console.log(
    `ablation ${config.name}: ${config.arms.length} arms × ${config.seeds.length} seed(s) = ${config.runs.length} runs in ${out}`,
  );
  const r = await runAblation({
    config,
    out,
    quick: flags.quick,
    onLog: (line) => console.log(line),
    progress: Deno.stderr.isTerminal(),
  });
  if (r.signal) {
    console.log(`stopped by ${r.signal}; run the same command to resume ${out}`);
    Deno.exit(SIGNAL_EXIT_CODES[r.signal] ?? 1);
  }
  const t = r.timing;
  console.log(
    `\nSeconds per stage, summed over runs: ${
      STAGES.map((s) => `${s} ${t.perStage[s].toFixed(1)}`).join(", ")
    }; total ${t.totalSeconds.toFixed(1)}s (${
      r.runs.filter((x) => x.action === "skipped").length
    } of ${r.runs.length} runs finished earlier, skipped)`,
  );
  console.log(`\n${ablationTable(r.results!)}`);
  console.log(`\nReport: ${r.report}`);
});
