/**
 * The train-generator stage: GRPO on the generator against the configured rewards, scored on
 * the student (lib/rl's `trainGenerator`, which checkpoints and resumes on its own); the trained
 * generator is saved to `checkpoints/generator`. Baselines that use the untrained generator
 * record that the stage did nothing.
 *
 * @module
 */

import { createAcquireContext, hashedNgramEmbedder } from "../acquire/mod.ts";
import { questionText, type TaskRecord } from "../data/mod.ts";
import { type LanguageModel, loadModel, saveModel } from "../model/mod.ts";
import { createDedupState, type RewardConfig, type ShapeContext } from "../reward/mod.ts";
import { trainGenerator } from "../rl/mod.ts";
import { createRng } from "../run/mod.ts";
import { readDataset } from "../synth/mod.ts";
import { createSandbox, type Sandbox } from "../verify/mod.ts";
import { BASELINES } from "./baselines.ts";
import type { StageContext, StageResult } from "./context.ts";

/** A sandbox for code gates and code answers, only where some seed or gate needs one. */
export async function sandboxFor(
  seeds: readonly TaskRecord[],
  gates: readonly string[],
): Promise<Sandbox | undefined> {
  const code = gates.includes("code") || seeds.some((r) => r.answerKind === "code");
  return code ? await createSandbox({ concurrency: 2, timeoutMs: 5000, memoryMb: 256 }) : undefined;
}

/**
 * The reward-shaping context: the acquisition context on the student (hashed n-gram embeddings:
 * the student's own embedder costs a pass per batch), the kept set of the duplicate gate, a
 * sandbox where code is involved.
 */
export async function shapeContext(
  ctx: StageContext,
  student: LanguageModel,
  seeds: readonly TaskRecord[],
  gates: readonly string[],
): Promise<ShapeContext> {
  const sandbox = await sandboxFor(seeds, gates);
  const acquire = createAcquireContext(student, seeds, {
    rng: createRng(ctx.config.seed).split("acquire"),
    embedder: hashedNgramEmbedder(),
    ...(sandbox ? { sandbox } : {}),
  });
  return {
    acquire,
    ...(sandbox ? { sandbox } : {}),
    ...(gates.includes("duplicate") ? { dedup: createDedupState(seeds.map(questionText)) } : {}),
  };
}

/** Trains the generator (or records that the baseline does not). */
export async function trainGeneratorStage(ctx: StageContext): Promise<StageResult> {
  const c = ctx.config;
  const baseline = BASELINES[c.baseline];
  if (!baseline.trainsGenerator) {
    ctx.log(`train-generator: baseline '${c.baseline}' uses the untrained generator`);
    return { outputs: { generator: c.models.generator, trained: false } };
  }
  const seeds = await readDataset(`${ctx.out}/datasets/seeds.jsonl`);
  const generator = await loadModel(c.models.generator, ctx.runtime);
  const student = await loadModel(c.models.student, ctx.runtime);
  const reference = c.grpo.klCoef > 0
    ? await loadModel(c.models.reference ?? c.models.generator, ctx.runtime)
    : undefined;
  const rewards: RewardConfig = { ...c.rewards, clip: c.rewards.clip ?? undefined };
  const result = await trainGenerator({
    generator,
    reference,
    seeds,
    rewards,
    context: await shapeContext(ctx, student, seeds, c.rewards.gates),
    config: c.grpo,
    dir: ctx.out,
    seed: c.seed,
    progress: ctx.progress,
    signals: ctx.signals,
    onStep: (m) =>
      ctx.log(
        `train-generator: step ${m.step}/${c.grpo.steps} reward ${m.reward.mean.toFixed(3)}±${
          m.reward.std.toFixed(3)
        } parse ${(100 * m.parseRate).toFixed(0)}% ${m.seconds.total.toFixed(1)}s`,
      ),
  });
  if (result.resumedFrom !== null) {
    ctx.log(`train-generator: resumed from the checkpoint of step ${result.resumedFrom}`);
  }
  if (result.signal) return { signal: result.signal };
  await saveModel(generator, `${ctx.out}/checkpoints/generator`, { onnx: false });
  const m = result.metrics;
  return {
    outputs: {
      generator: `${ctx.out}/checkpoints/generator`,
      trained: true,
      steps: result.steps,
      resumedFrom: result.resumedFrom,
      metrics: "metrics.jsonl",
      firstReward: m.length ? m[0].reward.mean : null,
      lastReward: m.length ? m[m.length - 1].reward.mean : null,
    },
  };
}
