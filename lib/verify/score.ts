/**
 * Scoring a model's free-text prediction against a record, per data format.
 *
 * @module
 */

import type { DataFormat } from "../data/loaders.ts";
import type { TaskRecord } from "../data/record.ts";
import { extractChoice } from "./choice.ts";
import { extractMathAnswer, mathEquivalent } from "./math.ts";
import { codeJob } from "./code.ts";
import { createSandbox, type RunStatus, type Sandbox } from "./sandbox.ts";

/** Formats whose predictions are checked without running code. */
export const TEXT_FORMATS: readonly DataFormat[] = [
  "gsm8k",
  "math",
  "svamp",
  "medmcqa",
  "medqa",
  "pubmedqa",
  "bbh",
  "mmlu",
];

/** Formats whose predictions are programs run against tests in the sandbox. */
export const CODE_FORMATS: readonly DataFormat[] = ["mbpp", "humaneval"];

/**
 * Whether `prediction` answers `record` correctly, for the text formats. Code formats (mbpp,
 * humaneval) run in the sandbox: use {@link scorePredictions} for them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCorrect } from "./score.ts";
 * const rec = { id: "0", domain: "math" as const, question: "2+2?", answer: "4", meta: {} };
 * assert.ok(isCorrect("gsm8k", rec, "2 + 2 = 4, so the answer is 4."));
 * ```
 */
export function isCorrect(format: DataFormat, record: TaskRecord, prediction: string): boolean {
  switch (format) {
    case "gsm8k":
    case "math":
    case "svamp":
      return mathEquivalent(extractMathAnswer(prediction), record.answer);
    case "medmcqa":
    case "medqa":
    case "mmlu":
      return extractChoice(prediction, record.choices ?? {}) === record.answer;
    case "pubmedqa": {
      const m = /\b(yes|no|maybe)\b/i.exec(prediction);
      return !!m && m[1].toLowerCase() === record.answer;
    }
    case "bbh": {
      const norm = (s: string) =>
        s.trim().replace(/^the answer is:?\s*/i, "").replace(/\.$/, "").trim().toLowerCase();
      const gold = norm(record.answer), pred = norm(prediction);
      if (/^\([A-R]\)$/i.test(gold)) {
        return pred === gold || pred === gold.slice(1, 2) || pred.startsWith(gold);
      }
      return pred === gold;
    }
    default:
      throw new Error(
        `Cannot score ${format} predictions with isCorrect: code runs in the sandbox; use scorePredictions`,
      );
  }
}

/** The verdict on one item. */
export interface ItemResult {
  readonly id: string;
  readonly correct: boolean;
  /** The gold answer (for code: the reference program). */
  readonly gold: string;
  readonly prediction: string;
  /** Code formats: how the run ended (absent when there was no prediction to run). */
  readonly status?: RunStatus;
  /** Code formats: the end of stderr, when the run did not pass. */
  readonly stderr?: string;
}

/** Options of {@link scorePredictions}. */
export interface ScoreOptions {
  /** The sandbox for code formats; one is created (two workers) when absent. */
  readonly sandbox?: Sandbox;
  /** Called as code items finish: done so far and total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Scores predictions (by record id) against records of a format: text formats by answer
 * extraction, code formats by running each program against its tests in the sandbox. A record
 * with no prediction counts as wrong.
 *
 * @example Two GSM8K-style items, one right
 * ```ts
 * import assert from "node:assert/strict";
 * import { scorePredictions } from "./score.ts";
 * const rec = (id: string, answer: string) =>
 *   ({ id, domain: "math" as const, question: "?", answer, meta: {} });
 * const results = await scorePredictions("gsm8k", [rec("a", "12"), rec("b", "7")],
 *   new Map([["a", "So 3 * 4 = 12.\n#### 12"], ["b", "The answer is 8."]]));
 * assert.deepEqual(results.map((r) => r.correct), [true, false]);
 * ```
 */
export async function scorePredictions(
  format: DataFormat,
  records: readonly TaskRecord[],
  predictions: ReadonlyMap<string, string>,
  options: ScoreOptions = {},
): Promise<ItemResult[]> {
  if (!CODE_FORMATS.includes(format)) {
    return records.map((r) => {
      const prediction = predictions.get(r.id);
      return {
        id: r.id,
        correct: prediction !== undefined && isCorrect(format, r, prediction),
        gold: r.answer,
        prediction: prediction ?? "",
      };
    });
  }
  const sandbox = options.sandbox ?? await createSandbox();
  const toRun = records.filter((r) => predictions.has(r.id));
  const runs = await sandbox.runAll(
    toRun.map((r) => codeJob(r, predictions.get(r.id)!)),
    options.onProgress && ((done) => options.onProgress!(done, toRun.length)),
  );
  const byId = new Map(toRun.map((r, i) => [r.id, runs[i]]));
  return records.map((r) => {
    const run = byId.get(r.id);
    return {
      id: r.id,
      correct: run?.status === "pass",
      gold: r.answer,
      prediction: predictions.get(r.id) ?? "",
      ...(run ? { status: run.status } : {}),
      ...(run && run.status !== "pass" ? { stderr: run.stderr } : {}),
    };
  });
}
