/**
 * `deno task pretrain`: trains the tiny default generator and student from scratch on the
 * embedded task corpus. Writes each model as a Hugging Face folder under runs/pretrain-<model>/
 * (or OUT/<model>/ with --out), with a checkpoint that a rerun of the same command resumes.
 */

import {
  type CorpusMix,
  corpusRecords,
  DEFAULT_MIX,
  renderGenerator,
  renderStudent,
  TASK_KINDS,
} from "../lib/data/mod.ts";
import {
  countParams,
  createLmTrainer,
  createModel,
  DEFAULT_MODEL_CONFIGS,
  type DefaultModel,
  initWeights,
  type LlamaConfig,
  lmTrainStep,
  saveModel,
} from "../lib/model/mod.ts";
import {
  cli,
  createRng,
  progress,
  restoreRng,
  resumeCheckpoint,
  runFingerprint,
  runMain,
  runSteps,
  SIGNAL_EXIT_CODES,
  THREADS_FLAG,
  usageExit,
} from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";
import {
  llama2cToTokenizerJson,
  type Tokenizer,
  tokenizerFromJson,
  trainBpe,
} from "../lib/text/mod.ts";
import { learningRate } from "../lib/train/mod.ts";

/** Model shapes by preset: the shipped ones, and a tiny one for tests and quick checks. */
const PRESETS: Readonly<Record<"default" | "tiny", (name: DefaultModel) => LlamaConfig>> = Object
  .freeze({
    default: (name: DefaultModel) => DEFAULT_MODEL_CONFIGS[name],
    tiny: (name: DefaultModel) => ({
      ...DEFAULT_MODEL_CONFIGS[name],
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      numKeyValueHeads: 1,
      headDim: 16,
    }),
  });

const flags = cli({
  name: "pretrain",
  summary:
    `Trains the tiny default models from scratch on the embedded procedural tasks (word problems 50%,
multiple choice 25%, TypeScript functions 25%, difficulties 1-3): the generator (~3.0M parameters)
learns whole tasks in <question>/<reasoning>/<answer> tags, the student (~1.7M) learns
"Q: ... A: <reasoning> The answer is N.". Both share one 512-piece BPE tokenizer trained on the
corpus, digits as single pieces. Each model is written to runs/pretrain-<model>/ (OUT/<model>/
with --out; the shipped models change only with --out data/models) as config.json,
model.safetensors (float16), tokenizer files and recipe.json, beside checkpoint/ (weights,
optimizer state, step, RNG state and the run's fingerprint). A checkpoint is saved every
--save-every steps, after the last step, and on Ctrl-C (SIGINT) or SIGTERM; running the same
command again resumes from it, and a changed flag is refused, naming it. --hold-out leaves kinds
out of the student's corpus (the generator and the tokenizer still see every kind), so that the
student has room to learn them later: the embedded testbed (deno task testbed).`,
  flags: {
    model: {
      kind: "string",
      help: "which model",
      default: "all",
      choices: ["generator", "student", "all"],
    },
    preset: {
      kind: "string",
      help: "model shape: the shipped one, or a tiny one",
      default: "default",
      choices: ["default", "tiny"],
    },
    steps: {
      kind: "number",
      help: "optimisation steps per model",
      default: 1500,
      integer: true,
      min: 1,
    },
    batch: { kind: "number", help: "sequences per step", default: 24, integer: true, min: 1 },
    seq: {
      kind: "number",
      help: "longest sequence in tokens (longer ones are cut; default: the model's context)",
      integer: true,
      min: 2,
    },
    lr: {
      kind: "number",
      help: "peak learning rate (cosine to 10% after 30 warm-up steps)",
      default: 3e-3,
      min: 0,
      value: "X",
    },
    seed: {
      kind: "number",
      help: "corpus, initialisation and data-order seed",
      default: 0,
      integer: true,
      min: 0,
    },
    "tokenizer-texts": {
      kind: "number",
      help: "texts of each format the tokenizer is trained on",
      default: 3000,
      integer: true,
      min: 10,
    },
    "hold-out": {
      kind: "string",
      help: "comma-separated kinds left out of the student's corpus (e.g. mul,sum-odd)",
      value: "KINDS",
    },
    out: {
      kind: "string",
      help: "write OUT/<model>/ instead of runs/pretrain-<model>/",
      value: "DIR",
    },
    resume: {
      kind: "string",
      help: "resume from this run folder's checkpoint (default: the output folder's, if any)",
      value: "DIR",
    },
    "save-every": {
      kind: "number",
      help: "checkpoint interval in steps",
      default: 100,
      integer: true,
      min: 1,
    },
    threads: THREADS_FLAG,
  },
  examples: [
    "deno task pretrain --model student --steps 300",
    "deno task pretrain --model all --out data/models   # replaces the shipped models",
    "deno task pretrain --model student --hold-out mul,smallest,sum-odd --out runs/testbed",
    "deno task pretrain --model student --preset tiny --steps 20 --batch 4 --seq 48 --tokenizer-texts 300",
  ],
});

const names: DefaultModel[] = flags.model === "all"
  ? ["generator", "student"]
  : [flags.model as DefaultModel];
if (flags.resume !== undefined && names.length > 1) {
  usageExit("'--resume' needs one model: give '--model generator' or '--model student'");
}
const KNOWN_KINDS = Object.values(TASK_KINDS).flat() as string[];
const holdOut = flags["hold-out"] === undefined
  ? []
  : flags["hold-out"].split(",").map((k) => k.trim()).filter((k) => k !== "");
for (const k of holdOut) {
  if (!KNOWN_KINDS.includes(k)) {
    usageExit(
      `'--hold-out' must list kinds from ${KNOWN_KINDS.join(", ")}: current value is ${
        flags["hold-out"]
      } (unknown: ${k})`,
    );
  }
}
if (flags["hold-out"] !== undefined && holdOut.length === 0) {
  usageExit(`'--hold-out' must name at least one kind: current value is '${flags["hold-out"]}'`);
}
if (holdOut.length && !names.includes("student")) {
  usageExit(
    "'--hold-out' applies to the student's corpus: give '--model student' or '--model all'",
  );
}
/** The student's mix: the default, less the held-out kinds; the generator's is the default. */
const mixOf = (name: DefaultModel): CorpusMix =>
  name === "student" && holdOut.length ? { ...DEFAULT_MIX, holdOut } : DEFAULT_MIX;
const folderOf = (name: DefaultModel) =>
  flags.out === undefined ? `runs/pretrain-${name}` : `${flags.out.replace(/\/$/, "")}/${name}`;

/** Texts a model trains on (`mix`: default, its own; the tokenizer reads the full mix). */
function texts(name: DefaultModel, seed: number, n: number, mix = mixOf(name)): string[] {
  return corpusRecords(seed, n, mix).map((r) => {
    if (name === "generator") return renderGenerator(r);
    const { prompt, completion } = renderStudent(r);
    return prompt + completion;
  });
}

/** Trains, or resumes, one model; returns the exit code. */
async function pretrain(name: DefaultModel, tokJson: string, tok: Tokenizer): Promise<number> {
  const config = PRESETS[flags.preset as "default" | "tiny"](name);
  const { steps, batch, lr, seed } = flags;
  const seq = flags.seq ?? config.maxPositionEmbeddings;
  const dir = folderOf(name);
  const fingerprint = await runFingerprint({
    flags: {
      model: name,
      preset: flags.preset,
      steps,
      batch,
      seq,
      lr,
      seed,
      "tokenizer-texts": flags["tokenizer-texts"],
      // Only when given, so the default runs keep the fingerprints their checkpoints hold.
      ...(name === "student" && holdOut.length ? { "hold-out": holdOut.join(",") } : {}),
    },
    model: config,
    tokenizerJson: tokJson,
  });
  const from = flags.resume === undefined
    ? `${dir}/checkpoint`
    : `${flags.resume.replace(/\/$/, "")}/checkpoint`;
  const ck = await resumeCheckpoint(from, fingerprint);
  if (flags.resume !== undefined && !ck) {
    throw new Error(`Cannot resume ${from}: it holds no checkpoint.json`);
  }
  const rng = ck ? restoreRng(ck.rng) : createRng(seed).split(name);
  const model = createModel(config, ck?.weights ?? initWeights(config, rng.split("init")), rt, tok);
  const trainer = await createLmTrainer(model, {
    optimizer: { kind: "adamw", weightDecay: 0.01, decays: (n) => !n.endsWith("norm.weight") },
    clipNorm: 1,
    state: ck?.state,
  });
  const start = ck?.step ?? 0;
  console.log(
    `${name}: ${(countParams(config) / 1e6).toFixed(2)}M parameters${
      ck ? `, resuming ${from} at step ${start}` : ""
    }`,
  );
  const schedule = {
    kind: "cosine" as const,
    peak: lr,
    warmupSteps: Math.min(30, steps),
    totalSteps: steps,
    minRatio: 0.1,
  };
  const bar = progress(name, steps);
  const eos = tok.eosId!;
  let recent: number[] = [];
  const mean = () => recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  const run = {
    dir: `${dir}/checkpoint`,
    fingerprint,
    weights: model.store,
    state: trainer.trainer.state,
    rng,
  };
  const result = await runSteps(run, async (i) => {
    const sequences = texts(name, rng.int(0, 2 ** 31 - 1), batch).map((t) =>
      [...tok.encode(t, { addBos: true }), eos].slice(0, seq)
    );
    const r = await lmTrainStep(trainer, { sequences }, learningRate(schedule, i));
    recent = [...recent.slice(-19), r.loss];
    bar.update(i + 1, `loss ${mean().toFixed(3)}`);
  }, { steps, start, saveEvery: flags["save-every"] });
  if (result.signal) {
    bar.finish(`stopped by ${result.signal}`);
    console.log(
      `${name}: checkpoint of step ${result.step} saved in ${dir}/checkpoint; run the same command to resume`,
    );
    return SIGNAL_EXIT_CODES[result.signal] ?? 1;
  }
  bar.finish();
  await saveModel(model, dir, { onnx: false, half: true });
  const command =
    `deno task pretrain --model ${name} --preset ${flags.preset} --steps ${steps} --batch ${batch}` +
    ` --seq ${seq} --lr ${lr} --seed ${seed} --tokenizer-texts ${flags["tokenizer-texts"]}` +
    (name === "student" && holdOut.length ? ` --hold-out ${holdOut.join(",")}` : "");
  const mix = mixOf(name);
  const recipe = {
    command,
    corpus: {
      families: mix.families,
      difficulties: mix.difficulties,
      ...(mix.holdOut ? { holdOut: mix.holdOut } : {}),
    },
    final_loss: recent.at(-1),
    ...fingerprint.flags,
  };
  if (recent.length === 0) {
    // The checkpoint already held every step: export again (an earlier export may have been cut
    // short) but keep the recipe of the run that did the steps.
    const had = await Deno.stat(`${dir}/recipe.json`).then(() => true, () => false);
    if (!had) await Deno.writeTextFile(`${dir}/recipe.json`, JSON.stringify(recipe, null, 2));
    console.log(`${name}: the checkpoint already holds all ${steps} steps; saved to ${dir}`);
    return 0;
  }
  await Deno.writeTextFile(`${dir}/recipe.json`, JSON.stringify(recipe, null, 2));
  console.log(
    `${name}: saved to ${dir} (mean loss of the last ${recent.length} steps ${mean().toFixed(3)})`,
  );
  return 0;
}

const rt = createRuntime({ threads: flags.threads });

await runMain(async () => {
  // One tokenizer for both models, trained on both formats.
  const n = flags["tokenizer-texts"];
  const pieces = trainBpe([
    ...texts("generator", 1_000_003 + flags.seed, n, DEFAULT_MIX),
    ...texts("student", 2_000_003 + flags.seed, n, DEFAULT_MIX),
  ], { vocabSize: 512, splitDigits: true });
  const { tokenizer, config } = llama2cToTokenizerJson(pieces);
  const tok = tokenizerFromJson(tokenizer, config);
  for (const name of names) {
    const code = await pretrain(name, JSON.stringify(tokenizer), tok);
    if (code !== 0) Deno.exit(code);
  }
});
