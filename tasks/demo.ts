/**
 * `deno task demo`: the main job, on the tiny default models the project pretrains itself
 * (data/models/, no download) and the embedded procedural tasks. The generator writes tagged
 * tasks; the student is measured per kind on held-out tasks (answers checked exactly, code run in
 * the sandbox), fine-tuned on its weak kinds (completion-only SFT, forward + backward + AdamW in
 * one ONNX Runtime run per step) with its loss printed as it falls, and measured again. Later
 * issues grow this into the full AcquisitionSynthesis pipeline.
 */

import { parseArgs } from "node:util";
import { renderStudent } from "../lib/data/pretrain_corpus.ts";
import { generateTasks, TASK_KINDS, type TaskFamily } from "../lib/data/procedural/mod.ts";
import type { TaskRecord } from "../lib/data/record.ts";
import { type LanguageModel, loadModel } from "../lib/model/model.ts";
import { DEFAULT_MODEL_DIR } from "../lib/model/presets.ts";
import { createLmTrainer, lmTrainStep } from "../lib/model/train.ts";
import { createRuntime } from "../lib/runtime/program.ts";
import { progress } from "../lib/run/progress.ts";
import { sample } from "../lib/sample/sampler.ts";
import { checkAnswers } from "../lib/verify/record.ts";
import { createSandbox } from "../lib/verify/sandbox.ts";
const HELP = `Usage: deno task demo [--steps N] [--eval N] [--seed N] [--threads N] [--models DIR]

Runs the default generator and student (see deno task pretrain) on the embedded procedural
tasks (word problems, multiple choice, TypeScript functions):
  1. the generator writes a few tasks in <question>/<reasoning>/<answer> tags;
  2. the student answers held-out tasks of every kind; answers are checked exactly (code runs
     against its tests in the sandbox) and accuracy per kind is printed;
  3. the student is fine-tuned on tasks of its weak kinds (loss printed as it falls);
  4. accuracy per kind again, on the same held-out tasks.

Options:
  --steps N       fine-tuning steps (default 60)
  --eval N        held-out tasks per kind (default 12)
  --difficulty N  difficulty of the held-out and fine-tuning tasks, 1-5 (default 2)
  --seed N     seed (default 0)
  --threads N  ONNX Runtime threads (default 0 = one per core)
  --models DIR folder with generator/ and student/ (default data/models)
  --help       this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "60" },
    eval: { type: "string", default: "12" },
    difficulty: { type: "string", default: "2" },
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
function int(
  flag: "steps" | "eval" | "seed" | "threads" | "difficulty",
  min: number,
  max = Infinity,
): number {
  const v = Number(values[flag]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(
      `error: '--${flag}' must be an integer from ${min}${
        max < Infinity ? ` to ${max}` : " up"
      }: current value is '${values[flag]}'`,
    );
    Deno.exit(2);
  }
  return v;
}
const steps = int("steps", 0),
  perSkill = int("eval", 1),
  seed = int("seed", 0),
  threads = int("threads", 0),
  difficulty = int("difficulty", 1, 5);
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

const sandbox = await createSandbox({ concurrency: 2, timeoutMs: 5000, memoryMb: 256 });

console.log("1. The generator writes tasks:");
const written = await sample(generator, ["<question>"], {
  samplesPerPrompt: 3,
  maxNewTokens: 120,
  temperature: 0.8,
  seed,
  stop: ["</answer>"],
});
for (const s of written) {
  const text = `<question>${s.text}${s.finish === "stop" ? "</answer>" : " …"}`;
  console.log(text.split("\n").map((l) => `   ${l}`).join("\n"));
}

const FAMILIES = Object.keys(TASK_KINDS) as TaskFamily[];
const KINDS = FAMILIES.flatMap((f) => TASK_KINDS[f].map((k) => ({ family: f, kind: k })));
const tasksOf = (base: number, count: number, kinds: typeof KINDS) =>
  kinds.flatMap(({ family, kind }, i) =>
    generateTasks({ family, kinds: [kind], count, seed: base + i, difficulty })
  );
const evalSet = tasksOf(900_000 + seed * 100, perSkill, KINDS);
const key = (r: TaskRecord) => `${r.meta.family}/${r.meta.kind}`;

async function accuracy(model: LanguageModel, items: TaskRecord[]): Promise<Map<string, number>> {
  const prompts = items.map((it) => renderStudent(it).prompt);
  const out = await sample(model, prompts, { temperature: 0, maxNewTokens: 96, stop: ["\nQ:"] });
  const checks = await checkAnswers(items, out.map((o) => o.text), sandbox);
  const acc = new Map<string, number>();
  for (const { family, kind } of KINDS) {
    const idx = items.map((it, i) => (key(it) === `${family}/${kind}` ? i : -1)).filter((i) =>
      i >= 0
    );
    acc.set(`${family}/${kind}`, idx.filter((i) => checks[i].correct).length / idx.length);
  }
  return acc;
}
const pct = (x: number) => `${(100 * x).toFixed(0)}%`.padStart(4);
function table(before: Map<string, number>, after?: Map<string, number>): string {
  return FAMILIES.map((f) => {
    const cells = TASK_KINDS[f].map((k) => {
      const b = before.get(`${f}/${k}`)!, a = after?.get(`${f}/${k}`);
      return `${k} ${pct(b)}${a === undefined ? "" : ` → ${pct(a)}`}`;
    });
    return `   ${f.padEnd(11)}${cells.join("  ")}`;
  }).join("\n");
}

console.log(
  `\n2. Student accuracy on ${evalSet.length} held-out tasks at difficulty ${difficulty} (greedy, exact check; code runs in the sandbox):`,
);
const before = await accuracy(student, evalSet);
console.log(table(before));

// Fresh tasks of the kinds the student is weakest at, each seen once: the loss is on unseen tasks,
// and the held-out accuracy shows what generalises and what the other kinds lose.
const weak = KINDS.filter(({ family, kind }) => before.get(`${family}/${kind}`)! < 0.5);
const trainKinds = weak.length ? weak : KINDS;
const perKind = Math.ceil((16 * Math.max(steps, 1)) / trainKinds.length);
const byKind = trainKinds.map((k, i) => tasksOf(700_000 + seed * 100 + i, perKind, [k]));
// Kinds interleaved, so every batch mixes them.
const trainSet = Array.from({ length: perKind }, (_, j) => byKind.map((ts) => ts[j])).flat();
console.log(
  `\n3. Fine-tuning the student for ${steps} steps on ${trainSet.length} tasks of its weak kinds (${
    weak.map((w) => w.kind).join(", ") || "none below 50%: all kinds"
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
  }, 3e-4 * Math.min(1, (i + 1) / 10) * (1 - 0.9 * i / Math.max(steps, 1)));
  bar.update(i + 1, `loss ${r.loss.toFixed(4)}`);
  if (i === 0 || (i + 1) % Math.max(1, Math.floor(steps / 6)) === 0) {
    log.push(`   step ${String(i + 1).padStart(4)}  loss ${r.loss.toFixed(4)}`);
  }
}
bar.finish();
console.log(log.join("\n"));

console.log("\n4. Student accuracy per kind, before → after fine-tuning:");
const after = await accuracy(student, evalSet);
console.log(table(before, after));
const mean = (m: Map<string, number>, kinds: typeof KINDS) =>
  kinds.reduce((a, { family, kind }) => a + m.get(`${family}/${kind}`)!, 0) /
  Math.max(1, kinds.length);
const others = KINDS.filter((k) => !trainKinds.includes(k));
console.log(
  `   fine-tuned kinds ${pct(mean(before, trainKinds))} → ${pct(mean(after, trainKinds))}` +
    (others.length
      ? `; other kinds ${pct(mean(before, others))} → ${
        pct(mean(after, others))
      } (a drop is what the fine-tuning made it forget)`
      : ""),
);
