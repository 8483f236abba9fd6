/**
 * Checking a model's answer to any task record by its domain: math by the final answer, multiple
 * choice by the letter, code by running it against the record's tests in the sandbox.
 *
 * @module
 */

import type { TaskRecord } from "../data/record.ts";
import { extractChoice } from "./choice.ts";
import { codeJob } from "./code.ts";
import { extractMathAnswer, mathEquivalent } from "./math.ts";
import type { RunStatus, Sandbox } from "./sandbox.ts";

/** The verdict on one answer. */
export interface AnswerCheck {
  readonly correct: boolean;
  /** Code: how the run ended. */
  readonly status?: RunStatus;
}

/**
 * Checks `texts[i]` as the answer to `records[i]`. Records with `tests` run in `sandbox` (needed
 * then); records with `choices` compare the letter; the rest compare the final math answer.
 *
 * @example A word problem and a choice, no sandbox needed
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAnswers } from "./record.ts";
 * const math = { id: "1", domain: "math" as const, question: "?", answer: "12", meta: {} };
 * const mc = { id: "2", domain: "reasoning" as const, question: "?", answer: "B",
 *   choices: { A: "3", B: "7" }, meta: {} };
 * const r = await checkAnswers([math, mc], ["3 * 4 = 12. The answer is 12.", "So the answer is A."]);
 * assert.deepEqual(r.map((x) => x.correct), [true, false]);
 * ```
 */
export async function checkAnswers(
  records: readonly TaskRecord[],
  texts: readonly string[],
  sandbox?: Sandbox,
): Promise<AnswerCheck[]> {
  if (records.length !== texts.length) {
    throw new RangeError(
      `Cannot check answers: ${records.length} records but ${texts.length} texts`,
    );
  }
  const out: AnswerCheck[] = records.map((r, i) => {
    if (r.tests?.length) return { correct: false };
    if (r.choices) return { correct: extractChoice(texts[i], r.choices) === r.answer };
    return { correct: mathEquivalent(extractMathAnswer(texts[i]), r.answer) };
  });
  const code = records.map((r, i) => (r.tests?.length ? i : -1)).filter((i) => i >= 0);
  if (code.length) {
    if (!sandbox) {
      throw new Error(
        `Cannot check code answers (record '${records[code[0]].id}'): pass a sandbox`,
      );
    }
    const runs = await sandbox.runAll(code.map((i) => codeJob(records[i], texts[i])));
    for (const [k, i] of code.entries()) {
      out[i] = { correct: runs[k].status === "pass", status: runs[k].status };
    }
  }
  return out;
}
