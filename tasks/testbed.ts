/**
 * `deno task testbed`: does the student leave room to learn? Fine-tunes it on oracle data (fresh
 * gold procedural tasks) of its target kinds, with a share of replay of the other kinds, over
 * several seeds, and measures every kind before and after on held-out items: the target kinds
 * must gain at least --gain and the others lose at most --loss (means over the seeds, paired
 * bootstrap intervals over the pooled items). The work lives in lib/train (fine-tuning) and
 * lib/eval (accuracy, intervals); this file parses flags, calls them and prints.
 */

import { renderStudent, TASK_KINDS, type TaskFamily, tasksPerKind } from "../lib/data/mod.ts";
import {
  type AccuracyChange,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type Evaluation,
  type GroupAccuracy,
  type ItemResult,
  wilsonInterval,
} from "../lib/eval/mod.ts";
import { DEFAULT_MODEL_DIR, loadModel } from "../lib/model/mod.ts";
import { cli, progress, runMain, THREADS_FLAG, usageExit } from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";
import { fineTune } from "../lib/train/mod.ts";
import { createSandbox } from "../lib/verify/mod.ts";

const flags = cli({
  name: "testbed",
  summary:
    `Checks that a student has room to learn: for each seed, measures it per kind on held-out tasks
(greedy, checked by the verifiers, code in the sandbox), fine-tunes a fresh copy on oracle data
(fresh gold procedural tasks) of its target kinds plus a share of replay of the other kinds,
and measures again on the same items. The target kinds are --kinds, else the student's held-out
kinds (recipe.json corpus.holdOut, see deno task pretrain --hold-out), else (or with
--pick-weak) the kinds below --weak on the first seed's items. Reports per kind and for the target and other kinds the mean over the seeds, before ->
after, with paired bootstrap 95% intervals over the pooled items, and whether the target kinds
gain at least --gain while the others lose at most --loss.`,
  flags: {
    student: {
      kind: "string",
      default: `${DEFAULT_MODEL_DIR}student`,
      help: "the student's model folder",
      value: "DIR",
    },
    kinds: { kind: "string", help: "comma-separated target kinds", value: "KINDS" },
    seeds: { kind: "number", integer: true, min: 1, default: 3, help: "seeds 0..N-1" },
    eval: { kind: "number", integer: true, min: 1, default: 50, help: "held-out tasks per kind" },
    difficulty: {
      kind: "number",
      integer: true,
      min: 1,
      max: 5,
      default: 2,
      help: "difficulty of the held-out and fine-tuning tasks",
    },
    steps: { kind: "number", integer: true, min: 1, default: 200, help: "fine-tuning steps" },
    batch: { kind: "number", integer: true, min: 1, default: 16, help: "fine-tuning batch size" },
    lr: {
      kind: "number",
      min: 0,
      max: 1,
      default: 3e-4,
      help: "peak learning rate (cosine to 10%, 10% warm-up)",
    },
    replay: {
      kind: "number",
      min: 0,
      max: 0.9,
      default: 0.3,
      help: "share of fine-tuning tasks drawn from the other kinds",
    },
    weak: {
      kind: "number",
      min: 0,
      max: 1,
      default: 0.5,
      help: "without --kinds or held-out kinds: target the kinds below this accuracy",
    },
    "pick-weak": {
      kind: "boolean",
      help: "target the kinds below --weak even when the recipe names held-out kinds",
    },
    gain: { kind: "number", min: 0, max: 1, default: 0.15, help: "least gain of the target kinds" },
    loss: { kind: "number", min: 0, max: 1, default: 0.05, help: "most loss of the other kinds" },
    threads: THREADS_FLAG,
    json: { kind: "boolean", help: "print one JSON object with every figure instead of tables" },
  },
  examples: [
    "deno task testbed --student runs/testbed-student",
    "deno task testbed --kinds mul,sum-odd --seeds 1 --eval 20 --steps 50 --json > testbed.json",
  ],
});

const FAMILIES = Object.keys(TASK_KINDS) as TaskFamily[];
const KINDS = FAMILIES.flatMap((family) => TASK_KINDS[family].map((kind) => ({ family, kind })));
type Kind = (typeof KINDS)[number];

/** The target kinds the flags or the student's recipe name; undefined: pick the weak ones. */
async function namedTargets(dir: string): Promise<string[] | undefined> {
  const parse = (s: string) => s.split(",").map((k) => k.trim()).filter((k) => k !== "");
  if (flags.kinds !== undefined) {
    const kinds = parse(flags.kinds);
    const unknown = kinds.filter((k) => !KINDS.some((x) => x.kind === k));
    if (kinds.length === 0 || unknown.length) {
      usageExit(
        `'--kinds' must list kinds from ${
          KINDS.map((k) => k.kind).join(", ")
        }: current value is '${flags.kinds}'`,
      );
    }
    return kinds;
  }
  if (flags["pick-weak"]) return undefined;
  const recipe = await Deno.readTextFile(`${dir}/recipe.json`).then(JSON.parse, () => undefined);
  const held = recipe?.corpus?.holdOut;
  return Array.isArray(held) && held.length ? held.map(String) : undefined;
}

/** Evaluations of several seeds as one, item ids prefixed by the seed (items stay paired). */
function pooled(evaluations: readonly Evaluation[]): Evaluation {
  const items: ItemResult[] = evaluations.flatMap((e, s) =>
    e.items.map((it) => ({ ...it, id: `${s}:${it.id}` }))
  );
  const count = (group: string, of: readonly ItemResult[]): GroupAccuracy => {
    const correct = of.filter((it) => it.correct).length;
    return { group, correct, total: of.length, accuracy: wilsonInterval(correct, of.length) };
  };
  const names = [...new Set(items.map((it) => it.group))];
  return {
    items,
    groups: names.map((g) => count(g, items.filter((it) => it.group === g))),
    overall: count("all", items),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
const change = (c: AccuracyChange) =>
  `${pct(c.before.accuracy.estimate).padStart(4)} → ${pct(c.after.accuracy.estimate).padStart(4)}` +
  `  Δ ${signed(c.delta.estimate)} [${signed(c.delta.low)}, ${signed(c.delta.high)}] pts`;
const figures = (c: AccuracyChange) => ({
  before: c.before.accuracy.estimate,
  after: c.after.accuracy.estimate,
  items: c.before.total,
  delta: c.delta.estimate,
  deltaLow: c.delta.low,
  deltaHigh: c.delta.high,
});

await runMain(async () => {
  const t0 = performance.now();
  const say = flags.json ? () => {} : (s: string) => console.log(s);
  const dir = flags.student.replace(/\/$/, "");
  if (!(await Deno.stat(`${dir}/model.safetensors`).then(() => true, () => false))) {
    usageExit(`'--student': ${dir}/model.safetensors not found`);
  }
  const named = await namedTargets(dir);
  const rt = createRuntime({ threads: flags.threads });
  const sandbox = await createSandbox({ concurrency: 2, timeoutMs: 5000, memoryMb: 256 });
  const befores: Evaluation[] = [], afters: Evaluation[] = [];
  const perSeed: { seed: number; targets: string[]; losses: number[]; seconds: number }[] = [];
  let targets: Kind[] = [];
  for (let seed = 0; seed < flags.seeds; seed++) {
    const t = performance.now();
    const student = await loadModel(dir, rt);
    const evalSet = tasksPerKind(
      KINDS.map((k) => k.kind),
      flags.eval,
      flags.difficulty,
      900_000 + seed * 100,
    );
    const before = await evaluate(student, evalSet, { sandbox, groupBy: "meta.kind" });
    const acc = (kind: string) => before.groups.find((g) => g.group === kind)!.accuracy.estimate;
    // The weak kinds are chosen on the first seed's items and kept, so every seed pools alike.
    if (seed === 0) {
      targets = named
        ? KINDS.filter((k) => named.includes(k.kind))
        : KINDS.filter((k) => acc(k.kind) < flags.weak);
      if (targets.length === 0) targets = [...KINDS];
    }
    const others = KINDS.filter((k) => !targets.includes(k));
    const total = flags.steps * flags.batch;
    const replayCount = others.length ? Math.round(total * flags.replay) : 0;
    const perKind = Math.ceil((total - replayCount) / targets.length);
    const perOther = others.length ? Math.ceil(replayCount / others.length) : 0;
    const trainSet = [
      ...tasksPerKind(targets.map((k) => k.kind), perKind, flags.difficulty, 700_000 + seed * 100),
      ...(perOther
        ? tasksPerKind(others.map((k) => k.kind), perOther, flags.difficulty, 800_000 + seed * 100)
        : []),
    ];
    const bar = flags.json ? undefined : progress(`seed ${seed} fine-tune`, flags.steps);
    const { losses } = await fineTune(student, trainSet.map(renderStudent), {
      steps: flags.steps,
      batchSize: flags.batch,
      seed,
      schedule: {
        kind: "cosine",
        peak: flags.lr,
        minRatio: 0.1,
        warmupSteps: Math.ceil(flags.steps / 10),
      },
      onStep: ({ step, loss }) => bar?.update(step, `loss ${loss.toFixed(4)}`),
    });
    bar?.finish();
    const after = await evaluate(student, evalSet, { sandbox, groupBy: "meta.kind" });
    befores.push(before);
    afters.push(after);
    const seconds = (performance.now() - t) / 1000;
    perSeed.push({ seed, targets: targets.map((k) => k.kind), losses, seconds });
    const c = (groups: Kind[]) =>
      change(compareAccuracy(before, after, { groups: groups.map((k) => k.kind), seed }));
    say(`seed ${seed} (${seconds.toFixed(0)} s): target kinds ${c(targets)}`);
    if (others.length) say(`        other kinds  ${c(others)}`);
  }
  const others = KINDS.filter((k) => !targets.includes(k));
  const before = pooled(befores), after = pooled(afters);
  const perKind = compareByGroup(before, after, { seed: 1 });
  const target = compareAccuracy(before, after, {
    groups: targets.map((k) => k.kind),
    name: "target kinds",
    seed: 2,
  });
  const kept = others.length
    ? compareAccuracy(before, after, {
      groups: others.map((k) => k.kind),
      name: "other kinds",
      seed: 3,
    })
    : null;
  const met = target.delta.estimate >= flags.gain &&
    (kept === null || kept.delta.estimate >= -flags.loss);
  const seconds = (performance.now() - t0) / 1000;
  const recipe = {
    steps: flags.steps,
    batch: flags.batch,
    lr: flags.lr,
    replay: flags.replay,
    difficulty: flags.difficulty,
    evalPerKind: flags.eval,
    seeds: flags.seeds,
  };
  if (flags.json) {
    console.log(JSON.stringify({
      student: dir,
      ...recipe,
      targets: targets.map((k) => k.kind),
      kinds: Object.fromEntries(perKind.map((c) => [c.group, figures(c)])),
      target: figures(target),
      others: kept ? figures(kept) : null,
      criterion: { gain: flags.gain, loss: flags.loss, met },
      perSeed,
      seconds,
    }));
    return;
  }
  say(
    `\nPer kind, mean of ${flags.seeds} seeds (${flags.eval} items per kind per seed, difficulty ${flags.difficulty}; ` +
      `${flags.steps} steps × ${flags.batch}, lr ${flags.lr}, replay ${flags.replay}; Δ: paired bootstrap 95%):`,
  );
  for (const f of FAMILIES) {
    say(`  ${f}`);
    for (const k of TASK_KINDS[f]) {
      const c = perKind.find((x) => x.group === k)!;
      say(`    ${(targets.some((t) => t.kind === k) ? "* " : "  ") + k.padEnd(12)} ${change(c)}`);
    }
  }
  say(`  (* target)\n  target kinds   ${change(target)}`);
  if (kept) say(`  other kinds    ${change(kept)}`);
  say(
    `\nCriterion (target kinds gain ≥ ${signed(flags.gain)} pts, others lose ≤ ${
      (100 * flags.loss).toFixed(1)
    } pts): ${met ? "met" : "NOT met"} (${seconds.toFixed(0)} s)`,
  );
});
