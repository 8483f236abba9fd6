/**
 * `deno task grpo`: trains the generator with GRPO (Dr. GRPO, DAPO) against a reward made of
 * acquisition functions scored on the default student and/or the verifiable `kind-correct`
 * reward, from prompts built from procedural seed tasks. Writes checkpoints, `metrics.jsonl`
 * and, at the end, the trained generator into the output folder; rerunning the same command
 * resumes an interrupted run.
 */

import {
  ACQUISITION_FUNCTIONS,
  createAcquireContext,
  hashedNgramEmbedder,
} from "../lib/acquire/mod.ts";
import { generateTasks, TASK_KINDS, type TaskFamily } from "../lib/data/mod.ts";
import { DEFAULT_MODEL_DIR, loadModel, saveModel } from "../lib/model/mod.ts";
import type { GateName, RewardConfig } from "../lib/reward/mod.ts";
import { GATE_NAMES } from "../lib/reward/mod.ts";
import { kindCorrectReward, trainGenerator, validateGrpoConfig } from "../lib/rl/mod.ts";
import {
  cli,
  createRng,
  listFlag,
  runMain,
  SIGNAL_EXIT_CODES,
  THREADS_FLAG,
  usageExit,
} from "../lib/run/mod.ts";
import { createRuntime } from "../lib/runtime/mod.ts";

const COMMAND = {
  name: "grpo",
  summary:
    "Trains the generator with GRPO: each step it writes --group tasks from each of --prompts " +
    "prompts, the reward shaper scores them (acquisition functions against the student, the " +
    "kind-correct reward, the format bonus, gates), and the clipped policy loss updates it. " +
    "Checkpoints, metrics.jsonl and the trained generator go to --out; the same command resumes.",
  flags: {
    out: { kind: "string", default: "runs/grpo", value: "DIR", help: "run folder" },
    config: {
      kind: "string",
      value: "FILE",
      help: "a JSON GrpoConfig (flags given on the command line override its fields)",
    },
    steps: { kind: "number", integer: true, min: 0, help: "GRPO steps [50]" },
    prompts: { kind: "number", integer: true, min: 1, help: "prompts per step, B [12]" },
    group: { kind: "number", integer: true, min: 2, help: "samples per prompt, G [4]" },
    "max-new-tokens": { kind: "number", integer: true, min: 1, help: "longest task [160]" },
    lr: { kind: "number", min: 0, help: "learning rate [1e-5]" },
    advantage: {
      kind: "string",
      choices: ["grpo", "dr-grpo", "dapo"],
      help: "advantage estimator [grpo]",
    },
    template: {
      kind: "string",
      choices: ["bare", "tags", "reference"],
      help: "generator prompt template [bare]",
    },
    "kl-coef": { kind: "number", min: 0, help: "β of the KL to the initial generator [0]" },
    functions: {
      kind: "string",
      value: "NAME=W,...",
      help: "acquisition functions and weights, scored against the student (e.g. confidence=1)",
    },
    kinds: {
      kind: "string",
      value: "K1,K2",
      help: "add the verifiable kind-correct reward (weight 1) for these procedural kinds",
    },
    gates: { kind: "string", default: "parse", value: "G1,G2", help: "reward gates" },
    "format-weight": { kind: "number", default: 1, help: "weight of the format bonus" },
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
      help: "seed tasks per family",
    },
    seed: { kind: "number", integer: true, min: 0, default: 0, help: "seed of everything" },
    models: {
      kind: "string",
      default: DEFAULT_MODEL_DIR,
      value: "DIR",
      help: "folder with generator/ and student/",
    },
    threads: THREADS_FLAG,
  },
  examples: [
    "deno task grpo --steps 40 --prompts 8 --group 4 --max-new-tokens 96 --lr 3e-5 --kinds add --out runs/grpo-add",
    "deno task grpo --functions confidence=1 --advantage dapo --steps 50",
  ],
} as const;

const flags = cli(COMMAND);

const families = listFlag("families", flags.families, Object.keys(TASK_KINDS)) as TaskFamily[];
const gates = listFlag("gates", flags.gates, GATE_NAMES) as GateName[];
const allKinds = Object.values(TASK_KINDS).flat() as string[];
const kinds = flags.kinds ? listFlag("kinds", flags.kinds, allKinds) : [];
const functions: Record<string, number> = {};
for (const item of (flags.functions ?? "").split(",").map((x) => x.trim()).filter(Boolean)) {
  const [name, w = "1"] = item.split("=");
  if (!Object.hasOwn(ACQUISITION_FUNCTIONS, name)) {
    usageExit(
      `'--functions' takes ${
        Object.keys(ACQUISITION_FUNCTIONS).join(", ")
      }: current value has '${name}'`,
    );
  }
  if (!Number.isFinite(Number(w))) {
    usageExit(`'--functions' weights must be numbers: current value has '${item}'`);
  }
  functions[name] = Number(w);
}
if (kinds.length) functions["kind-correct"] = 1;

await runMain(async () => {
  const fromFile = flags.config ? JSON.parse(await Deno.readTextFile(flags.config)) : {};
  const overrides = Object.fromEntries(
    Object.entries({
      steps: flags.steps,
      promptsPerStep: flags.prompts,
      groupSize: flags.group,
      maxNewTokens: flags["max-new-tokens"],
      lr: flags.lr,
      advantage: flags.advantage,
      template: flags.template,
      klCoef: flags["kl-coef"],
    }).filter(([, v]) => v !== undefined),
  );
  const config = validateGrpoConfig({ ...fromFile, ...overrides });
  const rt = createRuntime({ threads: flags.threads });
  const dir = flags.models.replace(/\/$/, "");
  const [generator, student] = await Promise.all([
    loadModel(`${dir}/generator`, rt),
    loadModel(`${dir}/student`, rt),
  ]);
  const reference = config.klCoef > 0 ? await loadModel(`${dir}/generator`, rt) : undefined;
  const seeds = families.flatMap((family, i) =>
    generateTasks({ family, count: flags["seed-tasks"], seed: 700_001 + 1000 * flags.seed + i })
  );
  const rewards: RewardConfig = { functions, gates, formatWeight: flags["format-weight"] };
  const acquire = createAcquireContext(student, seeds, {
    rng: createRng(flags.seed).split("acquire"),
    // The student's own embedder costs a pass per batch; hashed n-grams are free.
    embedder: hashedNgramEmbedder(),
  });
  const table = kinds.length
    ? { ...ACQUISITION_FUNCTIONS, "kind-correct": kindCorrectReward(kinds) }
    : ACQUISITION_FUNCTIONS;
  const out = flags.out.replace(/\/$/, "");
  await Deno.mkdir(out, { recursive: true });
  const result = await trainGenerator({
    generator,
    reference,
    seeds,
    rewards,
    context: { acquire, functions: table },
    config,
    dir: out,
    seed: flags.seed,
  });
  if (result.signal) {
    console.log(`stopped by ${result.signal} after step ${result.steps}; the same command resumes`);
    Deno.exit(SIGNAL_EXIT_CODES[result.signal] ?? 1);
  }
  await saveModel(generator, `${out}/generator`, { onnx: false });
  const m = result.metrics;
  if (m.length) {
    const head = m.slice(0, Math.min(5, m.length)), tail = m.slice(-Math.min(5, m.length));
    const avg = (xs: typeof m) => xs.reduce((a, x) => a + x.reward.mean, 0) / xs.length;
    console.log(
      `reward ${avg(head).toFixed(3)} (first ${head.length} steps) → ${avg(tail).toFixed(3)} ` +
        `(last ${tail.length}); generator saved to ${out}/generator, metrics in ${out}/metrics.jsonl`,
    );
  }
});
