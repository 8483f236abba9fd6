/**
 * `deno task synthesise`: the (trained) generator writes a data set: prompts cycling over the
 * seed tasks, gates and the near-duplicate filter, then labels (verifier, student
 * self-consistency, or the generator's own answer) with the agreement between methods, written
 * as JSONL task records with their provenance.
 */

import {
  ACQUISITION_FUNCTIONS,
  createAcquireContext,
  hashedNgramEmbedder,
} from "../lib/acquire/mod.ts";
import {
  DATA_FORMATS,
  type DataFormat,
  generateTasks,
  loadDataset,
  TASK_KINDS,
  type TaskFamily,
  type TaskRecord,
} from "../lib/data/mod.ts";
import { loadModel } from "../lib/model/mod.ts";
import { GATE_NAMES } from "../lib/reward/mod.ts";
import { cli, createRng, listFlag, progress, runMain, THREADS_FLAG } from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";
import {
  LABEL_METHOD_NAMES,
  type LabelMethod,
  labelSamples,
  synthesise,
  validateSynthConfig,
  writeDataset,
} from "../lib/synth/mod.ts";
import { createSandbox } from "../lib/verify/mod.ts";

const COMMAND = {
  name: "synthesise",
  summary: "Lets the generator write --count tasks (prompts cycling over the seed tasks), keeps " +
    "those that pass the gates and are no near duplicate, labels them with --label (and the " +
    "--compare methods, for their agreement) and writes JSONL task records with provenance to --out.",
  flags: {
    generator: {
      kind: "string",
      default: "data/models/generator",
      value: "DIR",
      help: "the generator's model folder (a trained one: RUN/generator)",
    },
    student: {
      kind: "string",
      default: "data/models/student",
      value: "DIR",
      help: "the student (self-consistency labels, --score-with)",
    },
    seeds: {
      kind: "string",
      value: "FILE",
      help: "seed tasks from a data file (see --format); default: procedural --families",
    },
    format: {
      kind: "string",
      default: "records",
      choices: DATA_FORMATS,
      help: "format of --seeds",
    },
    families: {
      kind: "string",
      default: "arithmetic,choice,code",
      value: "F1,F2",
      help: "procedural families of the seed tasks",
    },
    "seed-tasks": {
      kind: "number",
      integer: true,
      min: 1,
      default: 64,
      help: "procedural seed tasks per family",
    },
    count: { kind: "number", integer: true, min: 1, default: 200, help: "samples to accept" },
    "max-attempts": {
      kind: "number",
      min: 1,
      default: 4,
      help: "draw at most this × count samples",
    },
    "max-new-tokens": { kind: "number", integer: true, min: 1, default: 160, help: "longest task" },
    temperature: { kind: "number", min: 0, default: 1, help: "sampling temperature" },
    template: {
      kind: "string",
      default: "bare",
      choices: ["bare", "tags", "reference"],
      help: "generator prompt template",
    },
    gates: { kind: "string", default: "parse,answer", value: "G1,G2", help: "gates to pass" },
    label: {
      kind: "string",
      default: "verifier",
      choices: LABEL_METHOD_NAMES,
      help: "label method",
    },
    compare: {
      kind: "string",
      default: "",
      value: "M1,M2",
      help: "label methods also run, to report their agreement with --label",
    },
    k: { kind: "number", integer: true, min: 1, default: 8, help: "student answers per sample" },
    "score-with": {
      kind: "string",
      default: "",
      value: "F1,F2",
      help: "acquisition functions scored against the student and stored per sample",
    },
    "allow-weak-isolation": {
      kind: "boolean",
      help: "run code gates and code labels in a sandbox without bubblewrap (named on purpose)",
    },
    out: { kind: "string", default: "runs/synth/dataset.jsonl", value: "FILE", help: "JSONL out" },
    seed: { kind: "number", integer: true, min: 0, default: 0, help: "seed of everything" },
    threads: THREADS_FLAG,
  },
  examples: [
    "deno task synthesise --count 200 --label verifier --compare generator,self-consistency --out runs/synth/train.jsonl",
    "deno task synthesise --generator runs/grpo/generator --gates parse,answer,procedural --score-with confidence",
  ],
} as const;

const flags = cli(COMMAND);

const families = listFlag("families", flags.families, Object.keys(TASK_KINDS)) as TaskFamily[];
const gates = listFlag("gates", flags.gates, GATE_NAMES);
const compare = listFlag("compare", flags.compare, LABEL_METHOD_NAMES) as LabelMethod[];
const scoreWith = listFlag("score-with", flags["score-with"], Object.keys(ACQUISITION_FUNCTIONS));

await runMain(async () => {
  const config = validateSynthConfig({
    count: flags.count,
    maxAttempts: flags["max-attempts"],
    maxNewTokens: flags["max-new-tokens"],
    temperature: flags.temperature,
    template: flags.template,
    gates,
    label: flags.label,
    selfConsistency: { k: flags.k },
    scoreWith,
    allowWeakIsolation: flags["allow-weak-isolation"],
  });
  const rt = createRuntime({ threads: flags.threads });
  const generator = await loadModel(flags.generator, rt);
  const methods = [config.label, ...compare];
  const needStudent = scoreWith.length > 0 || methods.includes("self-consistency");
  const student = needStudent ? await loadModel(flags.student, rt) : undefined;
  const seeds: TaskRecord[] = flags.seeds
    ? (await loadDataset(flags.format as DataFormat, flags.seeds)).records
    : families.flatMap((family, i) =>
      generateTasks({ family, count: flags["seed-tasks"], seed: 800_001 + 1000 * flags.seed + i })
    );
  const needSandbox = gates.includes("code") || methods.includes("verifier");
  const sandbox = needSandbox ? await createSandbox() : undefined;
  const acquire = student
    ? createAcquireContext(student, seeds, {
      rng: createRng(flags.seed).split("acquire"),
      embedder: hashedNgramEmbedder(),
      ...(sandbox && { sandbox }),
    })
    : undefined;

  const writing = progress("synthesise", config.count);
  const synth = await synthesise({
    generator,
    student,
    seeds,
    config,
    seed: flags.seed,
    context: { acquire, sandbox },
    onProgress: (done) => writing.update(done),
  });
  writing.finish(`${synth.samples.length} of ${synth.attempts} drawn`);
  const r = await labelSamples(synth.samples, {
    method: config.label,
    student,
    sandbox,
    allowWeakIsolation: config.allowWeakIsolation,
    k: config.selfConsistency.k,
    temperature: config.selfConsistency.temperature,
    seed: flags.seed,
    compare,
  }, { generatorCheckpoint: flags.generator, seed: flags.seed });
  await writeDataset(flags.out, r.records);
  const reasons = Object.entries(synth.rejected).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(
    `accepted ${synth.samples.length} of ${synth.attempts} samples (rejected: ${reasons})`,
  );
  for (const [pair, a] of Object.entries(r.agreement)) {
    console.log(`agreement ${pair}: ${a === null ? "n/a" : a.toFixed(3)}`);
  }
  console.log(`${r.records.length} labelled records (${r.dropped} without a label) → ${flags.out}`);
});
