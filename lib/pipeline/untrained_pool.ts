/**
 * The untrained generator's sample pool and its acquisition scores, shared between runs through
 * the pipeline cache: the untrained-generator, AL-filter and best-of-n baselines of an ablation
 * with the same seed, generator, seeds, synthesis config and gates draw the pool once, and each
 * acquisition function scores it once per student.
 *
 * The pool is `synthesise()` with `count` raised to the pool size, so its first `synth.count`
 * samples are the ones a plain synthesis of `synth.count` accepts (the prompts, the per-batch
 * sampling seeds and the per-row sampling streams do not depend on the count); they differ only
 * where a plain synthesis ran out of its `maxAttempts × count` budget, which the pool's larger
 * budget goes past.
 *
 * @module
 */

import { acquisitionFunction } from "../acquire/mod.ts";
import type { TaskRecord } from "../data/mod.ts";
import { type LanguageModel, loadModel } from "../model/mod.ts";
import { type JsonValue, sha256Hex } from "../run/mod.ts";
import { synthesise, type SynthSample } from "../synth/mod.ts";
import { cachedRunResult, canonicalJson, modelFingerprint } from "./cache.ts";
import type { StageContext } from "./context.ts";
import { shapeContext } from "./stage_generator.ts";

/** A drawn pool, as the cache stores it. */
export interface UntrainedPool {
  /** Accepted samples in the generator's order. */
  readonly samples: SynthSample[];
  /** Samples drawn and examined. */
  readonly attempts: number;
  /** Rejections by reason. */
  readonly rejected: Record<string, number>;
  /** The pool size asked for (`samples` is shorter where the attempt budget ran out). */
  readonly size: number;
  /** The pool's cache key hash (scores are keyed by it). */
  readonly key: string;
}

/** The pool size the selecting baselines share: `max(poolFactor, bestOf) × count`. */
export function sharedPoolSize(synth: StageContext["config"]["synth"]): number {
  return Math.max(synth.poolFactor, synth.bestOf) * synth.count;
}

async function model(path: string): Promise<JsonValue> {
  return { path, content: await modelFingerprint(path) };
}

/**
 * Draws (or reads from the cache) the untrained generator's first `size` accepted samples. The
 * key holds everything they depend on: the generator's path and content hash, the student's where
 * `scoreWith` scores with it, the seed records' hash, every synthesis field that shapes drawing
 * and gating, the size and the run's seed.
 */
export async function untrainedPool(
  ctx: StageContext,
  seeds: TaskRecord[],
  size: number,
): Promise<UntrainedPool> {
  const c = ctx.config, s = c.synth;
  const generatorPath = String(ctx.outputs["train-generator"]?.generator ?? c.models.generator);
  const key: JsonValue = {
    generator: await model(generatorPath),
    student: s.scoreWith.length > 0 ? await model(c.models.student) : null,
    seeds: await sha256Hex(canonicalJson(seeds as unknown as JsonValue)),
    synth: {
      template: s.template,
      temperature: s.temperature,
      topP: s.topP,
      maxNewTokens: s.maxNewTokens,
      gates: [...s.gates],
      unverifiable: s.unverifiable,
      dedupThreshold: s.dedupThreshold,
      maxAttempts: s.maxAttempts,
      batchSize: s.batchSize,
      domain: s.domain,
      scoreWith: [...s.scoreWith],
      allowWeakIsolation: s.allowWeakIsolation,
    },
    size,
    seed: c.seed,
  };
  const hash = (await sha256Hex(canonicalJson(key))).slice(0, 16);
  const drawn = await cachedRunResult(ctx, "untrained-pool", key, async () => {
    const generator = await loadModel(generatorPath, ctx.runtime);
    const student = await loadModel(c.models.student, ctx.runtime);
    const context = await shapeContext(ctx, student, seeds, s.gates);
    let shown = 0;
    const r = await synthesise({
      generator,
      student,
      seeds,
      config: { ...s, count: size },
      seed: c.seed,
      context,
      onProgress: (done, total) => {
        if (done >= shown + Math.max(1, Math.round(total / 4)) || done === total) {
          shown = done;
          ctx.log(`untrained-pool: ${done}/${total} samples accepted`);
        }
      },
    });
    return {
      samples: r.samples,
      attempts: r.attempts,
      rejected: r.rejected,
    } as unknown as JsonValue;
  }) as unknown as Omit<UntrainedPool, "size" | "key">;
  return { ...drawn, size, key: hash };
}

/**
 * Each named acquisition function's scores over the whole pool against the student, one array
 * per function in pool order (each read from the cache where the same pool, student and function
 * were scored before). Each function gets a fresh acquisition context (the reward's, see
 * `shapeContext`) and scores the pool in fixed chunks of `synth.batchSize`, so its scores do not
 * depend on which other functions ran or were read from the cache.
 */
export async function scorePool(
  ctx: StageContext,
  seeds: TaskRecord[],
  pool: UntrainedPool,
  names: readonly string[],
): Promise<Record<string, (number | null)[]>> {
  const c = ctx.config;
  const studentKey = await model(c.models.student);
  let student: LanguageModel | null = null;
  const out: Record<string, (number | null)[]> = {};
  for (const name of names) {
    const fn = acquisitionFunction(name);
    const key = { pool: pool.key, student: studentKey, function: name };
    out[name] = await cachedRunResult(ctx, "pool-scores", key, async () => {
      student ??= await loadModel(c.models.student, ctx.runtime);
      const { acquire } = await shapeContext(ctx, student, seeds, []);
      const scores: (number | null)[] = [];
      const step = c.synth.batchSize;
      for (let i = 0; i < pool.samples.length; i += step) {
        scores.push(...await fn.score(pool.samples.slice(i, i + step), acquire!));
      }
      ctx.log(`score-pool: ${name} scored ${scores.length} samples`);
      return scores;
    });
  }
  return out;
}
