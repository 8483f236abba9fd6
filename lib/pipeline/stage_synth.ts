/**
 * The synthesise and label stages. Synthesise: the generator (trained, or untrained for that
 * baseline) writes `synth.count` samples through the gates and the near-duplicate filter
 * (`datasets/samples.jsonl`, with `datasets/synthesis.json`: counts, and for the selecting
 * baselines the pool size, the kept indices and every function's scores); the AL-filter and
 * best-of-n baselines select from the untrained generator's pool (untrained_pool.ts, shared
 * between runs through the cache); the oracle and seed-pool baselines take gold tasks instead.
 * Label: each sample's answer from the configured method, with the agreement of the other
 * cheap methods, as a dataset of task records with provenance (`datasets/dataset.jsonl`).
 *
 * @module
 */

import { renderGenerator, type TaskRecord, tasksPerKind } from "../data/mod.ts";
import { loadModel } from "../model/mod.ts";
import { createRng, type JsonValue } from "../run/mod.ts";
import {
  type LabelMethod,
  labelSamples,
  readDataset,
  synthesise,
  type SynthSample,
  writeDataset,
} from "../synth/mod.ts";
import { BASELINES, type SampleSource } from "./baselines.ts";
import { countBy, SET_SEEDS, type StageContext, type StageResult } from "./context.ts";
import { readJsonl, writeJson, writeJsonl } from "./run_log.ts";
import { kindOf } from "./stage_seed.ts";
import { sandboxFor, shapeContext } from "./stage_generator.ts";
import { alFilterSelect, bestOfSelect, type PoolScores, weightedScores } from "./selection.ts";
import { scorePool, sharedPoolSize, type UntrainedPool, untrainedPool } from "./untrained_pool.ts";

/** The acquisition functions whose normalised sum ranks the AL-filter pool (as the reference). */
export const AL_FILTER_FUNCTIONS: readonly string[] = Object.freeze([
  "gradient-magnitude",
  "confidence",
  "answer-variance",
]);

/** Gold tasks as samples (the baselines that skip the generator). */
function goldSamples(records: readonly TaskRecord[]): SynthSample[] {
  return records.map((record) => ({
    text: renderGenerator(record),
    record,
    scores: {},
    promptSeed: "",
  }));
}

/** Each function's raw scores over the considered pool, with a summary of them and of the kept. */
function scoreSummary(scores: PoolScores, kept: readonly number[]): Record<string, JsonValue> {
  const stats = (xs: readonly (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    return { min: v.length ? Math.min(...v) : null, max: v.length ? Math.max(...v) : null, mean };
  };
  return Object.fromEntries(
    Object.entries(scores).map(([name, raw]) => {
      const all = stats(raw);
      return [name, {
        ...all,
        nulls: raw.filter((x) => x === null).length,
        keptMean: stats(kept.map((i) => raw[i])).mean,
        raw: [...raw],
      }];
    }),
  );
}

/** The first `n` of every function's scores. */
function firstOf(scores: PoolScores, n: number): Record<string, (number | null)[]> {
  return Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.slice(0, n)]));
}

/** The kept pool samples, each with every function's raw score and the selection score. */
function keptSamples(
  pool: UntrainedPool,
  scores: PoolScores,
  kept: readonly number[],
  by: { name: string; values: readonly (number | null)[] },
): SynthSample[] {
  return kept.map((i) => {
    const s = pool.samples[i];
    const raw = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v[i]]));
    return { ...s, scores: { ...s.scores, ...raw, [by.name]: by.values[i] } };
  });
}

/** What `datasets/synthesis.json` says of a pool. */
function poolCounts(pool: UntrainedPool, kept: number): Record<string, JsonValue> {
  return {
    accepted: pool.samples.length,
    attempts: pool.attempts,
    rejected: pool.rejected,
    pool: pool.size,
    kept,
  };
}

/** A source's samples, and what `datasets/synthesis.json` says of them (null: no file). */
interface Drawn {
  readonly samples: SynthSample[];
  readonly synthesis: Record<string, JsonValue> | null;
}

/** Where samples come from, per source, and whether they are gold (keep their own answers). */
const SOURCES: Readonly<
  Record<
    SampleSource,
    { gold: boolean; draw: (ctx: StageContext, seeds: TaskRecord[]) => Promise<Drawn> }
  >
> = Object.freeze({
  generator: { gold: false, draw: trainedSamples },
  // Without a cache only the first `count` are drawn; with one, the pool the selecting baselines
  // share (its first `count` are the same samples, see untrained_pool.ts).
  untrained: {
    gold: false,
    draw: async (ctx: StageContext, seeds: TaskRecord[]): Promise<Drawn> => {
      const s = ctx.config.synth;
      const size = ctx.cache === null ? s.count : sharedPoolSize(s);
      const pool = await untrainedPool(ctx, seeds, size);
      const samples = pool.samples.slice(0, s.count);
      ctx.log(`synthesise: the first ${samples.length} of the untrained pool of ${size}`);
      return { samples, synthesis: poolCounts(pool, samples.length) };
    },
  },
  "al-filter": {
    gold: false,
    draw: async (ctx: StageContext, seeds: TaskRecord[]): Promise<Drawn> => {
      const s = ctx.config.synth;
      const pool = await untrainedPool(ctx, seeds, sharedPoolSize(s));
      const considered = Math.min(pool.samples.length, s.poolFactor * s.count);
      const scores = firstOf(await scorePool(ctx, seeds, pool, AL_FILTER_FUNCTIONS), considered);
      const { kept, sums } = alFilterSelect(scores, s.count);
      ctx.log(`synthesise: al-filter kept ${kept.length} of ${considered} pool samples`);
      return {
        samples: keptSamples(pool, scores, kept, { name: "al-filter", values: sums }),
        synthesis: {
          ...poolCounts(pool, kept.length),
          considered,
          keptIndices: kept,
          sums,
          functions: scoreSummary(scores, kept),
        },
      };
    },
  },
  "best-of-n": {
    gold: false,
    draw: async (ctx: StageContext, seeds: TaskRecord[]): Promise<Drawn> => {
      const c = ctx.config, s = c.synth;
      const pool = await untrainedPool(ctx, seeds, sharedPoolSize(s));
      const considered = Math.min(pool.samples.length, s.bestOf * s.count);
      const weights = c.rewards.functions;
      const names = Object.keys(weights);
      const scores = firstOf(await scorePool(ctx, seeds, pool, names), considered);
      const weighted = weightedScores(scores, weights);
      const kept = bestOfSelect(weighted, s.bestOf, s.count);
      ctx.log(`synthesise: best-of-${s.bestOf} kept ${kept.length} of ${considered} pool samples`);
      return {
        samples: keptSamples(pool, scores, kept, { name: "best-of-n", values: weighted }),
        synthesis: {
          ...poolCounts(pool, kept.length),
          considered,
          bestOf: s.bestOf,
          weights,
          keptIndices: kept,
          weighted,
          functions: scoreSummary(scores, kept),
        },
      };
    },
  },
  oracle: { gold: true, draw: oracleSamples },
  "seed-pool": {
    gold: true,
    draw: (ctx: StageContext, seeds: TaskRecord[]) => {
      const c = ctx.config;
      const drawn = createRng(c.seed).split("seed-pool").shuffle(seeds).slice(0, c.synth.count);
      return Promise.resolve({ samples: goldSamples(drawn), synthesis: null });
    },
  },
});

/** The trained generator's samples. */
async function trainedSamples(ctx: StageContext, seeds: TaskRecord[]): Promise<Drawn> {
  const c = ctx.config;
  const path = ctx.outputs["train-generator"]?.generator as string;
  const generator = await loadModel(path, ctx.runtime);
  const student = await loadModel(c.models.student, ctx.runtime);
  const context = await shapeContext(ctx, student, seeds, c.synth.gates);
  let shown = 0;
  const r = await synthesise({
    generator,
    student,
    seeds,
    config: c.synth,
    seed: c.seed,
    context,
    onProgress: (done, total) => {
      if (done >= shown + Math.max(1, Math.round(total / 4)) || done === total) {
        shown = done;
        ctx.log(`synthesise: ${done}/${total} samples accepted`);
      }
    },
  });
  ctx.log(
    `synthesise: ${r.samples.length} accepted of ${r.attempts} drawn; rejected ${
      JSON.stringify(r.rejected)
    }`,
  );
  return {
    samples: r.samples,
    synthesis: { accepted: r.samples.length, attempts: r.attempts, rejected: r.rejected },
  };
}

/** Fresh gold procedural tasks of the seed kinds. */
function oracleSamples(ctx: StageContext): Promise<Drawn> {
  const c = ctx.config, s = c.seeds;
  if (s.source !== "procedural") {
    throw new RangeError(
      `Cannot run the oracle baseline: 'seeds.source' must be "procedural": current value is '${s.source}'`,
    );
  }
  const per = Math.ceil(c.synth.count / s.kinds.length);
  const all = tasksPerKind(s.kinds, per, s.difficulty, SET_SEEDS.oracle + 1000 * c.seed);
  // Round-robin over kinds, so any count keeps the kinds balanced.
  const byKind = s.kinds.map((k) => all.filter((r) => r.meta.kind === k));
  const picked = Array.from({ length: per }, (_, i) => byKind.map((rs) => rs[i])).flat();
  return Promise.resolve({ samples: goldSamples(picked.slice(0, c.synth.count)), synthesis: null });
}

/** Writes `datasets/samples.jsonl`. */
export async function synthesiseStage(ctx: StageContext): Promise<StageResult> {
  const seeds = await readDataset(`${ctx.out}/datasets/seeds.jsonl`);
  const source = BASELINES[ctx.config.baseline].samples;
  const { samples, synthesis } = await SOURCES[source].draw(ctx, seeds);
  if (synthesis) await writeJson(`${ctx.out}/datasets/synthesis.json`, synthesis);
  await writeJsonl(`${ctx.out}/datasets/samples.jsonl`, samples);
  const kinds = countBy(samples, (s) => kindOf(s.record));
  return {
    outputs: { samples: "datasets/samples.jsonl", count: samples.length, source, kinds },
  };
}

/** Writes `datasets/dataset.jsonl` (and `label.json`: drops and agreement). */
export async function labelStage(ctx: StageContext): Promise<StageResult> {
  const c = ctx.config;
  const samples = await readJsonl<SynthSample>(`${ctx.out}/datasets/samples.jsonl`);
  // Gold tasks keep their own answers: relabelling them would no longer be the baseline.
  const gold = SOURCES[BASELINES[c.baseline].samples].gold;
  const method: LabelMethod = gold ? "generator" : c.synth.label;
  const cheap: LabelMethod[] = ["verifier", "generator"];
  const compare = cheap.filter((m) => m !== method);
  const needsStudent = method === "self-consistency";
  const student = needsStudent ? await loadModel(c.models.student, ctx.runtime) : undefined;
  const sandbox = await sandboxFor(samples.map((s) => s.record), []);
  const generatorCheckpoint = String(
    ctx.outputs["train-generator"]?.generator ?? c.models.generator,
  );
  const r = await labelSamples(samples, {
    method,
    compare,
    student,
    sandbox,
    allowWeakIsolation: c.synth.allowWeakIsolation,
    k: c.synth.selfConsistency.k,
    temperature: c.synth.selfConsistency.temperature,
    seed: c.seed,
  }, { generatorCheckpoint, rewardConfig: c.rewards, seed: c.seed });
  await writeDataset(`${ctx.out}/datasets/dataset.jsonl`, r.records);
  const kinds = countBy(r.records, kindOf);
  await writeJson(`${ctx.out}/datasets/label.json`, {
    method,
    records: r.records.length,
    dropped: r.dropped,
    agreement: r.agreement,
    kinds,
  });
  ctx.log(
    `label: ${r.records.length} records (${method}), ${r.dropped} dropped; agreement ${
      JSON.stringify(r.agreement)
    }`,
  );
  return {
    outputs: {
      dataset: "datasets/dataset.jsonl",
      records: r.records.length,
      dropped: r.dropped,
      method,
      agreement: r.agreement,
      kinds,
    },
  };
}
