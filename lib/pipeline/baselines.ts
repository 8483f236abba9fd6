/**
 * Baselines, each one config switch away (`"baseline"` in the pipeline config): what a baseline
 * changes in the flow is data in one table, read by the stages, never an `if` per name.
 *
 * @module
 */

import type { ResolvedRewardConfig } from "../reward/mod.ts";

/** The baselines a pipeline config can name; `none` is the method itself. */
export type BaselineName =
  | "none"
  | "untrained-generator"
  | "format-only"
  | "oracle"
  | "seed-pool"
  | "al-filter"
  | "best-of-n";

/**
 * Where the synthesise stage's samples come from: the trained generator; the untrained
 * generator's sample pool (shared between runs through the pipeline cache), as drawn (`untrained`),
 * filtered by acquisition scores (`al-filter`) or best of each group (`best-of-n`); or gold tasks.
 */
export type SampleSource =
  | "generator"
  | "untrained"
  | "al-filter"
  | "best-of-n"
  | "oracle"
  | "seed-pool";

/** What a baseline changes. */
export interface Baseline {
  /** One line for reports and `--help`. */
  readonly description: string;
  /** Whether the train-generator stage trains (otherwise it records that it was skipped). */
  readonly trainsGenerator: boolean;
  /** Where the synthesised samples come from. */
  readonly samples: SampleSource;
  /** The rewards the generator is trained with, from the configured ones. */
  readonly rewards: (configured: ResolvedRewardConfig) => ResolvedRewardConfig;
}

const same = (r: ResolvedRewardConfig) => r;

/** Best-of-n ranks by the configured reward functions, so it needs at least one. */
function needsFunctions(r: ResolvedRewardConfig): ResolvedRewardConfig {
  if (Object.keys(r.functions).length === 0) {
    throw new RangeError(
      "Cannot use the best-of-n baseline: 'rewards.functions' must name at least one acquisition function to rank by: current value is {}",
    );
  }
  return r;
}

/**
 * Every baseline. `oracle` (fresh gold procedural tasks of the seed kinds, as many as the
 * synthesis count) and `seed-pool` (a seeded random draw from the seed pool) only apply to their
 * sources: oracle needs procedural seeds. `al-filter` and `best-of-n` select from the untrained
 * generator's pool; best-of-n refuses a config without reward functions.
 *
 * @example The untrained generator skips GRPO and keeps the rewards as configured
 * ```ts
 * import assert from "node:assert/strict";
 * import { BASELINES } from "./baselines.ts";
 * assert.equal(BASELINES["untrained-generator"].trainsGenerator, false);
 * assert.equal(BASELINES.none.samples, "generator");
 * assert.equal(BASELINES["al-filter"].samples, "al-filter");
 * ```
 */
export const BASELINES: Readonly<Record<BaselineName, Baseline>> = Object.freeze({
  none: {
    description: "the method: GRPO against the configured rewards, then synthesis",
    trainsGenerator: true,
    samples: "generator",
    rewards: same,
  },
  "untrained-generator": {
    description: "the same prompts and synthesis, from the generator before any GRPO",
    trainsGenerator: false,
    samples: "untrained",
    rewards: same,
  },
  "format-only": {
    description: "GRPO with the format bonus and gates only (no acquisition function)",
    trainsGenerator: true,
    samples: "generator",
    rewards: (r) => ({ ...r, functions: {}, formatWeight: r.formatWeight || 1 }),
  },
  oracle: {
    description: "fresh gold procedural tasks of the seed kinds, as many as the synthesis count",
    trainsGenerator: false,
    samples: "oracle",
    rewards: same,
  },
  "seed-pool": {
    description: "a random draw from the seed pool, as many as the synthesis count",
    trainsGenerator: false,
    samples: "seed-pool",
    rewards: same,
  },
  "al-filter": {
    description:
      "AL-filtered selection: the top synth.count of synth.poolFactor × count untrained-generator samples by the sum of min-max-normalised gradient magnitude, confidence and answer variance",
    trainsGenerator: false,
    samples: "al-filter",
    rewards: same,
  },
  "best-of-n": {
    description:
      "rejection sampling: of each synth.bestOf consecutive untrained-generator samples, the one with the highest weighted score under the configured reward functions",
    trainsGenerator: false,
    samples: "best-of-n",
    rewards: needsFunctions,
  },
});
