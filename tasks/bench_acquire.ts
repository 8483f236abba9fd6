/**
 * The acquisition benchmark, on the default student and generator.
 *
 * Per function: candidates per second of `score()` on 48 generated candidates, as a ratio to the
 * student-side primitive it is made of (a scoring pass, gradient norms, sampling with the same
 * settings, embedding), run alone on the same candidates in the same run (goal >= 0.8: the
 * function adds at most a quarter to what it cannot avoid). The primitive of each function is
 * named in {@link PRIMITIVES}; a function not named there falls back by its needs (an embedder:
 * embedding the questions; else a scoring pass).
 *
 * Reward against generation: the time to score the 48 candidates with each of the five reference
 * rewards against the time the generator takes to write them (goal <= 1 for four, <= 3 for
 * answer variance), so a reward never dominates an RL step. Every timed call follows an untimed
 * call on a few candidates, so compiling programs and per-run caches (seed embeddings, centroids,
 * the validation gradient) are paid before timing, as they are once per run in training. The
 * two sides are timed in alternating rounds (at least five), each keeping its fastest.
 *
 * Run alone with `deno run -A tasks/bench_acquire.ts`, or as the `acquire` section of
 * `deno task bench`.
 */

import {
  ACQUISITION_FUNCTIONS,
  type AcquisitionFunction,
  type Candidate,
  createAcquireContext,
  missingNeeds,
  sampleCandidates,
  STUDENT_STOP,
  studentPrompt,
} from "../lib/acquire/mod.ts";
import { generateTasks, TASK_KINDS, type TaskRecord } from "../lib/data/mod.ts";
import {
  DEFAULT_MODEL_DIR,
  embedSequences,
  gradientNorms,
  gradientSketches,
  type LanguageModel,
  loadModel,
  scoreDistributions,
  scoreTokens,
} from "../lib/model/mod.ts";
import { cli, runMain, THREADS_FLAG } from "../lib/run/mod.ts";
import { createRuntime, type Runtime } from "../lib/runtime/mod.ts";
import { sample } from "../lib/sample/mod.ts";
import { encodeCompletion } from "../lib/train/mod.ts";

/** One student-side primitive, run on the parsed candidates' records. */
export type PrimitiveStep =
  /** A scoring pass (log-probs, entropies, margins) over prompt + gold completion, `times` models. */
  | { readonly kind: "score"; readonly times?: number }
  /** Full next-token distributions over the gold completion, once per committee member. */
  | { readonly kind: "distributions"; readonly times: number }
  /** Per-example gradient norms of the gold completion's loss. */
  | { readonly kind: "gradient" }
  /**
   * Per-example gradients of the gold completion's loss, CountSketch-projected to `dim` values
   * inside the gradient program (as influence projects them).
   */
  | { readonly kind: "gradient-sketches"; readonly dim: number }
  /** Mean-pooled student hidden states of the questions. */
  | { readonly kind: "embed" }
  /**
   * The student answers each question `n` times (its stop strings, temperature 1), returning its
   * hidden states with `hidden` and its distributions' entropies and margins with `stats`; then
   * `then` runs on the answers: a scoring pass, gradient norms, or embedding the answer texts.
   */
  | {
    readonly kind: "sample";
    readonly n: number;
    readonly maxNewTokens: number;
    readonly hidden?: boolean;
    readonly stats?: boolean;
    readonly then?: "score" | "gradient" | "embed";
  };

/**
 * What each function is made of, by name, with its default settings. A function not listed
 * falls back by its needs (see {@link primitiveOf}).
 */
export const PRIMITIVES: Readonly<Record<string, readonly PrimitiveStep[]>> = Object.freeze({
  confidence: [{ kind: "sample", n: 1, maxNewTokens: 64, stats: true }],
  "least-confidence": [{ kind: "sample", n: 1, maxNewTokens: 64, stats: true }],
  "mean-entropy": [{ kind: "sample", n: 1, maxNewTokens: 64, stats: true }],
  "predictive-entropy": [{ kind: "sample", n: 8, maxNewTokens: 64, then: "score" }],
  "confidence-forced": [{ kind: "score" }],
  "reference-loss": [{ kind: "score" }],
  "rho-loss": [{ kind: "score", times: 2 }],
  bald: [{ kind: "distributions", times: 2 }],
  egl: [{ kind: "sample", n: 4, maxNewTokens: 64, then: "gradient" }],
  "gradient-magnitude": [{ kind: "gradient" }],
  "gradient-magnitude-normalised": [{ kind: "gradient" }],
  influence: [{ kind: "gradient-sketches", dim: 2048 }],
  proximity: [{ kind: "embed" }],
  diversity: [{ kind: "embed" }],
  "diversity-facility": [{ kind: "embed" }],
  coreset: [{ kind: "embed" }],
  "answer-variance": [{ kind: "sample", n: 16, maxNewTokens: 64, hidden: true }],
  "answer-variance-exact": [{ kind: "sample", n: 16, maxNewTokens: 64 }],
  "answer-entropy": [{ kind: "sample", n: 16, maxNewTokens: 64 }],
});

/**
 * Rounds of writing and scoring behind each reward/generation ratio (each side its fastest): the
 * shared cores swing by a tenth from one second to the next, and five rounds find each side's
 * quiet moment more often than three.
 */
const REWARD_ROUNDS = 5;

/** The five rewards of the reference work, timed against the generator. */
export const REFERENCE_REWARDS = [
  "confidence",
  "proximity",
  "diversity",
  "gradient-magnitude",
  "answer-variance",
] as const;

/** The primitive of `fn`: its {@link PRIMITIVES} entry, else by needs. */
export function primitiveOf(fn: AcquisitionFunction): readonly PrimitiveStep[] {
  if (Object.hasOwn(PRIMITIVES, fn.name)) return PRIMITIVES[fn.name];
  return fn.needs.includes("embedder") ? [{ kind: "embed" }] : [{ kind: "score" }];
}

function describe(steps: readonly PrimitiveStep[]): string {
  return steps.map((s) => {
    switch (s.kind) {
      case "sample":
        return `sample ×${s.n}${s.hidden ? " with hidden states" : ""}${
          s.stats ? " with distribution stats" : ""
        }${s.then ? ` + ${s.then}` : ""}`;
      case "score":
        return s.times && s.times > 1 ? `score ×${s.times}` : "score";
      case "distributions":
        return `distributions ×${s.times}`;
      default:
        return s.kind;
    }
  }).join(" + ");
}

/** Runs one primitive step on `records` with `model` (the student). */
async function runStep(
  model: LanguageModel,
  records: readonly TaskRecord[],
  step: PrimitiveStep,
  seed: number,
): Promise<void> {
  const tok = model.tokenizer!;
  const gold = () =>
    records.map((r) => {
      const p = studentPrompt(r);
      return encodeCompletion(tok, p.prompt, p.completion);
    });
  const gradExamples = () =>
    gold().map((e) => {
      const total = e.weights.reduce((a, b) => a + b, 0);
      return { tokens: e.tokens, weights: e.weights.map((w) => w / total) };
    });
  switch (step.kind) {
    case "score":
      for (let k = 0; k < (step.times ?? 1); k++) {
        await scoreTokens(
          model,
          gold().map((e) => e.tokens),
        );
      }
      return;
    case "distributions": {
      const enc = gold();
      for (let k = 0; k < step.times; k++) {
        await scoreDistributions(model, enc.map((e) => e.tokens), {
          from: enc.map((e) => e.promptTokens - 1),
        });
      }
      return;
    }
    case "gradient":
      await gradientNorms(model, gradExamples());
      return;
    case "gradient-sketches": {
      // Buckets and signs from an integer hash, built here: a few ms (under 1% of the step) that
      // influence does not spend (it draws its sketch once per context), counted against the
      // primitive, which raises influence's ratio by at most that much.
      const n = [...model.store.values()].reduce((a, t) => a + t.data.length, 0);
      const bucket = new Int32Array(n), sign = new Int8Array(n);
      for (let i = 0; i < n; i++) {
        const h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
        bucket[i] = h % step.dim;
        sign[i] = h & 0x80000000 ? -1 : 1;
      }
      await gradientSketches(model, gradExamples(), { dim: step.dim, bucket, sign });
      return;
    }
    case "embed":
      await embedSequences(model, records.map((r) => tok.encode(r.question, { addBos: true })));
      return;
    case "sample": {
      const prompts = records.map((r) => studentPrompt(r).prompt);
      const out = await sample(model, prompts, {
        samplesPerPrompt: step.n,
        temperature: 1,
        maxNewTokens: step.maxNewTokens,
        stop: [...STUDENT_STOP],
        seed,
        hiddenStates: step.hidden ?? false,
        distributionStats: step.stats ?? false,
      });
      const promptIds = prompts.map((p) => tok.encode(p, { addBos: true }));
      const seqs = out.map((s) => [...promptIds[s.prompt], ...s.tokens]).filter((s) =>
        s.length > 1
      );
      if (step.then === "score") await scoreTokens(model, seqs);
      if (step.then === "gradient") {
        await gradientNorms(
          model,
          out.filter((s) => s.tokens.length > 0).map((s) => {
            const p = promptIds[s.prompt];
            const n = p.length + s.tokens.length - 1;
            return {
              tokens: [...p, ...s.tokens],
              weights: Array.from(
                { length: n },
                (_, t) => (t >= p.length - 1 ? 1 / s.tokens.length : 0),
              ),
            };
          }),
        );
      }
      if (step.then === "embed") {
        await embedSequences(model, out.map((s) => tok.encode(s.text, { addBos: true })));
      }
      return;
    }
  }
}

async function seconds(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

/** One function's figures. */
export interface FunctionFigures {
  readonly name: string;
  readonly primitive: string;
  /** Candidates per second of the function and of its primitive alone. */
  readonly candidatesPerSecond: number;
  readonly primitivePerSecond: number;
  /** candidatesPerSecond / primitivePerSecond (goal >= 0.8). */
  readonly ratio: number;
}

/** Figures of {@link benchAcquire}. */
export interface AcquireFigures {
  readonly candidates: number;
  readonly parsed: number;
  /** Seconds the generator took to write the candidates. */
  readonly generateSeconds: number;
  readonly functions: FunctionFigures[];
  /** Functions the bench context cannot serve (a sandbox), with what they need. */
  readonly skipped: { readonly name: string; readonly needs: string[] }[];
  /** Each reference reward's scoring time over the generator's (goal <= 1; answer variance <= 3). */
  readonly rewardOverGeneration: Record<string, number>;
}

/** The bench's context: procedural seeds, a validation set of weak kinds, a second student. */
async function benchContext(student: LanguageModel, rt: Runtime, dir: string) {
  const twin = await loadModel(`${dir}/student`, rt);
  const seeds = (Object.keys(TASK_KINDS) as (keyof typeof TASK_KINDS)[]).flatMap((family, i) =>
    generateTasks({ family, count: 32, seed: 800_001 + i })
  );
  const validation = ["add", "sub", "multi-step"].flatMap((kind, i) =>
    generateTasks({
      family: "arithmetic",
      kinds: [kind],
      count: 12,
      difficulty: 2,
      seed: 900_001 + i,
    })
  );
  return createAcquireContext(student, seeds, {
    seed: 1,
    validation,
    committee: [student, twin],
    reference: twin,
  });
}

/** Runs the acquisition benchmark on `count` generated candidates. */
export async function benchAcquire(
  rt: Runtime,
  options: {
    count?: number;
    models?: string;
    reps?: number;
    onLine?: (line: string) => void;
  } = {},
): Promise<AcquireFigures> {
  const { count = 48, models = DEFAULT_MODEL_DIR, reps = 2, onLine } = options;
  const dir = models.replace(/\/$/, "");
  const [generator, student] = await Promise.all([
    loadModel(`${dir}/generator`, rt),
    loadModel(`${dir}/student`, rt),
  ]);
  await sampleCandidates(generator, { count: 4, seed: 99 }); // compile the decoder
  let candidates: Candidate[] = [];
  let generateSeconds = Infinity;
  for (let r = 0; r < reps; r++) {
    generateSeconds = Math.min(
      generateSeconds,
      await seconds(async () => {
        candidates = await sampleCandidates(generator, { count, seed: 1 });
      }),
    );
  }
  const records = candidates.flatMap((c) => (c.record ? [c.record] : []));
  const warm = candidates.filter((c) => c.record).slice(0, 4);
  const context = await benchContext(student, rt, dir);
  const functions: FunctionFigures[] = [];
  const skipped: AcquireFigures["skipped"] = [];
  const timeOf: Record<string, number> = {};
  for (const fn of Object.values(ACQUISITION_FUNCTIONS)) {
    const missing = missingNeeds(fn, context);
    if (missing.length) {
      skipped.push({ name: fn.name, needs: missing });
      continue;
    }
    const steps = primitiveOf(fn);
    const prim = async (rs: readonly TaskRecord[]) => {
      for (const s of steps) await runStep(student, rs, s, 7);
    };
    await prim(records.slice(0, 4));
    await fn.score(warm, context);
    // Alternate the two and keep each one's fastest run: the cores are shared, and the fastest
    // run is the one least disturbed.
    let primitiveSeconds = Infinity, fnSeconds = Infinity;
    for (let r = 0; r < reps; r++) {
      primitiveSeconds = Math.min(primitiveSeconds, await seconds(() => prim(records)));
      fnSeconds = Math.min(fnSeconds, await seconds(() => fn.score(candidates, context)));
    }
    timeOf[fn.name] = fnSeconds;
    const f: FunctionFigures = {
      name: fn.name,
      primitive: describe(steps),
      candidatesPerSecond: candidates.length / fnSeconds,
      primitivePerSecond: candidates.length / primitiveSeconds,
      ratio: primitiveSeconds / fnSeconds,
    };
    functions.push(f);
    onLine?.(formatFunction(f));
  }
  // Reward time against generation time, measured side by side: each round writes the
  // candidates again and scores them with every reference reward, and each keeps its fastest
  // round, so that a slow spell of the shared cores never lands on one side of the ratio only.
  const rewardOverGeneration: Record<string, number> = {};
  const present = REFERENCE_REWARDS.filter((name) => name in timeOf);
  const best: Record<string, number> = Object.fromEntries(present.map((n) => [n, Infinity]));
  for (let r = 0; r < Math.max(reps, REWARD_ROUNDS); r++) {
    generateSeconds = Math.min(
      generateSeconds,
      await seconds(async () => {
        candidates = await sampleCandidates(generator, { count, seed: 1 });
      }),
    );
    for (const name of present) {
      const fn = ACQUISITION_FUNCTIONS[name];
      best[name] = Math.min(best[name], await seconds(() => fn.score(candidates, context)));
    }
  }
  for (const name of present) rewardOverGeneration[name] = best[name] / generateSeconds;
  return {
    candidates: candidates.length,
    parsed: records.length,
    generateSeconds,
    functions,
    skipped,
    rewardOverGeneration,
  };
}

function formatFunction(f: FunctionFigures): string {
  return `acquire ${f.name.padEnd(30)} ${f.candidatesPerSecond.toFixed(1).padStart(7)} cand/s  ` +
    `primitive (${f.primitive}) ${f.primitivePerSecond.toFixed(1)} cand/s  ratio ${
      f.ratio.toFixed(2)
    }`;
}

/** The summary lines of the figures (after the per-function lines). */
export function formatAcquire(a: AcquireFigures): string[] {
  const lines = [
    `acquire: ${a.candidates} generated candidates (${a.parsed} parse), written in ${
      a.generateSeconds.toFixed(2)
    } s`,
  ];
  for (const name of REFERENCE_REWARDS) {
    const r = a.rewardOverGeneration[name];
    const goal = name === "answer-variance" ? 3 : 1;
    lines.push(
      r === undefined
        ? `acquire reward/generation ${name.padEnd(20)} not in the table`
        : `acquire reward/generation ${name.padEnd(20)} ${r.toFixed(2)} (goal <= ${goal})`,
    );
  }
  for (const s of a.skipped) lines.push(`acquire ${s.name}: skipped (needs ${s.needs.join(", ")})`);
  return lines;
}

if (import.meta.main) {
  const flags = cli({
    name: "bench-acquire",
    summary:
      "Candidates/s of every acquisition function against its primitive, and the five reference rewards' scoring time against the generator's writing time.",
    flags: {
      count: { kind: "number", integer: true, min: 4, default: 48, help: "generated candidates" },
      reps: { kind: "number", integer: true, min: 1, default: 2, help: "timed runs of each" },
      threads: THREADS_FLAG,
    },
    examples: ["deno run -A tasks/bench_acquire.ts --count 48"],
  });
  await runMain(async () => {
    const a = await benchAcquire(createRuntime({ threads: flags.threads }), {
      count: flags.count,
      reps: flags.reps,
      onLine: console.log,
    });
    for (const line of formatAcquire(a)) console.log(line);
  });
}
