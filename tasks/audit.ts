/**
 * `deno task audit`: does a higher acquisition score mean a larger gain? The default generator
 * writes N candidates; every chosen function scores them against the default student; then, for
 * each candidate alone, the student takes k fine-tuning steps on it from the same start weights
 * and its loss on a fixed validation set of its weak kinds is measured again. One line per
 * function: Spearman and Kendall correlation of score with gain, with 95% bootstrap intervals.
 */

import {
  ACQUISITION_FUNCTIONS,
  auditAcquisition,
  createAcquireContext,
  formatAudit,
  missingNeeds,
  sampleCandidates,
} from "../lib/acquire/mod.ts";
import { generateTasks, TASK_KINDS, type TaskRecord } from "../lib/data/mod.ts";
import { DEFAULT_MODEL_DIR, loadModel } from "../lib/model/mod.ts";
import { auditSections, writeReport } from "../lib/report/mod.ts";
import { cli, createRng, progress, runMain, THREADS_FLAG, usageExit } from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";

const COMMAND = {
  name: "audit",
  summary:
    "Audits acquisition functions: the default generator writes N candidate tasks, each function " +
    "scores them against the student, and the student is fine-tuned on each candidate alone " +
    "(k steps from the same start weights, restored from memory after each) to measure the real " +
    "drop of its loss on fresh tasks of its weak kinds. Prints Spearman and Kendall correlation " +
    "of score with gain per function, with 95% bootstrap intervals.",
  flags: {
    candidates: {
      kind: "number",
      integer: true,
      min: 2,
      default: 32,
      help: "candidates the generator writes",
    },
    functions: {
      kind: "string",
      value: "A,B,C",
      help: "comma-separated functions (default: every function whose needs are met)",
    },
    steps: { kind: "number", integer: true, min: 1, default: 4, help: "steps per candidate" },
    lr: { kind: "number", min: 0, max: 1, default: 3e-4, help: "learning rate of those steps" },
    seed: { kind: "number", integer: true, min: 0, default: 0, help: "seed of everything" },
    "weak-kinds": {
      kind: "string",
      default: "mul",
      value: "KINDS",
      help:
        "arithmetic kinds of the validation set (the student's weak ones: the default student was pretrained without mul)",
    },
    validation: {
      kind: "number",
      integer: true,
      min: 1,
      default: 12,
      help: "validation tasks per weak kind",
    },
    difficulty: {
      kind: "number",
      integer: true,
      min: 1,
      default: 2,
      help: "difficulty of the validation tasks",
    },
    temperature: {
      kind: "number",
      min: 0,
      default: 1,
      help: "the generator's sampling temperature",
    },
    resamples: {
      kind: "number",
      integer: true,
      min: 100,
      default: 2000,
      help: "bootstrap resamples per interval",
    },
    models: {
      kind: "string",
      default: DEFAULT_MODEL_DIR,
      value: "DIR",
      help: "folder with generator/ and student/",
    },
    committee: {
      kind: "strings",
      value: "DIR",
      help: "a student checkpoint for committee functions (bald); the student is the first member",
    },
    reference: {
      kind: "string",
      value: "DIR",
      help: "a model trained on held-out data, for reducible held-out loss (rho-loss)",
    },
    threads: THREADS_FLAG,
    accuracy: {
      kind: "boolean",
      help: "also measure greedy accuracy on the validation set after each candidate (slow)",
    },
    json: { kind: "string", value: "FILE", help: "also write scores, gains and correlations here" },
    report: {
      kind: "string",
      value: "DIR",
      help: "write an HTML report here: a scatter of score against gain per function and the " +
        "correlation table (default with --json: FILE's name without .json, plus -report)",
    },
  },
  examples: [
    "deno task audit --candidates 32 --json audit.json",
    "deno task audit --candidates 16 --report audit-report",
    "deno task audit --candidates 8 --steps 2 --functions confidence,gradient-magnitude",
  ],
} as const;

const flags = cli(COMMAND);
const arithmetic = TASK_KINDS.arithmetic as readonly string[];
const weakKinds = flags["weak-kinds"].split(",").map((k) => k.trim()).filter(Boolean);
const badKind = weakKinds.find((k) => !arithmetic.includes(k));
if (badKind !== undefined || weakKinds.length === 0) {
  usageExit(
    `'--weak-kinds' takes arithmetic kinds (${arithmetic.join(", ")}): current value has '${
      badKind ?? ""
    }'`,
  );
}
const chosen = (flags.functions ?? "").split(",").map((f) => f.trim()).filter(Boolean);
const unknown = chosen.find((f) => !Object.hasOwn(ACQUISITION_FUNCTIONS, f));
if (unknown !== undefined) {
  usageExit(
    `'--functions' takes ${Object.keys(ACQUISITION_FUNCTIONS).join(", ") || "(none yet)"}: ` +
      `current value has '${unknown}'`,
  );
}

await runMain(async () => {
  const rt = createRuntime({ threads: flags.threads });
  const dir = flags.models.replace(/\/$/, "");
  const [generator, student] = await Promise.all([
    loadModel(`${dir}/generator`, rt),
    loadModel(`${dir}/student`, rt),
  ]);
  const rng = createRng(flags.seed);
  // Fresh tasks: seeds far from the pretraining corpus's and from each other.
  const validation: TaskRecord[] = weakKinds.flatMap((kind, i) =>
    generateTasks({
      family: "arithmetic",
      kinds: [kind],
      count: flags.validation,
      difficulty: flags.difficulty,
      seed: 900_001 + 1000 * flags.seed + i,
    })
  );
  const seeds = (Object.keys(TASK_KINDS) as (keyof typeof TASK_KINDS)[]).flatMap((family, i) =>
    generateTasks({ family, count: 32, seed: 800_001 + 1000 * flags.seed + i })
  );
  // The student's own mean-pooled hidden states embed (the default embedder).
  const committee = [student, ...await Promise.all(flags.committee.map((d) => loadModel(d, rt)))];
  const reference = flags.reference ? await loadModel(flags.reference, rt) : undefined;
  const context = createAcquireContext(student, seeds, {
    rng: rng.split("acquire"),
    validation,
    ...(committee.length > 1 && { committee }),
    ...(reference && { reference }),
  });

  const functions = chosen.length
    ? chosen
    : Object.values(ACQUISITION_FUNCTIONS).filter((f) => missingNeeds(f, context).length === 0)
      .map((f) => f.name);
  if (functions.length === 0) {
    throw new Error(
      "Cannot audit: no acquisition function is registered whose needs this context meets",
    );
  }

  const writing = progress("write", flags.candidates);
  const candidates = await sampleCandidates(generator, {
    count: flags.candidates,
    seed: flags.seed,
    temperature: flags.temperature,
    onProgress: (done) => writing.update(done),
  });
  const parsed = candidates.filter((c) => c.record).length;
  writing.finish(`${parsed} of ${candidates.length} parse`);

  const scoring = progress("score", functions.length);
  const training = progress("train", candidates.length);
  const audit = await auditAcquisition(candidates, context, {
    functions,
    steps: flags.steps,
    lr: flags.lr,
    seed: flags.seed,
    resamples: flags.resamples,
    accuracy: flags.accuracy,
    onProgress: (phase, done, total) => {
      if (phase === "score") {
        scoring.update(done, functions[done - 1]);
        if (done === total) scoring.finish();
      } else {
        training.update(done);
        if (done === total) training.finish();
      }
    },
  });
  const gains = audit.gains.filter((g): g is number => g !== null);
  const mean = gains.reduce((a, b) => a + b, 0) / Math.max(1, gains.length);
  console.log(
    `${candidates.length} candidates (${parsed} parse), ${audit.steps} steps at lr ${audit.lr} ` +
      `each; validation loss ${audit.lossBefore.toFixed(4)} on ${audit.validationItems} tasks ` +
      `(${weakKinds.join(", ")}, difficulty ${flags.difficulty}); gain mean ${
        mean.toExponential(2)
      }, min ${Math.min(...gains).toExponential(2)}, max ${Math.max(...gains).toExponential(2)}`,
  );
  if (audit.accuracyAfter) {
    const after = audit.accuracyAfter.filter((a): a is number => a !== null);
    const meanAfter = after.reduce((a, b) => a + b, 0) / Math.max(1, after.length);
    console.log(
      `validation accuracy ${audit.accuracyBefore!.toFixed(3)} before; after one candidate: ` +
        `mean ${meanAfter.toFixed(3)}, min ${Math.min(...after).toFixed(3)}, max ${
          Math.max(...after).toFixed(3)
        }`,
    );
  }
  for (const line of formatAudit(audit.functions)) console.log(line);
  if (flags.json) {
    await Deno.writeTextFile(
      flags.json,
      JSON.stringify(
        {
          settings: { ...flags, weakKinds },
          lossBefore: audit.lossBefore,
          ...(audit.accuracyAfter ? { accuracyBefore: audit.accuracyBefore } : {}),
          seconds: audit.seconds,
          candidates: candidates.map((c, i) => ({
            text: c.text,
            parsed: c.record !== null,
            lossAfter: audit.lossAfter[i],
            gain: audit.gains[i],
            ...(audit.accuracyAfter ? { accuracyAfter: audit.accuracyAfter[i] } : {}),
            scores: Object.fromEntries(audit.functions.map((f) => [f.name, f.scores[i]])),
          })),
          functions: audit.functions.map(({ scores: _, ...f }) => f),
        },
        (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
        2,
      ) + "\n",
    );
    console.log(`wrote ${flags.json}`);
  }
  const reportDir = flags.report ??
    (flags.json ? `${flags.json.replace(/\.json$/i, "")}-report` : null);
  if (reportDir !== null) {
    const labels = candidates.map((c) => (c.record?.question ?? c.text).slice(0, 120));
    const path = await writeReport(
      reportDir,
      "Acquisition audit",
      auditSections({
        gains: audit.gains,
        functions: audit.functions,
        labels,
        summary: `${candidates.length} candidates from the default generator (${parsed} parse); ` +
          `${audit.steps} fine-tuning steps at lr ${audit.lr} on each candidate alone, from the ` +
          `same start weights; gain = the drop of the student's validation loss (` +
          `${audit.lossBefore.toFixed(4)} before, ${audit.validationItems} tasks of kinds ` +
          `${weakKinds.join(", ")}, difficulty ${flags.difficulty}); seed ${flags.seed}.`,
      }),
    );
    console.log(`wrote ${path}`);
  }
});
