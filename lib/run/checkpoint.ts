/**
 * Checkpoints of a training run, in a folder: the weights and the optimizer state as safetensors
 * files, and `checkpoint.json` with the step, the RNG state, the run's fingerprint and the names
 * of those two files. Every file is written to a temporary name, flushed to disk and renamed,
 * and `checkpoint.json` is renamed last: it is the commit point, so a crash at any moment leaves
 * the previous checkpoint whole and readable.
 *
 * @module
 */

import { loadParams, type ParamStore, saveParams } from "../runtime/mod.ts";
import { fingerprintDifference, type RunFingerprint } from "./fingerprint.ts";
import type { RngState } from "./rng.ts";

/** Everything a run needs to continue exactly where it stopped. */
export interface Checkpoint {
  /** Updates made so far. */
  readonly step: number;
  /** The model's weights. */
  readonly weights: ParamStore;
  /** The optimizer's state (moments, buffers, its step counter). */
  readonly state: ParamStore;
  /** The run's random generator, as {@link Rng.state} gives it. */
  readonly rng: RngState;
  /** What the run was. */
  readonly fingerprint: RunFingerprint;
}

/** Name of the commit-point file in a checkpoint folder. */
export const CHECKPOINT_FILE = "checkpoint.json";
const FORMAT = "acqsynth-checkpoint/1";

interface CheckpointJson {
  readonly format: string;
  readonly step: number;
  readonly rng: RngState;
  readonly fingerprint: RunFingerprint;
  readonly weights: string;
  readonly optimizer: string;
}

async function writeFileSynced(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    while (at < bytes.length) at += await file.write(bytes.subarray(at));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

/** Flushes a folder's entries (the renames) to disk; some systems cannot, which is harmless. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch { /* not supported here: the rename is still atomic */ }
}

/**
 * Saves a checkpoint into `dir` (created if needed), atomically; then removes the tensor files
 * of older checkpoints.
 *
 * @example Save and load
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import { createRng } from "./rng.ts";
 * const dir = await Deno.makeTempDir();
 * const fingerprint = { flags: { lr: 0.01 }, model: {}, tokenizer: null };
 * await saveCheckpoint(dir, { step: 3, weights: new Map([["w", tensor("float32", [2], [1, 2])]]),
 *   state: new Map(), rng: createRng(1).state(), fingerprint });
 * const back = await loadCheckpoint(dir);
 * assert.equal(back!.step, 3);
 * assert.equal(back!.weights.get("w")!.data[1], 2);
 * ```
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const { step, weights, state, rng, fingerprint } = checkpoint;
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(
      `Cannot save a checkpoint in ${dir}: 'step' must be a whole number: current value is ${step}`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  const tag = String(step).padStart(8, "0");
  const files = {
    weights: `weights-${tag}.safetensors`,
    optimizer: `optimizer-${tag}.safetensors`,
  };
  await saveParams(`${dir}/${files.weights}`, weights);
  await saveParams(`${dir}/${files.optimizer}`, state);
  await syncFolder(dir);
  const json: CheckpointJson = { format: FORMAT, step, rng, fingerprint, ...files };
  await writeFileSynced(`${dir}/${CHECKPOINT_FILE}`, JSON.stringify(json, null, 2) + "\n");
  await syncFolder(dir);
  // Only now are the older tensor files unreferenced.
  for await (const e of Deno.readDir(dir)) {
    const stale = /^(weights|optimizer)-\d+\.safetensors(\.tmp)?$/.test(e.name) &&
      e.name !== files.weights && e.name !== files.optimizer;
    if (e.isFile && stale) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
  }
}

/**
 * Loads the checkpoint in `dir`, or returns null when the folder holds none. Temporary files
 * of an interrupted save are ignored. A `checkpoint.json` that does not parse, or that names
 * missing files, is an error naming the file.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | null> {
  const path = `${dir}/${CHECKPOINT_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let json: CheckpointJson;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  if (json?.format !== FORMAT) {
    throw new TypeError(
      `Cannot read checkpoint ${path}: 'format' must be "${FORMAT}": current value is ${
        JSON.stringify(json?.format)
      }`,
    );
  }
  return {
    step: json.step,
    weights: await loadParams(`${dir}/${json.weights}`),
    state: await loadParams(`${dir}/${json.optimizer}`),
    rng: json.rng,
    fingerprint: json.fingerprint,
  };
}

/**
 * Loads the checkpoint in `dir` to resume a run whose fingerprint is `fingerprint`; null when
 * there is none. A checkpoint of a different run is refused with an error that names the field
 * that differs and both values:
 * `Cannot resume runs/x: flag 'lr' differs: checkpoint has 0.001, this run has 0.002`.
 *
 * @example A changed flag is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { resumeCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import { createRng } from "./rng.ts";
 * const dir = await Deno.makeTempDir();
 * const fp = (lr: number) => ({ flags: { lr }, model: {}, tokenizer: null });
 * await saveCheckpoint(dir, { step: 1, weights: new Map(), state: new Map(),
 *   rng: createRng(1).state(), fingerprint: fp(0.001) });
 * assert.equal((await resumeCheckpoint(dir, fp(0.001)))!.step, 1);
 * await assert.rejects(() => resumeCheckpoint(dir, fp(0.002)),
 *   /Cannot resume .*: flag 'lr' differs: checkpoint has 0.001, this run has 0.002/);
 * ```
 */
export async function resumeCheckpoint(
  dir: string,
  fingerprint: RunFingerprint,
): Promise<Checkpoint | null> {
  const saved = await loadCheckpoint(dir);
  if (!saved) return null;
  const diff = fingerprintDifference(saved.fingerprint, fingerprint);
  if (diff) {
    throw new Error(
      `Cannot resume ${dir}: ${diff} (use the checkpoint's value, or another output folder)`,
    );
  }
  return saved;
}
