/**
 * What every stage gets (the resolved config, the run folder, the log, the runtime, the outputs
 * of the stages before it) and gives back (its outputs, or the signal that stopped it), plus
 * the small helpers the stages share.
 *
 * @module
 */

import type { JsonValue } from "../run/mod.ts";
import type { Runtime } from "../runtime/mod.ts";
import type { ResolvedPipelineConfig } from "./config.ts";
import type { Log } from "./run_log.ts";
import type { Stage } from "./stages.ts";

/** What a stage produced: paths (relative to the run folder) and figures. */
export type StageOutputs = Record<string, JsonValue>;

/** What a stage gets. */
export interface StageContext {
  readonly config: ResolvedPipelineConfig;
  /** The run folder. */
  readonly out: string;
  readonly log: Log;
  readonly runtime: Runtime;
  /** Outputs of the stages before this one. */
  readonly outputs: Readonly<Partial<Record<Stage, StageOutputs>>>;
  /** Show progress bars on stderr. */
  readonly progress: boolean;
  /** Signals a checkpointing stage stops on (after a checkpoint). */
  readonly signals: readonly Deno.Signal[];
  /** The folder of results shared between runs (see cache.ts), or null: compute everything. */
  readonly cache: string | null;
}

/** How a stage ended: finished with outputs, or stopped by a signal after a checkpoint. */
export type StageResult = { readonly outputs: StageOutputs } | { readonly signal: Deno.Signal };

/** A stage's implementation. */
export type StageFn = (ctx: StageContext) => Promise<StageResult>;

/** Seed offsets of the procedural sets, so that seeds, oracle data and evaluation never share a stream. */
export const SET_SEEDS: Readonly<Record<"seeds" | "oracle" | "evaluation", number>> = Object.freeze(
  {
    seeds: 700_001,
    oracle: 800_001,
    evaluation: 900_001,
  },
);

/** Counts per value of `key`. */
export function countBy<T>(items: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}
