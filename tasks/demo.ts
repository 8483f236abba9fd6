/**
 * `deno task demo`: the main job, on the tiny default models the project pretrains itself
 * (data/models/, no download) and the embedded procedural tasks. The generator writes tagged
 * tasks; the student is measured per kind on held-out tasks (answers checked exactly, code run in
 * the sandbox), fine-tuned on fresh tasks of its weak kinds, and measured again on the same
 * items: gains on the fine-tuned kinds, forgetting on the others, each with a 95% interval.
 * The work itself lives in lib/train (fine-tuning) and lib/eval (accuracy, intervals,
 * forgetting); this file parses flags, calls them and prints.
 */

import {
  renderStudent,
  TASK_KINDS,
  type TaskFamily,
  type TaskRecord,
  tasksPerKind,
} from "../lib/data/mod.ts";
import { DEFAULT_MODEL_DIR, type LanguageModel, loadModel } from "../lib/model/mod.ts";
import { cli, progress, runMain, THREADS_FLAG, usageExit } from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";
import { sample } from "../lib/sample/mod.ts";
import {
  type AccuracyChange,
  backwardTransfer,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type Evaluation,
  forgetting,
  type GroupAccuracy,
} from "../lib/eval/mod.ts";
import { fineTune } from "../lib/train/mod.ts";
import { createSandbox, type Sandbox } from "../lib/verify/mod.ts";

const flags = cli({
  name: "demo",
  summary:
    "Runs the default generator and student on the embedded procedural tasks: the generator writes " +
    "a few tagged tasks; the student is measured per kind on held-out tasks (code runs in the " +
    "sandbox), fine-tuned on fresh tasks of its weak kinds, and measured again on the same items, " +
    "with 95% intervals for every figure and paired intervals for the changes.",
  flags: {
    steps: { kind: "number", integer: true, min: 0, default: 100, help: "fine-tuning steps" },
    eval: {
      kind: "number",
      integer: true,
      min: 1,
      default: 50,
      help: "held-out tasks per kind",
      value: "N",
    },
    difficulty: {
      kind: "number",
      integer: true,
      min: 1,
      max: 5,
      default: 2,
      help: "difficulty of the held-out and fine-tuning tasks",
    },
    batch: { kind: "number", integer: true, min: 1, default: 16, help: "fine-tuning batch size" },
    lr: {
      kind: "number",
      min: 0,
      max: 1,
      default: 3e-4,
      help: "peak learning rate (cosine, 10% warm-up)",
    },
    weak: {
      kind: "number",
      min: 0,
      max: 1,
      default: 0.5,
      help: "a kind is weak (and fine-tuned on) below this accuracy",
    },
    replay: {
      kind: "number",
      min: 0,
      max: 0.9,
      default: 0,
      help: "share of fine-tuning tasks drawn from the other kinds",
    },
    seed: {
      kind: "number",
      integer: true,
      min: 0,
      default: 0,
      help: "seed of tasks, sampling and shuffling",
    },
    threads: THREADS_FLAG,
    models: {
      kind: "string",
      default: DEFAULT_MODEL_DIR,
      help: "folder with generator/ and student/",
      value: "DIR",
    },
    json: { kind: "boolean", help: "print one JSON object with every figure instead of tables" },
  },
  examples: [
    "deno task demo",
    "deno task demo --eval 100 --steps 200 --replay 0.3 --seed 1 --json > demo.json",
  ],
});

const FAMILIES = Object.keys(TASK_KINDS) as TaskFamily[];
const KINDS = FAMILIES.flatMap((family) => TASK_KINDS[family].map((kind) => ({ family, kind })));
type Kind = (typeof KINDS)[number];

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const cell = (g: GroupAccuracy) =>
  `${pct(g.accuracy.estimate)} [${pct(g.accuracy.low)}, ${pct(g.accuracy.high)}]`;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(0)}`;
const change = (c: AccuracyChange) =>
  `${cell(c.before)} → ${cell(c.after)}  Δ ${signed(c.delta.estimate)} [${signed(c.delta.low)}, ${
    signed(c.delta.high)
  }] pts`;
const figures = (g: GroupAccuracy) => ({
  correct: g.correct,
  total: g.total,
  accuracy: g.accuracy.estimate,
  low: g.accuracy.low,
  high: g.accuracy.high,
});
const changeFigures = (c: AccuracyChange) => ({
  before: figures(c.before),
  after: figures(c.after),
  delta: c.delta.estimate,
  deltaLow: c.delta.low,
  deltaHigh: c.delta.high,
});

async function measure(
  model: LanguageModel,
  items: TaskRecord[],
  label: string,
  sandbox: Sandbox,
): Promise<Evaluation> {
  const bar = progress(label, items.length);
  const r = await evaluate(model, items, {
    sandbox,
    groupBy: "meta.kind",
    onProgress: (done) => bar.update(done),
  });
  bar.finish(`${pct(r.overall.accuracy.estimate)} overall`);
  return r;
}

await runMain(async () => {
  const t0 = performance.now();
  const say = flags.json ? () => {} : (s: string) => console.log(s);
  const dir = flags.models.replace(/\/$/, "");
  for (const m of ["generator", "student"]) {
    if (!(await Deno.stat(`${dir}/${m}/model.safetensors`).then(() => true, () => false))) {
      usageExit(
        `'--models': ${dir}/${m}/model.safetensors not found; build the default models with: deno task pretrain --out ${dir}`,
      );
    }
  }
  const rt = createRuntime({ threads: flags.threads });
  const generator = await loadModel(`${dir}/generator`, rt);
  const student = await loadModel(`${dir}/student`, rt);
  const sandbox = await createSandbox({ concurrency: 2, timeoutMs: 5000, memoryMb: 256 });

  say("1. The generator writes tasks:");
  const written = await sample(generator, ["<question>"], {
    samplesPerPrompt: 3,
    maxNewTokens: 120,
    temperature: 0.8,
    seed: flags.seed,
    stop: ["</answer>"],
    keepStop: true,
  });
  const generated = written.map((s) => `<question>${s.text}${s.finish === "stop" ? "" : " …"}`);
  for (const text of generated) say(text.split("\n").map((l) => `   ${l}`).join("\n"));

  const evalSet = tasksPerKind(
    KINDS.map((k) => k.kind),
    flags.eval,
    flags.difficulty,
    900_000 + flags.seed * 100,
  );
  say(
    `\n2. Student accuracy on ${evalSet.length} held-out tasks (${flags.eval} per kind, difficulty ${flags.difficulty}; greedy, exact check, code in the sandbox; 95% Wilson intervals):`,
  );
  const before = await measure(student, evalSet, "eval before", sandbox);
  const acc = (e: Evaluation, kind: string) => e.groups.find((g) => g.group === kind)!;
  for (const f of FAMILIES) {
    say(`   ${f}`);
    for (const k of TASK_KINDS[f]) say(`     ${k.padEnd(12)} ${cell(acc(before, k))}`);
  }

  // Fresh tasks of the weakest kinds, each seen once: the loss is on unseen tasks, and the
  // held-out items show what generalises and what the other kinds lose.
  const weak = KINDS.filter((k) => acc(before, k.kind).accuracy.estimate < flags.weak);
  const trainKinds = weak.length ? weak : KINDS;
  const others = KINDS.filter((k) => !trainKinds.includes(k));
  const total = flags.steps * flags.batch;
  const replayCount = others.length ? Math.round(total * flags.replay) : 0;
  const perKind = Math.ceil((total - replayCount) / trainKinds.length);
  const perOther = others.length ? Math.ceil(replayCount / others.length) : 0;
  const trainSet = [
    ...tasksPerKind(
      trainKinds.map((k) => k.kind),
      perKind,
      flags.difficulty,
      700_000 + flags.seed * 100,
    ),
    ...(perOther
      ? tasksPerKind(
        others.map((k) => k.kind),
        perOther,
        flags.difficulty,
        800_000 + flags.seed * 100,
      )
      : []),
  ];
  say(
    `\n3. Fine-tuning the student for ${flags.steps} steps (batch ${flags.batch}, cosine lr ${flags.lr}) on ${trainSet.length} fresh tasks of its weak kinds (${
      weak.map((w) => w.kind).join(", ") || `none below ${pct(flags.weak)}: all kinds`
    })${
      perOther ? ` and ${perOther * others.length} of the others (replay)` : ""
    }, loss on the completion only:`,
  );
  const bar = progress("fine-tune", flags.steps);
  const log: string[] = [];
  const { losses } = flags.steps === 0 ? { losses: [] } : await fineTune(
    student,
    trainSet.map(renderStudent),
    {
      steps: flags.steps,
      batchSize: flags.batch,
      seed: flags.seed,
      schedule: { kind: "cosine", peak: flags.lr, warmupSteps: Math.ceil(flags.steps / 10) },
      onStep: ({ step, loss }) => {
        bar.update(step, `loss ${loss.toFixed(4)}`);
        if (step === 1 || step % Math.max(1, Math.floor(flags.steps / 6)) === 0) {
          log.push(`   step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
        }
      },
    },
  );
  bar.finish();
  say(log.join("\n"));

  const after = await measure(student, evalSet, "eval after", sandbox);
  const perGroup = compareByGroup(before, after, { seed: flags.seed });
  const tuned = compareAccuracy(before, after, {
    groups: trainKinds.map((k) => k.kind),
    name: "fine-tuned kinds",
    seed: flags.seed,
  });
  const kept = others.length
    ? compareAccuracy(before, after, {
      groups: others.map((k) => k.kind),
      name: "other kinds",
      seed: flags.seed + 1,
    })
    : null;
  // Stage 0 is the pretrained student, stage 1 the fine-tuned one; the other kinds were learned
  // in pretraining, the fine-tuned kinds at stage 1 (so backward transfer leaves them out).
  const matrix = [before, after].map((e) => KINDS.map((k) => acc(e, k.kind).accuracy.estimate));
  const forgot = forgetting(matrix);
  const otherIdx = KINDS.map((k, j) => (others.includes(k) ? j : -1)).filter((j) => j >= 0);
  const bwt = backwardTransfer(matrix, {
    learnedAt: KINDS.map((k) => (others.includes(k) ? 0 : 1)),
  });
  const forgettingOthers = otherIdx.length
    ? otherIdx.reduce((s, j) => s + forgot.perSet[j], 0) / otherIdx.length
    : NaN;
  const seconds = (performance.now() - t0) / 1000;

  if (flags.json) {
    console.log(JSON.stringify({
      seed: flags.seed,
      difficulty: flags.difficulty,
      evalPerKind: flags.eval,
      steps: flags.steps,
      batch: flags.batch,
      lr: flags.lr,
      replay: flags.replay,
      generated,
      fineTunedKinds: trainKinds.map((k) => k.kind),
      kinds: Object.fromEntries(
        perGroup.map((
          c,
        ) => [c.group, {
          family: KINDS.find((k) => k.kind === c.group)!.family,
          ...changeFigures(c),
        }]),
      ),
      fineTuned: changeFigures(tuned),
      others: kept ? changeFigures(kept) : null,
      overall: changeFigures(compareAccuracy(before, after, { name: "all", seed: flags.seed + 2 })),
      forgetting: {
        perKind: Object.fromEntries(KINDS.map((k, j) => [k.kind, forgot.perSet[j]])),
        otherKinds: forgettingOthers,
        backwardTransfer: bwt,
      },
      losses,
      seconds,
    }));
    return;
  }
  say(
    "\n4. Student accuracy per kind, before → after fine-tuning (Δ: paired bootstrap 95% interval):",
  );
  for (const f of FAMILIES) {
    say(`   ${f}`);
    for (const k of TASK_KINDS[f]) {
      const c = perGroup.find((x) => x.group === k)!;
      say(
        `     ${(trainKinds.some((t) => t.kind === k) ? "* " : "  ") + k.padEnd(12)} ${change(c)}`,
      );
    }
  }
  say(`   (* fine-tuned)\n   fine-tuned kinds  ${change(tuned)}`);
  if (kept) {
    say(`   other kinds       ${change(kept)}`);
    say(
      `   forgetting on the other kinds ${
        signed(forgettingOthers)
      } pts (mean drop), backward transfer ${signed(bwt)} pts`,
    );
  }
  say(`   (${seconds.toFixed(0)} s)`);
});
