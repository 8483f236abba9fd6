/**
 * `deno task demo`: the whole AcquisitionSynthesis method on the embedded default (the tiny
 * models the project pretrains itself, procedural tasks, no download), as the ablation of
 * data/configs/demo.json: the generator trained with GRPO against one acquisition reward
 * (confidence, chosen in advance), the untrained generator and the oracle, each synthesising the
 * same number of tasks that fine-tune the student, which is evaluated per kind before and after.
 * The work lives in lib/pipeline (runAblation); this file says what happens and prints tables.
 */

import {
  ablationTable,
  perKindTable,
  readAblationConfig,
  runAblation,
  type Stage,
  STAGES,
} from "../lib/pipeline/mod.ts";
import { cli, runMain, SIGNAL_EXIT_CODES, usageExit } from "../lib/run/mod.ts";

const CONFIG = "data/configs/demo.json";

const flags = cli({
  name: "demo",
  summary: "Runs the whole method on the embedded default in at most 10 minutes on two cores " +
    `(${CONFIG}): measures the student per kind, trains the generator with GRPO against the ` +
    "confidence reward, synthesises and labels a dataset, fine-tunes the student, evaluates it, " +
    "and compares it at equal data size with the untrained generator and the oracle. Ends with " +
    "a table (per-kind accuracy; weak-kind and other-kind accuracy and forgetting with 95% " +
    "intervals) and the path of the HTML report. The same command resumes an interrupted demo.",
  flags: {
    out: { kind: "string", value: "DIR", help: "the demo's folder (default: runs/demo)" },
    quick: { kind: "boolean", help: "scale every run down to a smoke run (about a minute)" },
    seeds: { kind: "string", value: "S,S", help: "these seeds instead of the config's (0)" },
    threads: {
      kind: "number",
      integer: true,
      min: 0,
      help: "ONNX Runtime threads (0 = one per core; default: 0)",
    },
    json: { kind: "boolean", help: "print the results object (JSON) instead of the tables" },
  },
  examples: [
    "deno task demo",
    "deno task demo --quick --out /tmp/demo --json > demo.json",
  ],
});

/** What each stage does, said once, the first time it runs. */
const STAGE_WORDS: Readonly<Record<Stage, string>> = Object.freeze({
  seed: "draw the seed tasks the generator's prompts come from",
  "train-generator":
    "train the generator with GRPO, rewarding tasks by the acquisition function (skipped by the baselines)",
  synthesise: "have the generator write tasks (the oracle draws fresh gold tasks instead)",
  label: "label the tasks with the verifiers, dropping those that fail",
  "fine-tune": "fine-tune the student on the labelled tasks",
  evaluate: "measure the student per kind on held-out tasks, before and after fine-tuning",
  report: "write the run's report",
});

await runMain(async () => {
  const seeds = flags.seeds?.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    if (!/^\d+$/.test(s)) usageExit(`'--seeds' takes integers ≥ 0: current value has '${s}'`);
    return Number(s);
  });
  const config = await readAblationConfig(CONFIG, { seeds, threads: flags.threads });
  const out = (flags.out ?? `runs/${config.name}`).replace(/\/$/, "");
  // With --json, stdout holds the results object only: the story goes to stderr.
  const say = (line: string) => flags.json ? console.error(line) : console.log(line);
  say(
    `demo: ${config.arms.map((a) => a.name).join(", ")} × seed ${config.seeds.join(", ")}${
      flags.quick ? " (quick)" : ""
    }, in ${out}`,
  );
  say(`weak kinds (the student was pretrained without them): ${config.weakKinds.join(", ")}`);
  const told = new Set<string>();
  const r = await runAblation({
    config,
    out,
    quick: flags.quick,
    onLog: (line) => {
      const stage = /\] ([a-z-]+): running$/.exec(line)?.[1] as Stage | undefined;
      if (stage && STAGES.includes(stage) && !told.has(stage)) {
        told.add(stage);
        say(`  → ${stage}: ${STAGE_WORDS[stage]}`);
      }
      say(line);
    },
    progress: Deno.stderr.isTerminal(),
  });
  if (r.signal) {
    say(`stopped by ${r.signal}; run the same command to resume ${out}`);
    Deno.exit(SIGNAL_EXIT_CODES[r.signal] ?? 1);
  }
  const results = r.results!;
  if (flags.json) {
    console.log(JSON.stringify({ ...results, report: r.report, timing: r.timing }, null, 2));
    return;
  }
  console.log(`\nDone in ${r.timing.totalSeconds.toFixed(0)}s.\n`);
  console.log(perKindTable(results));
  console.log(`\n${ablationTable(results)}`);
  console.log(`\nReport: ${r.report}`);
});
