/**
 * Scoring a model's free-text prediction against a record, per data format.
 *
 * @module
 */

import type { DataFormat } from "../data/loaders.ts";
import type { TaskRecord } from "../data/record.ts";
import { extractChoice } from "./choice.ts";
import { extractMathAnswer, mathEquivalent } from "./math.ts";

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

/**
 * Whether `prediction` answers `record` correctly. Code formats (mbpp, humaneval) need the code
 * sandbox, which is not built yet (issue #4), and are refused with that message.
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
        `Cannot score ${format} predictions yet: code formats need the sandbox of issue #4`,
      );
  }
}
