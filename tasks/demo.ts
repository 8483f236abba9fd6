/**
 * `deno task demo`: the main job, on the tiny default models the project pretrains itself
 * (data/models/, no download). The generator writes tagged problems; the student is measured on
 * held-out problems per skill, fine-tuned (completion-only SFT, forward + backward + AdamW in one
 * ONNX Runtime run per step) with its loss printed as it falls, and measured again. Later issues
 * grow this into the full AcquisitionSynthesis pipeline.
 */

import { parseArgs } from "node:util";
import {
  type CorpusItem,
  corpusItems,
  extractStudentAnswer,
  renderStudent,
} from "../lib/data/pretrain_corpus.ts";
import { type LanguageModel, loadModel } from "../lib/model/model.ts";
import { DEFAULT_MODEL_DIR } from "../lib/model/presets.ts";
import { createLmTrainer, lmTrainStep } from "../lib/model/train.ts";
import { createRuntime } from "../lib/runtime/program.ts";
import { progress } from "../lib/run/progress.ts";
import { sample } from "../lib/sample/sampler.ts";

const HELP = `Usage: deno task demo [--steps N] [--eval N] [--seed N] [--threads N] [--models DIR]

Runs the default generator and student (see deno task pretrain):
  1. the generator writes a few problems in <question>/<reasoning>/<answer> tags;
  2. the student answers held-out problems; accuracy per skill is printed;
  3. the student is fine-tuned on problems of its weak skills (loss printed as it falls);
  4. accuracy per skill again, on the same held-out problems.

Options:
  --steps N    fine-tuning steps (default 60)
  --eval N     held-out problems per skill (default 25)
  --seed N     seed (default 0)
  --threads N  ONNX Runtime threads (default 0 = one per core)
  --models DIR folder with generator/ and student/ (default data/models)
  --help       this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "60" },
    eval: { type: "string", default: "25" },
    seed: { type: "string", default: "0" },
    threads: { type: "string", default: "0" },
    models: { type: "string", default: DEFAULT_MODEL_DIR },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
function int(flag: "steps" | "eval" | "seed" | "threads", min: number): number {
  const v = Number(values[flag]);
  if (!Number.isInteger(v) || v < min) {
    console.error(
      `error: '--${flag}' must be an integer ≥ ${min}: current value is '${values[flag]}'`,
    );
    Deno.exit(2);
  }
  return v;
}
const steps = int("steps", 0),
  perSkill = int("eval", 1),
  seed = int("seed", 0),
  threads = int("threads", 0);
const dir = values.models!.replace(/\/$/, "");
for (const m of ["generator", "student"]) {
  if (!(await Deno.stat(`${dir}/${m}/model.safetensors`).then(() => true, () => false))) {
    console.error(
      `error: ${dir}/${m}/model.safetensors not found; build the default models with: deno task pretrain`,
    );
    Deno.exit(1);
  }
}
const rt = createRuntime({ threads });
const generator = await loadModel(`${dir}/generator`, rt);
const student = await loadModel(`${dir}/student`, rt);

console.log("1. The generator writes problems:");
const written = await sample(generator, ["<question>"], {
  samplesPerPrompt: 3,
  maxNewTokens: 120,
  temperature: 0.8,
  seed,
  stop: ["</answer>"],
});
for (const s of written) {
  console.log(`   <question>${s.text}${s.finish === "stop" ? "</answer>" : " …"}`);
}

const SKILLS = ["add", "sub", "mul", "two-step"] as const;
const held = corpusItems(900_000 + seed, perSkill * 8);
const evalSet = SKILLS.flatMap((k) => held.filter((it) => it.skill === k).slice(0, perSkill));

async function accuracy(
  model: LanguageModel,
  items: CorpusItem[],
): Promise<Record<string, number>> {
  const prompts = items.map((it) => renderStudent(it).prompt);
  const out = await sample(model, prompts, { temperature: 0, maxNewTokens: 48, stop: ["\n"] });
  const acc: Record<string, number> = {};
  for (const k of SKILLS) {
    const idx = items.map((it, i) => (it.skill === k ? i : -1)).filter((i) => i >= 0);
    acc[k] = idx.filter((i) => extractStudentAnswer(out[i].text) === items[i].answer).length /
      Math.max(1, idx.length);
  }
  return acc;
}
const show = (a: Record<string, number>) =>
  SKILLS.map((k) => `${k} ${(100 * a[k]).toFixed(0)}%`).join("  ");

console.log(`\n2. Student accuracy on ${evalSet.length} held-out problems (greedy, exact answer):`);
const before = await accuracy(student, evalSet);
console.log(`   ${show(before)}`);

// A fixed training set of the skills the student is weakest at; the loss over it falls as the
// student fits it, and the held-out accuracy shows what of that generalises.
const weak = SKILLS.filter((k) => before[k] < 0.5);
const trainSet = corpusItems(700_000 + seed, 1000)
  .filter((it) => weak.length === 0 || weak.includes(it.skill))
  .slice(0, 96);
console.log(
  `\n3. Fine-tuning the student for ${steps} steps on ${trainSet.length} problems of its weak skills (${
    weak.join(", ") || "all"
  }), loss on the completion only:`,
);
const trainer = await createLmTrainer(student, { optimizer: { kind: "adamw" }, clipNorm: 1 });
const tok = student.tokenizer!;
const bar = progress("sft", steps);
const log: string[] = [];
for (let i = 0; i < steps; i++) {
  const items = Array.from({ length: 16 }, (_, k) => trainSet[(i * 16 + k) % trainSet.length]);
  const sequences: number[][] = [], weights: number[][] = [];
  for (const it of items) {
    const { prompt, completion } = renderStudent(it);
    const p = tok.encode(prompt, { addBos: true });
    const full = [...tok.encode(prompt + completion, { addBos: true }), tok.eosId!];
    sequences.push(full);
    weights.push(full.slice(1).map((_, t) => (t + 1 >= p.length ? 1 : 0)));
  }
  const n = weights.flat().reduce((a, b) => a + b, 0);
  const r = await lmTrainStep(trainer, {
    sequences,
    weights: weights.map((w) => w.map((x) => x / n)),
  }, 2e-3 * (1 - 0.9 * i / Math.max(steps, 1)));
  bar.update(i + 1, `loss ${r.loss.toFixed(4)}`);
  if (i === 0 || (i + 1) % Math.max(1, Math.floor(steps / 6)) === 0) {
    log.push(`   step ${String(i + 1).padStart(4)}  loss ${r.loss.toFixed(4)}`);
  }
}
bar.finish();
console.log(log.join("\n"));

console.log("\n4. Student accuracy after fine-tuning:");
const after = await accuracy(student, evalSet);
console.log(`   before: ${show(before)}\n   after:  ${show(after)}`);
