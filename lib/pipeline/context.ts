/**
 * What every stage gets (the resolved config, the run folder, the log, the runtime, the outputs
 * of the stages before it) and gives back (its outputs, or the signal that stopped it), plus
 * the small helpers the stages share.
 *
 * @module
 */

import { generateTasks, TASK_KINDS, type TaskFamily, type TaskRecord } from "../data/mod.ts";
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
}

/** How a stage ended: finished with outputs, or stopped by a signal after a checkpoint. */
export type StageResult = { readonly outputs: StageOutputs } | { readonly signal: Deno.Signal };

/** A stage's implementation. */
export type StageFn = (ctx: StageContext) => Promise<StageResult>;

/** The family of every procedural kind. */
export function familyOf(kind: string): TaskFamily {
  for (const [family, kinds] of Object.entries(TASK_KINDS)) {
    if ((kinds as readonly string[]).includes(kind)) return family as TaskFamily;
  }
  throw new RangeError(`Cannot find the family of kind '${kind}': it is not a procedural kind`);
}

/** Seed offsets of the procedural sets, so that seeds, oracle data and evaluation never share a stream. */
export const SET_SEEDS: Readonly<Record<"seeds" | "oracle" | "evaluation", number>> = Object.freeze(
  {
    seeds: 700_001,
    oracle: 800_001,
    evaluation: 900_001,
  },
);

/**
 * `count` procedural tasks of each kind, each kind from its own seeded stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proceduralSet } from "./context.ts";
 * const r = proceduralSet(["add", "largest"], 2, 1, 700_001);
 * assert.deepEqual(r.map((x) => x.meta.kind), ["add", "add", "largest", "largest"]);
 * ```
 */
export function proceduralSet(
  kinds: readonly string[],
  count: number,
  difficulty: number,
  seed: number,
): TaskRecord[] {
  const all = Object.values(TASK_KINDS).flat() as string[];
  return kinds.flatMap((kind) =>
    generateTasks({
      family: familyOf(kind),
      kinds: [kind],
      count,
      difficulty,
      seed: seed + all.indexOf(kind),
    })
  );
}

/** Counts per value of `key`. */
export function countBy<T>(items: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}
