/**
 * Runs: the one command-line layer, progress bars, the one seeded RNG with splittable streams,
 * run fingerprints, atomic checkpoints (weights, optimizer state, step, RNG state, fingerprint)
 * and a checkpointing step loop that stops cleanly on SIGINT/SIGTERM. A low utility layer: it
 * imports only `graph` and `runtime`.
 *
 * @example A seeded stream and a named child stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./mod.ts";
 * const rng = createRng(42);
 * assert.equal(rng.split("init").next(), createRng(42).split("init").next());
 * ```
 *
 * @module
 */

export {
  cli,
  type CommandSpec,
  type Flags,
  type FlagSpec,
  type FlagSpecs,
  type FlagValue,
  helpText,
  listFlag,
  parseFlags,
  runMain,
  THREADS_FLAG,
  UsageError,
  usageExit,
} from "./cli.ts";
export { type Progress, progress, type ProgressOptions } from "./progress.ts";
export { createRng, restoreRng, type Rng, type RngState } from "./rng.ts";
export {
  fingerprintDifference,
  type FingerprintParts,
  type JsonValue,
  type RunFingerprint,
  runFingerprint,
  sha256Hex,
} from "./fingerprint.ts";
export {
  type Checkpoint,
  CHECKPOINT_FILE,
  loadCheckpoint,
  resumeCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export {
  type RunState,
  runSteps,
  type RunStepsOptions,
  type RunStepsResult,
  SIGNAL_EXIT_CODES,
} from "./loop.ts";
