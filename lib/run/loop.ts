/**
 * A training loop that checkpoints: runs steps from where the last checkpoint left off, saves
 * every `saveEvery` steps and after the last, and on SIGINT or SIGTERM finishes the step in
 * progress, saves, and reports the signal so the caller can exit with 130 or 143.
 *
 * @module
 */

import type { ParamStore } from "../runtime/mod.ts";
import { saveCheckpoint } from "./checkpoint.ts";
import type { RunFingerprint } from "./fingerprint.ts";
import type { Rng } from "./rng.ts";

/** The live parts of a run that a checkpoint saves. */
export interface RunState {
  /** Checkpoint folder. */
  readonly dir: string;
  readonly fingerprint: RunFingerprint;
  /** The model's weights, saved as they are at each checkpoint. */
  readonly weights: ParamStore;
  /** The optimizer state, saved with them. */
  readonly state: ParamStore;
  /** The run's generator: the step function draws from it, its state is saved. */
  readonly rng: Rng;
}

/** Options of {@link runSteps}. */
export interface RunStepsOptions {
  /** Total steps of the run. */
  readonly steps: number;
  /** Steps already done (a resumed checkpoint's step). @default 0 */
  readonly start?: number;
  /** Save after every this many steps (and always after the last). @default 100 */
  readonly saveEvery?: number;
  /** Signals that stop the run after the current step, with a checkpoint. @default SIGINT, SIGTERM */
  readonly signals?: readonly Deno.Signal[];
  /** Called after each checkpoint with the step it holds. */
  readonly onSave?: (step: number) => void;
}

/** How {@link runSteps} ended. */
export interface RunStepsResult {
  /** Steps done, all saved. */
  readonly step: number;
  /** The signal that stopped the run early, or null when it ran to the end. */
  readonly signal: Deno.Signal | null;
}

/** Exit status of a process stopped by a signal: 128 + its number, as shells report it. */
export const SIGNAL_EXIT_CODES: Readonly<Partial<Record<Deno.Signal, number>>> = Object.freeze({
  SIGINT: 130,
  SIGTERM: 143,
});

/**
 * Runs `step(i)` for i = start … steps − 1 with checkpoints. Signal listeners are in place only
 * while the loop runs and are removed before it returns (or throws).
 *
 * @example Three steps, one checkpoint at the end
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCheckpoint } from "./checkpoint.ts";
 * import { runSteps } from "./loop.ts";
 * import { createRng } from "./rng.ts";
 * const dir = await Deno.makeTempDir();
 * const rng = createRng(0);
 * const run = { dir, rng, weights: new Map(), state: new Map(),
 *   fingerprint: { flags: {}, model: {}, tokenizer: null } };
 * const seen: number[] = [];
 * const r = await runSteps(run, async (i) => { seen.push(i); rng.next(); }, { steps: 3, saveEvery: 10 });
 * assert.deepEqual([seen, r], [[0, 1, 2], { step: 3, signal: null }]);
 * assert.deepEqual((await loadCheckpoint(dir))!.rng, rng.state());
 * ```
 */
export async function runSteps(
  run: RunState,
  step: (i: number) => Promise<void>,
  options: RunStepsOptions,
): Promise<RunStepsResult> {
  const { steps, start = 0, saveEvery = 100, signals = ["SIGINT", "SIGTERM"], onSave } = options;
  for (const [name, v] of [["steps", steps], ["start", start], ["saveEvery", saveEvery]] as const) {
    if (!Number.isSafeInteger(v) || v < (name === "saveEvery" ? 1 : 0)) {
      throw new RangeError(
        `Cannot run steps: '${name}' must be a whole number${
          name === "saveEvery" ? " ≥ 1" : ""
        }: current value is ${v}`,
      );
    }
  }
  const save = async (at: number) => {
    const { dir, weights, state, rng, fingerprint } = run;
    await saveCheckpoint(dir, { step: at, weights, state, rng: rng.state(), fingerprint });
    onSave?.(at);
  };
  let stopped: Deno.Signal | null = null;
  const handlers = signals.map((s) => [s, () => (stopped = s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    let done = start;
    while (done < steps) {
      await step(done);
      done++;
      if (stopped || done % saveEvery === 0 || done === steps) await save(done);
      if (stopped) return { step: done, signal: stopped };
    }
    return { step: done, signal: null };
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}
