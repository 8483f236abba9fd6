/**
 * The synthesise and label stages. Synthesise: the generator (trained, or untrained for that
 * baseline) writes `synth.count` samples through the gates and the near-duplicate filter
 * (`datasets/samples.jsonl`); the oracle and seed-pool baselines take gold tasks instead.
 * Label: each sample's answer from the configured method, with the agreement of the other
 * cheap methods, as a dataset of task records with provenance (`datasets/dataset.jsonl`).
 *
 * @module
 */

import { renderGenerator, type TaskRecord, tasksPerKind } from "../data/mod.ts";
import { loadModel } from "../model/mod.ts";
import { createRng } from "../run/mod.ts";
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

/** Gold tasks as samples (the baselines that skip the generator). */
function goldSamples(records: readonly TaskRecord[]): SynthSample[] {
  return records.map((record) => ({
    text: renderGenerator(record),
    record,
    scores: {},
    promptSeed: "",
  }));
}

/** Where samples come from, per source. */
const SOURCES: Readonly<
  Record<SampleSource, (ctx: StageContext, seeds: TaskRecord[]) => Promise<SynthSample[]>>
> = Object.freeze({
  generator: async (ctx: StageContext, seeds: TaskRecord[]) => {
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
    await writeJson(`${ctx.out}/datasets/synthesis.json`, {
      accepted: r.samples.length,
      attempts: r.attempts,
      rejected: r.rejected,
    });
    ctx.log(
      `synthesise: ${r.samples.length} accepted of ${r.attempts} drawn; rejected ${
        JSON.stringify(r.rejected)
      }`,
    );
    return r.samples;
  },
  oracle: (ctx: StageContext) => {
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
    return Promise.resolve(goldSamples(picked.slice(0, c.synth.count)));
  },
  "seed-pool": (ctx: StageContext, seeds: TaskRecord[]) => {
    const c = ctx.config;
    const drawn = createRng(c.seed).split("seed-pool").shuffle(seeds).slice(0, c.synth.count);
    return Promise.resolve(goldSamples(drawn));
  },
});

/** Writes `datasets/samples.jsonl`. */
export async function synthesiseStage(ctx: StageContext): Promise<StageResult> {
  const seeds = await readDataset(`${ctx.out}/datasets/seeds.jsonl`);
  const source = BASELINES[ctx.config.baseline].samples;
  const samples = await SOURCES[source](ctx, seeds);
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
  const gold = BASELINES[c.baseline].samples !== "generator";
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
