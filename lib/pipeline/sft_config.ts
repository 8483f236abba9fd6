/**
 * The student fine-tuning recipe of a pipeline: a preset name from `SFT_PRESETS` or explicit
 * options over a preset (`{ "preset": "tiny", "epochs": 2 }`), resolved into the fields the
 * resumable fine-tune stage needs.
 *
 * @module
 */

import {
  type FineTunePreset,
  type ScheduleKind,
  SCHEDULES,
  SFT_PRESETS,
  type SftPresetName,
} from "../train/mod.ts";

/** A fine-tuning recipe with every field filled: a preset's fields and the pipeline's own. */
export interface ResolvedSftConfig extends Omit<FineTunePreset, "description"> {
  /** The preset the recipe starts from. */
  readonly preset: string;
  /** A fixed number of steps, or null: epochs (capped at `maxSteps`) decide. */
  readonly steps: number | null;
  /** AdamW decoupled weight decay. */
  readonly weightDecay: number;
  /** Checkpoint every this many steps (and at the end). */
  readonly saveEvery: number;
}

const FIELDS = [
  "preset",
  "epochs",
  "steps",
  "maxSteps",
  "batchSize",
  "lr",
  "schedule",
  "warmup",
  "minRatio",
  "weightDecay",
  "clipNorm",
  "saveEvery",
] as const;

/** A preset of `SFT_PRESETS` in this recipe's fields. */
function fromPreset(name: string): ResolvedSftConfig {
  const { description: _, ...p } = SFT_PRESETS[name as SftPresetName];
  return { preset: name, ...p, steps: null, weightDecay: 0, saveEvery: 25 };
}

/**
 * Resolves an SFT recipe: a preset name, or an object of fields over a preset (`preset`
 * defaults to `"tiny"`). Errors name the field under `path`.
 *
 * @example A preset with one field changed, and an unknown preset
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSftConfig } from "./sft_config.ts";
 * assert.equal(validateSftConfig({ preset: "tiny", epochs: 2 }).epochs, 2);
 * assert.throws(() => validateSftConfig("huge"), /'sft' must be one of/);
 * ```
 */
export function validateSftConfig(raw: unknown, path = "sft"): ResolvedSftConfig {
  const presets = Object.keys(SFT_PRESETS);
  const shown = (v: unknown) => (typeof v === "string" ? `'${v}'` : String(JSON.stringify(v)));
  const bad = (Err: typeof TypeError, f: string, rule: string, v: unknown): never => {
    throw new Err(
      `Cannot configure fine-tuning: '${f}' must be ${rule}: current value is ${shown(v)}`,
    );
  };
  if (typeof raw === "string") {
    if (!presets.includes(raw)) bad(RangeError, path, `one of ${presets.join(", ")}`, raw);
    return fromPreset(raw);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    bad(TypeError, path, `a preset name (${presets.join(", ")}) or an object`, raw);
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      bad(RangeError, `${path}.${k}`, `left out (fields: ${FIELDS.join(", ")})`, k);
    }
  }
  const preset = o.preset ?? "tiny";
  if (typeof preset !== "string" || !presets.includes(preset)) {
    bad(RangeError, `${path}.preset`, `one of ${presets.join(", ")}`, preset);
  }
  const base = fromPreset(preset as string);
  const num = (f: keyof ResolvedSftConfig, ok: (x: number) => boolean, rule: string) => {
    const v = o[f];
    if (v === undefined) return base[f] as number;
    if (typeof v !== "number" || !ok(v)) bad(RangeError, `${path}.${f}`, rule, v);
    return v as number;
  };
  const int1 = (x: number) => Number.isSafeInteger(x) && x >= 1;
  const schedule = o.schedule ?? base.schedule;
  if (!Object.hasOwn(SCHEDULES, schedule as string)) {
    bad(RangeError, `${path}.schedule`, `one of ${Object.keys(SCHEDULES).join(", ")}`, schedule);
  }
  return {
    preset: preset as string,
    epochs: num("epochs", (x) => x > 0, "a number > 0"),
    steps: o.steps === null || o.steps === undefined ? null : num("steps", int1, "an integer ≥ 1"),
    maxSteps: o.maxSteps === null
      ? null
      : o.maxSteps === undefined
      ? base.maxSteps
      : num("maxSteps", int1, "an integer ≥ 1"),
    batchSize: num("batchSize", int1, "an integer ≥ 1"),
    lr: num("lr", (x) => x > 0 && Number.isFinite(x), "a number > 0"),
    schedule: schedule as ScheduleKind,
    warmup: num("warmup", (x) => x >= 0 && x < 1, "a fraction in [0, 1)"),
    minRatio: num("minRatio", (x) => x >= 0 && x <= 1, "a fraction in [0, 1]"),
    weightDecay: num("weightDecay", (x) => x >= 0 && Number.isFinite(x), "a number ≥ 0"),
    clipNorm: num("clipNorm", (x) => x > 0 && Number.isFinite(x), "a number > 0"),
    saveEvery: num("saveEvery", int1, "an integer ≥ 1"),
  };
}
