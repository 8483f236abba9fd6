/**
 * Learning-rate schedules: a linear warm-up from 0 to the peak, then one shape from a table
 * (constant, linear decay, cosine decay) down to `minRatio` × peak at the last step.
 *
 * @module
 */

/** The shapes a schedule can take after its warm-up. */
export type ScheduleKind = "constant" | "linear" | "cosine";

/**
 * Each shape as a function of progress `p` in [0, 1] after the warm-up (0 at its first step,
 * 1 at `totalSteps`), returning the fraction of the way from `minRatio` × peak (0) to the peak
 * (1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SCHEDULES } from "./schedule.ts";
 * assert.equal(SCHEDULES.constant(0.5), 1);
 * assert.equal(SCHEDULES.linear(0.25), 0.75);
 * assert.equal(SCHEDULES.cosine(0.5), 0.5);
 * ```
 */
export const SCHEDULES: Readonly<Record<ScheduleKind, (p: number) => number>> = Object.freeze({
  constant: () => 1,
  linear: (p: number) => 1 - p,
  cosine: (p: number) => 0.5 * (1 + Math.cos(Math.PI * p)),
});

/** A learning-rate schedule. */
export interface Schedule {
  /** The shape after the warm-up. */
  readonly kind: ScheduleKind;
  /** The learning rate at the end of the warm-up. */
  readonly peak: number;
  /** Steps of linear warm-up; step i < warmupSteps gets peak × (i + 1) / warmupSteps. @default 0 */
  readonly warmupSteps?: number;
  /** Steps of the whole run (warm-up included); the shape reaches its end here. */
  readonly totalSteps: number;
  /** The floor as a fraction of the peak, reached at `totalSteps`. @default 0 */
  readonly minRatio?: number;
}

function check(ok: boolean, field: string, rule: string, value: unknown): void {
  if (!ok) {
    throw new RangeError(
      `Cannot compute learning rate: '${field}' must be ${rule}: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
}

/**
 * The learning rate of (0-based) `step`: warm-up steps ramp linearly from 0 (the first one gets
 * peak / warmupSteps, so no step is wasted at 0); after them the shape runs from the peak at
 * step `warmupSteps` to `minRatio` × peak at `totalSteps` (later steps stay there).
 *
 * @example Cosine with 10 warm-up steps over 110
 * ```ts
 * import assert from "node:assert/strict";
 * import { learningRate } from "./schedule.ts";
 * const s = { kind: "cosine" as const, peak: 1e-3, warmupSteps: 10, totalSteps: 110 };
 * assert.equal(learningRate(s, 0), 1e-4);
 * assert.equal(learningRate(s, 9), 1e-3);
 * assert.equal(learningRate(s, 10), 1e-3);
 * assert.ok(Math.abs(learningRate(s, 60) - 5e-4) < 1e-12);
 * assert.throws(() => learningRate({ ...s, kind: "step" as never }, 0), /'kind' must be one of/);
 * ```
 */
export function learningRate(schedule: Schedule, step: number): number {
  const { kind, peak, warmupSteps = 0, totalSteps, minRatio = 0 } = schedule;
  check(
    Object.hasOwn(SCHEDULES, kind),
    "kind",
    `one of ${Object.keys(SCHEDULES).join(", ")}`,
    kind,
  );
  check(Number.isFinite(peak) && peak >= 0, "peak", "a finite number ≥ 0", peak);
  check(
    Number.isInteger(totalSteps) && totalSteps >= 1,
    "totalSteps",
    "an integer ≥ 1",
    totalSteps,
  );
  check(
    Number.isInteger(warmupSteps) && warmupSteps >= 0 && warmupSteps <= totalSteps,
    "warmupSteps",
    `an integer from 0 to totalSteps (${totalSteps})`,
    warmupSteps,
  );
  check(minRatio >= 0 && minRatio <= 1, "minRatio", "a number from 0 to 1", minRatio);
  check(Number.isInteger(step) && step >= 0, "step", "an integer ≥ 0", step);
  if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
  const p = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minRatio + (1 - minRatio) * SCHEDULES[kind](p));
}
