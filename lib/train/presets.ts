/**
 * Fine-tuning recipes as small named presets: the reference work's student recipe, and one
 * scaled for the tiny default student. A preset says what a recipe is in words a paper uses
 * (epochs, peak learning rate, warm-up fraction, effective batch); {@link fineTuneOptions} turns
 * it and a data set's size into `fineTune`'s options (steps, warm-up steps).
 *
 * @module
 */

import type { ScheduleKind } from "./schedule.ts";
import type { FineTuneOptions } from "./sft.ts";

/** A fine-tuning recipe, independent of the data set's size. */
export interface FineTunePreset {
  /** What the recipe is for and where its numbers come from. */
  readonly description: string;
  /** Passes over the data set. */
  readonly epochs: number;
  /**
   * Examples per optimizer step (the effective batch: `fineTune` takes the whole batch in one
   * step, so there is no accumulation to split it into).
   */
  readonly batchSize: number;
  /** Peak learning rate. */
  readonly lr: number;
  /** The schedule's shape after the warm-up. */
  readonly schedule: ScheduleKind;
  /** Warm-up steps as a fraction of all steps. */
  readonly warmup: number;
  /** The floor of the decay, as a fraction of the peak. */
  readonly minRatio: number;
  /** Global-norm gradient clip. */
  readonly clipNorm: number;
  /** At most this many steps, whatever the data set's size (null: no cap). */
  readonly maxSteps: number | null;
}

/**
 * The presets, by name:
 * - `reference`: the reference work's student SFT (5 epochs, learning rate 2e-5, cosine with 5%
 *   warm-up, effective batch 16), for billion-parameter students;
 * - `tiny`: scaled for the default 1.7M-parameter student. Measured (2 seeds each, held-out
 *   procedural items of difficulty 1): on 200 two-digit additions and
 *   subtractions (its weakest kinds), 5 epochs at 2e-5 leave it unchanged (those kinds 10% →
 *   10%); at 1e-4 they rise to 17–19% while its other kinds go 47% → 41%; 3e-4 gains no more
 *   (18–19%) and costs twice the forgetting (→ 34–36%); 1e-3 collapses them (→ 17–20%). On 163
 *   verifier-labelled samples of the default generator, 1e-4 keeps overall accuracy (39% → 38–39%,
 *   train loss 0.9 → 0.36) where 3e-4 loses division (100% → 55–71%). So: the reference recipe
 *   at 5× its learning rate, the decay stopping at 10% of the peak, at most 200 steps (longer
 *   runs overwrite what it knows: see the DESIGN table).
 *
 * @example The reference recipe
 * ```ts
 * import assert from "node:assert/strict";
 * import { SFT_PRESETS } from "./presets.ts";
 * const r = SFT_PRESETS.reference;
 * assert.deepEqual([r.epochs, r.lr, r.schedule, r.warmup, r.batchSize], [5, 2e-5, "cosine", 0.05, 16]);
 * ```
 */
export const SFT_PRESETS: Readonly<Record<"reference" | "tiny", FineTunePreset>> = Object.freeze({
  reference: Object.freeze({
    description:
      "The reference work's student recipe: 5 epochs, lr 2e-5, cosine with 5% warm-up, effective batch 16.",
    epochs: 5,
    batchSize: 16,
    lr: 2e-5,
    schedule: "cosine" as const,
    warmup: 0.05,
    minRatio: 0,
    clipNorm: 1,
    maxSteps: null,
  }),
  tiny: Object.freeze({
    description:
      "Scaled for the 1.7M default student: 5 epochs (at most 200 steps), lr 1e-4, cosine to 10% with 5% warm-up, batch 16.",
    epochs: 5,
    batchSize: 16,
    lr: 1e-4,
    schedule: "cosine" as const,
    warmup: 0.05,
    minRatio: 0.1,
    clipNorm: 1,
    maxSteps: 200,
  }),
});

/** The name of a preset. */
export type SftPresetName = keyof typeof SFT_PRESETS;

/**
 * `fineTune`'s options for a preset (or a preset's name) on a data set of `datasetSize`
 * examples: steps = ⌈epochs × size / batch⌉ (capped at `maxSteps`), warm-up steps = the warm-up
 * fraction of those, rounded (at least 1 when the fraction is above 0). Other options (seed,
 * onStep, …) are added by the caller.
 *
 * @example 5 epochs of 200 examples in batches of 16
 * ```ts
 * import assert from "node:assert/strict";
 * import { fineTuneOptions } from "./presets.ts";
 * const o = fineTuneOptions("reference", 200);
 * assert.equal(o.steps, 63);
 * assert.deepEqual(o.schedule, { kind: "cosine", peak: 2e-5, warmupSteps: 3, minRatio: 0 });
 * assert.throws(() => fineTuneOptions("huge" as never, 10), /'preset' must be one of reference, tiny/);
 * ```
 */
export function fineTuneOptions(
  preset: FineTunePreset | SftPresetName,
  datasetSize: number,
): FineTuneOptions & { steps: number; batchSize: number } {
  if (typeof preset === "string" && !Object.hasOwn(SFT_PRESETS, preset)) {
    throw new RangeError(
      `Cannot build fine-tune options: 'preset' must be one of ${
        Object.keys(SFT_PRESETS).join(", ")
      }: current value is ${JSON.stringify(preset)}`,
    );
  }
  const p = typeof preset === "string" ? SFT_PRESETS[preset] : preset;
  if (!Number.isInteger(datasetSize) || datasetSize < 1) {
    throw new RangeError(
      `Cannot build fine-tune options: 'datasetSize' must be an integer ≥ 1: current value is ${datasetSize}`,
    );
  }
  const full = Math.ceil((p.epochs * datasetSize) / p.batchSize);
  const steps = p.maxSteps === null ? full : Math.min(full, p.maxSteps);
  const warmupSteps = p.warmup > 0 ? Math.max(1, Math.round(p.warmup * steps)) : 0;
  return {
    batchSize: p.batchSize,
    steps,
    schedule: { kind: p.schedule, peak: p.lr, warmupSteps, minRatio: p.minRatio },
    clipNorm: p.clipNorm,
  };
}
