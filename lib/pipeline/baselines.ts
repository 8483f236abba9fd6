/**
 * Baselines, each one config switch away (`"baseline"` in the pipeline config): what a baseline
 * changes in the flow is data in one table, read by the stages, never an `if` per name.
 *
 * @module
 */

import type { ResolvedRewardConfig } from "../reward/mod.ts";

/** The baselines a pipeline config can name; `none` is the method itself. */
export type BaselineName = "none" | "untrained-generator" | "format-only" | "oracle" | "seed-pool";

/** Where the synthesise stage's samples come from. */
export type SampleSource = "generator" | "oracle" | "seed-pool";

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

/**
 * Every baseline. `oracle` (fresh gold procedural tasks of the seed kinds, as many as the
 * synthesis count) and `seed-pool` (a seeded random draw from the seed pool) only apply to their
 * sources: oracle needs procedural seeds.
 *
 * @example The untrained generator skips GRPO and keeps the rewards as configured
 * ```ts
 * import assert from "node:assert/strict";
 * import { BASELINES } from "./baselines.ts";
 * assert.equal(BASELINES["untrained-generator"].trainsGenerator, false);
 * assert.equal(BASELINES.none.samples, "generator");
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
    samples: "generator",
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
});
