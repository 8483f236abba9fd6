/**
 * The GRPO loop, as named steps: sample groups → score rewards → group advantages → μ policy
 * updates, with metrics appended to `metrics.jsonl`, a progress line, and checkpoints (weights,
 * optimizer state, RNG, step, fingerprint) through `lib/run`, so an interrupted run resumes
 * where it stopped and continues exactly as an uninterrupted one would.
 *
 * @module
 */

import type { CandidateDomain } from "../acquire/mod.ts";
import { solveProcedural, type TaskRecord } from "../data/mod.ts";
import { type LanguageModel, scoreTokens } from "../model/mod.ts";
import type { RewardConfig, ShapeContext } from "../reward/mod.ts";
import {
  createRng,
  type JsonValue,
  progress,
  restoreRng,
  resumeCheckpoint,
  type Rng,
  type RunFingerprint,
  runFingerprint,
  runSteps,
  sha256Hex,
} from "../run/mod.ts";
import { learningRate } from "../train/mod.ts";
import { groupAdvantages, groupIndices, meanStd } from "./advantages.ts";
import type { ResolvedGrpoConfig } from "./config.ts";
import {
  createPolicyTrainer,
  type PolicySequence,
  type PolicyTrainer,
  policyUpdate,
} from "./loss.ts";
import { type Rollout, sampleGroups, scoreRollouts } from "./rollout.ts";
import { prepareDecoder } from "../sample/mod.ts";

/** One line of `metrics.jsonl`: what one GRPO step did. */
export interface GrpoStepMetrics {
  /** 1-based step number. */
  step: number;
  lr: number;
  /** Final rewards of every rollout sampled in the step (refills included), nulls left out. */
  reward: { mean: number; std: number };
  /** Mean and std of each reward part (format, each acquisition function); null: never applied. */
  parts: Record<string, { mean: number | null; std: number | null }>;
  /** Share of groups whose rewards were all equal (no learning signal). */
  fracRewardZeroStd: number;
  /** k3 estimate of KL(policy ‖ reference) before the step's first update, or null without one. */
  kl: number | null;
  /** Mean next-token entropy over the trained completion tokens, before the first update. */
  entropy: number;
  /** Share of trained tokens whose clipped term was the smaller, averaged over the μ updates. */
  clipFraction: number;
  completionLength: { mean: number; max: number };
  /** Share of rollouts that read back as a task record. */
  parseRate: number;
  /**
   * Seconds spent sampling, scoring, training, rebuilding the sampler's decoder with the new
   * weights (`sync`, as RL trainers report their weight sync), and in the whole step;
   * `trainSession`: the part of `train` inside ONNX Runtime's runs (the rest is host work:
   * packing, summing gradients).
   */
  seconds: {
    sample: number;
    score: number;
    train: number;
    sync?: number;
    total: number;
    trainSession?: number;
  };
  /** Share of parsed candidates per procedural kind, where the question matches a template. */
  kinds?: Record<string, number>;
  /** Groups trained on (after dynamic sampling) and dynamic-sampling refills made. */
  groups?: { trained: number; sampled: number; refills: number };
}

/** What {@link trainGenerator} needs. */
export interface TrainGeneratorOptions {
  /** Trained in place (its store). */
  generator: LanguageModel;
  /** Frozen; required when `config.klCoef` > 0. */
  reference?: LanguageModel;
  /** Prompts are built from these, in a fresh seeded order each step. */
  seeds: readonly TaskRecord[];
  rewards: RewardConfig;
  /** Acquisition context, sandbox, dedup state (the groups are filled in per batch). */
  context: ShapeContext;
  /** How generated texts are read back. @default "guess" */
  domain?: CandidateDomain;
  config: ResolvedGrpoConfig;
  /** Run folder part: `checkpoints/` and `metrics.jsonl` go here. */
  dir: string;
  seed: number;
  /** Called after each step (and awaited, so a caller may measure between steps). */
  onStep?: (m: GrpoStepMetrics) => void | Promise<void>;
  /** Show a progress line on stderr. @default true */
  progress?: boolean;
  /** Signals that stop the run after the current step, with a checkpoint. @default SIGINT, SIGTERM */
  signals?: readonly Deno.Signal[];
}

/** What {@link trainGenerator} did. */
export interface TrainGeneratorResult {
  /** Steps done (all saved). */
  steps: number;
  /** Metrics of every step of the run so far (read back from `metrics.jsonl` when resumed). */
  metrics: GrpoStepMetrics[];
  /** The step the run resumed from, or null for a fresh run. */
  resumedFrom: number | null;
  /** The signal that stopped the run early (after a checkpoint), or null. */
  signal: Deno.Signal | null;
}

/** The fingerprint of a GRPO run: its config, seed, rewards, seeds, generator and tokenizer. */
async function grpoFingerprint(o: TrainGeneratorOptions): Promise<RunFingerprint> {
  const tok = o.generator.tokenizer;
  return await runFingerprint({
    flags: {
      ...(o.config as unknown as Record<string, JsonValue>),
      seed: o.seed,
      rewards: o.rewards as unknown as JsonValue,
      domain: o.domain ?? "guess",
      seeds: await sha256Hex(o.seeds.map((s) => s.id).join("\n")),
      reference: o.reference ? true : false,
    },
    model: o.generator.config,
    tokenizerJson: tok ? JSON.stringify(tok.json.tokenizer) : undefined,
  });
}

/** The rollouts of one step: B groups (fewer when dynamic sampling ran out of refills). */
interface StepRollouts {
  rollouts: Rollout[];
  rewards: (number | null)[];
  parts: Record<string, number | null>[];
  /** Index into `rollouts` of each rollout trained on. */
  train: number[];
  groups: { trained: number; sampled: number; refills: number; zeroStd: number };
  sampleMs: number;
  scoreMs: number;
}

/** Sample → score, with DAPO's dynamic sampling (drop groups of equal rewards, refill). */
async function collect(o: TrainGeneratorOptions, rng: Rng): Promise<StepRollouts> {
  const c = o.config;
  let order = rng.shuffle(o.seeds.map((_, i) => i));
  let at = 0;
  const nextSeeds = (n: number) => {
    const out: TaskRecord[] = [];
    while (out.length < n) {
      if (at === order.length) (order = rng.shuffle(order), at = 0);
      out.push(o.seeds[order[at++]]);
    }
    return out;
  };
  const all: StepRollouts = {
    rollouts: [],
    rewards: [],
    parts: [],
    train: [],
    groups: { trained: 0, sampled: 0, refills: 0, zeroStd: 0 },
    sampleMs: 0,
    scoreMs: 0,
  };
  for (let attempt = 0; attempt <= (c.dynamicSampling ? c.maxRefills : 0); attempt++) {
    const need = c.promptsPerStep - all.groups.trained;
    if (need <= 0) break;
    if (attempt > 0) all.groups.refills++;
    const t0 = performance.now();
    const rollouts = await sampleGroups(o.generator, nextSeeds(need), {
      template: c.template,
      groupSize: c.groupSize,
      maxNewTokens: c.maxNewTokens,
      temperature: c.temperature,
      topP: c.topP,
      seed: rng.int(0, 2 ** 31 - 1),
      domain: o.domain ?? "guess",
      firstGroup: all.groups.sampled,
    });
    const t1 = performance.now();
    const scored = await scoreRollouts(rollouts, o.context, o.rewards, c);
    all.sampleMs += t1 - t0;
    all.scoreMs += performance.now() - t1;
    const base = all.rollouts.length;
    all.rollouts.push(...rollouts);
    all.rewards.push(...scored.rewards);
    all.parts.push(...scored.shaped.map((s) => ({ ...s.parts })));
    const groupKeys = rollouts.map((r) => r.group);
    // A null reward leaves its rollout out; a group's signal is judged on the rest.
    const informative = groupIndices(groupKeys).map((idx) => {
      const kept = idx.filter((i) => scored.rewards[i] !== null);
      return kept.some((i) => scored.rewards[i] !== scored.rewards[kept[0]]);
    });
    groupIndices(groupKeys).forEach((idx, k) => {
      all.groups.sampled++;
      if (!informative[k]) all.groups.zeroStd++;
      if (all.groups.trained >= c.promptsPerStep) return;
      if (c.dynamicSampling && !informative[k]) return;
      all.groups.trained++;
      for (const i of idx) if (scored.rewards[i] !== null) all.train.push(base + i);
    });
    if (!c.dynamicSampling) break;
  }
  return all;
}

/** Policy sequences of the trained rollouts, with advantages (and reference log-probs). */
async function sequencesOf(o: TrainGeneratorOptions, s: StepRollouts): Promise<PolicySequence[]> {
  const picked = s.train.filter((i) => s.rollouts[i].sample.tokens.length > 0);
  const advantages = groupAdvantages(
    picked.map((i) => s.rewards[i]!),
    picked.map((i) => s.rollouts[i].group),
    o.config.advantage,
  );
  const seqs: PolicySequence[] = picked.map((i, k) => ({
    prompt: s.rollouts[i].prompt,
    completion: s.rollouts[i].sample.tokens,
    oldLogprobs: s.rollouts[i].sample.logprobs,
    advantage: advantages[k],
  }));
  if (o.config.klCoef === 0 || seqs.length === 0) return seqs;
  const ref = await scoreTokens(o.reference!, seqs.map((q) => [...q.prompt, ...q.completion]));
  return seqs.map((q, k) => ({ ...q, refLogprobs: ref[k].logprobs.slice(q.prompt.length - 1) }));
}

function partStats(parts: readonly Record<string, number | null>[]): GrpoStepMetrics["parts"] {
  const names = [...new Set(parts.flatMap((p) => Object.keys(p)))];
  return Object.fromEntries(names.map((n) => {
    const xs = parts.map((p) => p[n]).filter((x): x is number => x !== null && x !== undefined);
    const { mean, std } = meanStd(xs);
    return [n, xs.length ? { mean, std } : { mean: null, std: null }];
  }));
}

function kindShares(rollouts: readonly Rollout[]): Record<string, number> | undefined {
  const kinds: Record<string, number> = {};
  let parsed = 0;
  for (const r of rollouts) {
    const rec = r.candidate.record;
    if (!rec) continue;
    parsed++;
    const kind = (rec.meta.kind as string | undefined) ??
      solveProcedural(rec.question, rec.choices ? { choices: rec.choices } : {})?.kind;
    if (kind) kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  if (parsed === 0) return undefined;
  for (const k of Object.keys(kinds)) kinds[k] /= parsed;
  return kinds;
}

/** One GRPO step: collect, advantages, μ updates; returns its metrics. */
async function grpoStep(
  o: TrainGeneratorOptions,
  trainer: PolicyTrainer,
  rng: Rng,
  i: number,
): Promise<GrpoStepMetrics> {
  const c = o.config;
  const t0 = performance.now();
  const lr = learningRate({
    kind: c.schedule,
    peak: c.lr,
    warmupSteps: Math.round(c.warmup * c.steps),
    totalSteps: Math.max(1, c.steps),
  }, i);
  const s = await collect(o, rng);
  const t1 = performance.now();
  const seqs = await sequencesOf(o, s);
  const updates = [];
  for (let u = 0; u < (seqs.length ? c.updatesPerBatch : 0); u++) {
    updates.push(
      await policyUpdate(trainer, seqs, {
        lr,
        clipLow: c.clipLow,
        clipHigh: c.clipHigh,
        klCoef: c.klCoef,
        aggregation: c.aggregation,
        maxNewTokens: c.maxNewTokens,
        microBatch: c.microBatch,
      }),
    );
  }
  const trainMs = performance.now() - t1;
  // The next step samples from the updated weights: its decoder is built now, and timed apart.
  const t2 = performance.now();
  if (updates.length) await prepareDecoder(o.generator, c.promptsPerStep * c.groupSize);
  const syncMs = performance.now() - t2;
  const rewards = s.rewards.filter((r): r is number => r !== null);
  const { mean, std } = meanStd(rewards);
  const lengths = s.rollouts.map((r) => r.sample.tokens.length);
  const kinds = kindShares(s.rollouts);
  return {
    step: i + 1,
    lr,
    reward: { mean: rewards.length ? mean : 0, std: rewards.length ? std : 0 },
    parts: partStats(s.parts),
    fracRewardZeroStd: s.groups.zeroStd / Math.max(1, s.groups.sampled),
    kl: updates.length && updates[0].kl !== null ? updates[0].kl : null,
    entropy: updates.length ? updates[0].entropy : 0,
    clipFraction: updates.length
      ? updates.reduce((a, u) => a + u.clipFraction, 0) / updates.length
      : 0,
    completionLength: {
      mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
      max: Math.max(0, ...lengths),
    },
    parseRate: s.rollouts.filter((r) => r.candidate.record).length / Math.max(1, s.rollouts.length),
    seconds: {
      sample: s.sampleMs / 1000,
      score: s.scoreMs / 1000,
      train: trainMs / 1000,
      sync: syncMs / 1000,
      total: (performance.now() - t0) / 1000,
      trainSession: updates.reduce((a, u) => a + u.sessionMs, 0) / 1000,
    },
    ...(kinds ? { kinds } : {}),
    groups: { trained: s.groups.trained, sampled: s.groups.sampled, refills: s.groups.refills },
  };
}

/** Metrics lines of steps up to `step` (a resumed run drops lines of steps it will redo). */
async function metricsUpTo(path: string, step: number): Promise<GrpoStepMetrics[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return text.split("\n").filter((l) => l.trim()).map((l, k) => {
    try {
      return JSON.parse(l) as GrpoStepMetrics;
    } catch (e) {
      throw new SyntaxError(`Cannot read ${path} line ${k + 1}: ${(e as Error).message}`);
    }
  }).filter((m) => m.step <= step);
}

function statusLine(m: GrpoStepMetrics): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const s = m.seconds;
  return [
    `reward ${m.reward.mean.toFixed(3)}±${m.reward.std.toFixed(3)}`,
    `parse ${pct(m.parseRate)}`,
    `len ${m.completionLength.mean.toFixed(0)}`,
    `H ${m.entropy.toFixed(2)}`,
    `clip ${pct(m.clipFraction)}`,
    ...(m.kl === null ? [] : [`kl ${m.kl.toFixed(4)}`]),
    `sample/score/train/sync ${s.sample.toFixed(1)}/${s.score.toFixed(1)}/${s.train.toFixed(1)}/${
      (s.sync ?? 0).toFixed(1)
    }s`,
  ].join(" ");
}

/**
 * Trains `generator` with GRPO (or Dr. GRPO, DAPO) for `config.steps` steps, in place. Resumes
 * from `dir/checkpoints` when a checkpoint of the same run is there (its fingerprint: config,
 * seed, rewards, seed ids, generator config and tokenizer); a checkpoint of a different run is
 * refused with the field that differs. Appends one {@link GrpoStepMetrics} line per step to
 * `dir/metrics.jsonl`. The duplicate gate's kept set and the acquisition context's own RNG are
 * not part of the checkpoint.
 *
 * @example Two steps of GRPO on the default generator, rewarded for the format
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks } from "../data/mod.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { validateGrpoConfig } from "./config.ts";
 * import { trainGenerator } from "./loop.ts";
 * const generator = await loadModel("data/models/generator", createRuntime({ threads: 1 }));
 * const dir = await Deno.makeTempDir();
 * const r = await trainGenerator({
 *   generator, seeds: generateTasks({ family: "arithmetic", count: 4, seed: 1 }),
 *   rewards: { gates: ["parse"] }, context: {}, dir, seed: 1, progress: false,
 *   config: validateGrpoConfig({ steps: 2, promptsPerStep: 2, groupSize: 2, maxNewTokens: 64 }),
 * });
 * assert.equal(r.steps, 2);
 * assert.equal((await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").length, 2);
 * ```
 */
export async function trainGenerator(o: TrainGeneratorOptions): Promise<TrainGeneratorResult> {
  const c = o.config;
  if (o.seeds.length === 0) {
    throw new RangeError(
      "Cannot train the generator: 'seeds' must not be empty: current length is 0",
    );
  }
  if (c.klCoef > 0 && !o.reference) {
    throw new TypeError(
      `Cannot train the generator: 'klCoef' is ${c.klCoef}, which needs a 'reference' model: current value is undefined`,
    );
  }
  const fingerprint = await grpoFingerprint(o);
  const ckDir = `${o.dir}/checkpoints`;
  const ck = await resumeCheckpoint(ckDir, fingerprint);
  if (ck) { for (const [k, t] of ck.weights) o.generator.store.set(k, t); }
  const rng = ck ? restoreRng(ck.rng) : createRng(o.seed).split("grpo");
  const trainer = await createPolicyTrainer(o.generator, {
    optimizer: { kind: "adamw", weightDecay: c.weightDecay },
    clipNorm: c.clipNorm,
    kl: c.klCoef > 0,
    state: ck?.state,
  });
  await Deno.mkdir(o.dir, { recursive: true });
  const metricsPath = `${o.dir}/metrics.jsonl`;
  const metrics = await metricsUpTo(metricsPath, ck?.step ?? 0);
  await Deno.writeTextFile(metricsPath, metrics.map((m) => JSON.stringify(m) + "\n").join(""));
  const bar = o.progress === false ? null : progress("grpo", c.steps);
  bar?.update(ck?.step ?? 0);
  const result = await runSteps(
    { dir: ckDir, fingerprint, weights: o.generator.store, state: trainer.apply.state, rng },
    async (i) => {
      const m = await grpoStep(o, trainer, rng, i);
      metrics.push(m);
      await Deno.writeTextFile(metricsPath, JSON.stringify(m) + "\n", { append: true });
      bar?.update(m.step, statusLine(m));
      await o.onStep?.(m);
    },
    { steps: c.steps, start: ck?.step ?? 0, saveEvery: c.saveEvery, signals: o.signals },
  );
  bar?.finish();
  return { steps: result.step, metrics, resumedFrom: ck ? ck.step : null, signal: result.signal };
}
