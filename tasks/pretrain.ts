/**
 * `deno task pretrain`: trains the tiny default generator and student from scratch on the
 * embedded task corpus and writes them to data/models/ (Hugging Face folders). Resumable: a
 * checkpoint with the optimizer state is written every --save-every steps and picked up on the
 * next run.
 */

import { parseArgs } from "node:util";
import { tensor } from "../lib/graph/tensor.ts";
import { llamaParamShapes } from "../lib/model/config.ts";
import {
  corpusRecords,
  DEFAULT_MIX,
  renderGenerator,
  renderStudent,
} from "../lib/data/pretrain_corpus.ts";
import { saveModel } from "../lib/model/export.ts";
import { createModel } from "../lib/model/model.ts";
import {
  DEFAULT_MODEL_CONFIGS,
  DEFAULT_MODEL_DIR,
  type DefaultModel,
} from "../lib/model/presets.ts";
import { createLmTrainer, lmTrainStep } from "../lib/model/train.ts";
import { loadParams, saveParams } from "../lib/runtime/params.ts";
import { createRuntime } from "../lib/runtime/program.ts";
import { STEP_KEY } from "../lib/runtime/trainer.ts";
import { progress } from "../lib/run/progress.ts";
import { trainBpe } from "../lib/text/bpe_train.ts";
import { llama2cToTokenizerJson } from "../lib/text/llama2c_tokenizer.ts";
import { type Tokenizer, tokenizerFromJson } from "../lib/text/tokenizer.ts";

const HELP = `Usage: deno task pretrain [--model generator|student|all] [options]

Trains the tiny default models from scratch on the embedded procedural tasks (lib/data/procedural:
word problems 50%, multiple choice 25%, TypeScript functions 25%, difficulties 1-3):
  generator  ~3.0M parameters, learns whole tasks in <question>/<reasoning>/<answer> tags
  student    ~1.7M parameters, learns "Q: ... A: <reasoning> The answer is N." (choices: the
             letter; code: the function)
Both share one 512-piece BPE tokenizer trained on the corpus, with digits kept as single pieces. Output: OUT/<model>/ with
config.json, model.safetensors (float16), tokenizer.json, tokenizer_config.json, recipe.json.

Options:
  --model NAME       generator, student or all (default all)
  --steps N          optimisation steps per model (default 1500)
  --batch N          sequences per step (default 24)
  --lr X             peak learning rate, cosine decay after 30 warm-up steps (default 3e-3)
  --seed N           corpus and initialisation seed (default 0)
  --out DIR          output folder (default data/models)
  --save-every N     checkpoint interval in steps (default 100)
  --threads N        ONNX Runtime threads (default 0 = one per core)
  --help             this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string", default: "all" },
    steps: { type: "string", default: "1500" },
    batch: { type: "string", default: "24" },
    lr: { type: "string", default: "3e-3" },
    seed: { type: "string", default: "0" },
    out: { type: "string", default: DEFAULT_MODEL_DIR },
    "save-every": { type: "string", default: "100" },
    threads: { type: "string", default: "0" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
function num(flag: string, min: number, integer = true): number {
  const raw = values[flag as keyof typeof values] as string;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    console.error(
      `error: '--${flag}' must be ${
        integer ? "an integer" : "a number"
      } ≥ ${min}: current value is '${raw}'`,
    );
    Deno.exit(2);
  }
  return v;
}
const steps = num("steps", 1),
  batch = num("batch", 1),
  lr = num("lr", 0, false),
  seed = num("seed", 0);
const saveEvery = num("save-every", 1), threads = num("threads", 0);
const names: DefaultModel[] = values.model === "all"
  ? ["generator", "student"]
  : [values.model as DefaultModel];
for (const n of names) {
  if (!(n in DEFAULT_MODEL_CONFIGS)) {
    console.error(`error: '--model' must be generator, student or all: current value is '${n}'`);
    Deno.exit(2);
  }
}
const out = values.out!.replace(/\/$/, "");

/** Sequences a model trains on, as text. */
function texts(name: DefaultModel, s: number, n: number): string[] {
  return corpusRecords(s, n).map((it) => {
    if (name === "generator") return renderGenerator(it);
    const { prompt, completion } = renderStudent(it);
    return prompt + completion;
  });
}

// One tokenizer for both models, trained on both formats.
const tokCorpus = [
  ...texts("generator", 1_000_003 + seed, 3000),
  ...texts("student", 2_000_003 + seed, 3000),
];
const pieces = trainBpe(tokCorpus, { vocabSize: 512, splitDigits: true });
const { tokenizer: tokJson, config: tokConfig } = llama2cToTokenizerJson(pieces);
const tok: Tokenizer = tokenizerFromJson(tokJson, tokConfig);

function initStore(name: DefaultModel) {
  const c = DEFAULT_MODEL_CONFIGS[name];
  let s = (seed + 1) * 2654435761 >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const store = new Map();
  for (const [n, shape] of llamaParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const std = n.endsWith("o_proj.weight") || n.endsWith("down_proj.weight")
      ? 0.02 / Math.sqrt(2 * c.numHiddenLayers)
      : 0.02;
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = n.endsWith("norm.weight") ? 1 : std * normal();
    store.set(n, tensor("float32", shape, data));
  }
  return store;
}

const rt = createRuntime({ threads });
for (const name of names) {
  const c = DEFAULT_MODEL_CONFIGS[name];
  const dir = `${out}/${name}`;
  const ckpt = `${dir}/checkpoint.safetensors`;
  await Deno.mkdir(dir, { recursive: true });
  const resumed = await Deno.stat(ckpt).then(() => true, () => false);
  const store = resumed ? await loadParams(ckpt) : initStore(name);
  const modelStore = new Map([...store].filter(([k]) => !k.includes(".adam_") && k !== STEP_KEY));
  const model = createModel(c, modelStore, rt, tok);
  for (const [k, v] of store) if (!modelStore.has(k)) model.store.set(k, v);
  const trainer = await createLmTrainer(model, {
    optimizer: { kind: "adamw", weightDecay: 0.01, decays: (n) => !n.endsWith("norm.weight") },
    clipNorm: 1,
  });
  const start = Number((model.store.get(STEP_KEY)?.data as BigInt64Array | undefined)?.[0] ?? 0n);
  const nParams = [...llamaParamShapes(c).values()].reduce(
    (a, s) => a + s.reduce((p, q) => p * q, 1),
    0,
  );
  console.log(
    `${name}: ${(nParams / 1e6).toFixed(2)}M parameters${
      resumed ? `, resuming at step ${start}` : ""
    }`,
  );
  const bar = progress(name, steps);
  const eos = tok.eosId!;
  let recent: number[] = [];
  for (let i = start; i < steps; i++) {
    const seqs = texts(name, seed * 1_000_000 + i + (name === "student" ? 500_000 : 0), batch).map((
      t,
    ) => [...tok.encode(t, { addBos: true }), eos]);
    const warm = Math.min(1, (i + 1) / 30);
    const cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, i / steps)));
    const r = await lmTrainStep(trainer, { sequences: seqs }, lr * warm * (0.1 + 0.9 * cosine));
    recent = [...recent.slice(-19), r.loss];
    bar.update(i + 1, `loss ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3)}`);
    if ((i + 1) % saveEvery === 0 && i + 1 < steps) await saveParams(ckpt, model.store);
  }
  bar.finish();
  await saveModel(model, dir, { onnx: false, half: true });
  await Deno.writeTextFile(
    `${dir}/recipe.json`,
    JSON.stringify(
      {
        command:
          `deno task pretrain --model ${name} --steps ${steps} --batch ${batch} --lr ${lr} --seed ${seed}`,
        corpus: { families: DEFAULT_MIX.families, difficulties: DEFAULT_MIX.difficulties },
        final_loss: recent.at(-1),
        steps,
        batch,
        lr,
        seed,
      },
      null,
      2,
    ),
  );
  await Deno.remove(ckpt).catch(() => {});
  console.log(
    `${name}: saved to ${dir} (mean loss of the last 20 steps ${
      (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3)
    })`,
  );
}
