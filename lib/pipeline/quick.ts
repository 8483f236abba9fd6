/**
 * `--quick`: every stage scaled down to a smoke run of a minute or two on two cores, through
 * the same code paths (a few GRPO steps on small batches, a small synthesis, a few SFT steps,
 * small evaluation sets). The scaled config is what the run folder's `resolved.json` records.
 *
 * @module
 */

import type { ResolvedPipelineConfig } from "./config.ts";

/**
 * The quick caps (a config's own smaller values are kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUICK } from "./quick.ts";
 * assert.equal(QUICK.grpo.steps, 2);
 * ```
 */
export const QUICK = Object.freeze({
  seedsPerKind: 4,
  seedRecords: 32,
  grpo: { steps: 2, promptsPerStep: 4, groupSize: 2, maxNewTokens: 96, saveEvery: 1 },
  synth: { count: 12, maxAttempts: 3, batchSize: 16, maxNewTokens: 96, k: 2 },
  sft: { steps: 6, batchSize: 4, saveEvery: 2 },
  evaluation: { perKind: 2, fileItems: 8, maxNewTokens: 64, resamples: 200 },
});

/**
 * The config scaled down for a smoke run, marked `quick: true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePipelineConfig } from "./config.ts";
 * import { quickConfig } from "./quick.ts";
 * const q = quickConfig(validatePipelineConfig({ name: "x" }));
 * assert.equal(q.quick, true);
 * assert.equal(q.grpo.steps, 2);
 * ```
 */
export function quickConfig(c: ResolvedPipelineConfig): ResolvedPipelineConfig {
  const min = Math.min;
  const g = QUICK.grpo, s = QUICK.synth, f = QUICK.sft, e = QUICK.evaluation;
  const seeds = c.seeds.source === "procedural"
    ? { ...c.seeds, count: min(c.seeds.count, QUICK.seedsPerKind) }
    : { ...c.seeds, count: min(c.seeds.count ?? Infinity, QUICK.seedRecords) };
  return {
    ...c,
    quick: true,
    seeds,
    grpo: {
      ...c.grpo,
      steps: min(c.grpo.steps, g.steps),
      promptsPerStep: min(c.grpo.promptsPerStep, g.promptsPerStep),
      groupSize: min(c.grpo.groupSize, g.groupSize),
      maxNewTokens: min(c.grpo.maxNewTokens, g.maxNewTokens),
      microBatch: min(c.grpo.microBatch, g.promptsPerStep * g.groupSize),
      saveEvery: g.saveEvery,
    },
    synth: {
      ...c.synth,
      count: min(c.synth.count, s.count),
      maxAttempts: min(c.synth.maxAttempts, s.maxAttempts),
      batchSize: min(c.synth.batchSize, s.batchSize),
      maxNewTokens: min(c.synth.maxNewTokens, s.maxNewTokens),
      selfConsistency: { ...c.synth.selfConsistency, k: min(c.synth.selfConsistency.k, s.k) },
    },
    sft: {
      ...c.sft,
      steps: min(c.sft.steps ?? Infinity, f.steps),
      batchSize: min(c.sft.batchSize, f.batchSize),
      saveEvery: f.saveEvery,
    },
    evaluation: {
      ...c.evaluation,
      procedural: c.evaluation.procedural && {
        ...c.evaluation.procedural,
        count: min(c.evaluation.procedural.count, e.perKind),
      },
      files: c.evaluation.files.map((x) => ({
        ...x,
        count: min(x.count ?? Infinity, e.fileItems),
      })),
      maxNewTokens: min(c.evaluation.maxNewTokens, e.maxNewTokens),
      resamples: min(c.evaluation.resamples, e.resamples),
    },
  };
}
