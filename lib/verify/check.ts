/**
 * The one answer checker: a table from a record's answer kind to its checker, a synchronous
 * {@link checkAnswer} for one text, and a batched {@link checkAnswers} that runs code in the
 * sandbox.
 *
 * @module
 */

import type { AnswerKind, TaskRecord } from "../data/record.ts";
import { extractChoice, extractLabel } from "./choice.ts";
import { codeJob } from "./code.ts";
import { extractMathAnswer, mathEquivalent } from "./math.ts";
import type { RunStatus, Sandbox, SandboxJob } from "./sandbox.ts";

/** The verdict on one answer. */
export interface AnswerCheck {
  readonly correct: boolean;
  /**
   * Text kinds: what was read from the text (the final math answer, the letter, the label, the
   * stated target), or null when no answer could be read.
   */
  readonly extracted?: string | null;
  /** Code: how the run ended. */
  readonly status?: RunStatus;
  /** Code: the end of stderr, when the run did not pass. */
  readonly stderr?: string;
}

/**
 * How one answer kind is checked: from the text alone (`check`), or by a program run in the
 * sandbox (`job` builds the run; the run's status decides).
 */
export type Checker =
  | { readonly by: "text"; check(record: TaskRecord, text: string): AnswerCheck }
  | { readonly by: "sandbox"; job(record: TaskRecord, text: string): SandboxJob };

function needChoices(record: TaskRecord): Readonly<Record<string, string>> {
  if (!record.choices || Object.keys(record.choices).length === 0) {
    throw new TypeError(
      `Cannot check record '${record.id}': a '${record.answerKind}' record needs 'choices'`,
    );
  }
  return record.choices;
}

const BY_VALUE: Checker = {
  by: "text",
  check(record, text) {
    const extracted = extractMathAnswer(text);
    return { correct: mathEquivalent(extracted, record.answer), extracted };
  },
};

/** Where a free-text answer is stated: after the last "answer is" / "answer:" on its line. */
const ANSWER_CUE = /\banswer\s*(?:is\b|:)\s*:?/gi;

/** The free-text answer `text` states, normalised for comparison (null when empty). */
function statedAnswer(text: string): string | null {
  let from = -1;
  for (const m of text.matchAll(ANSWER_CUE)) from = m.index + m[0].length;
  let line: string;
  if (from >= 0) line = text.slice(from).split("\n")[0].split(/\.\s/)[0];
  else {
    const lines = text.split("\n").filter((l) => l.trim());
    line = lines[lines.length - 1] ?? "";
  }
  return normalizeExact(line) || null;
}

function normalizeExact(s: string): string {
  let t = s.trim().replace(/^\\boxed\{(.*)\}$/s, "$1").trim();
  t = t.replace(/^[*_"'`]+|[*_"'`]+$/g, "").trim();
  t = t.replace(/\.$/, "").trim();
  return t.replace(/\s+/g, " ").toLowerCase();
}

/**
 * The checker of each answer kind. Math and number answers are compared by value, choices and
 * labels read strictly (see `choice.ts`), exact targets compared whole (case and spacing
 * aside), code run against the record's tests.
 *
 * @example Text kinds check at once; code builds a sandbox job
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANSWER_CHECKERS } from "./check.ts";
 * const exact = ANSWER_CHECKERS.exact;
 * const rec = { id: "1", domain: "reasoning" as const, question: "?", answer: "True",
 *   answerKind: "exact" as const, meta: {} };
 * assert.ok(exact.by === "text" && exact.check(rec, "So the answer is True.").correct);
 * assert.equal(ANSWER_CHECKERS.code.by, "sandbox");
 * ```
 */
export const ANSWER_CHECKERS: Readonly<Record<AnswerKind, Checker>> = Object.freeze({
  number: BY_VALUE,
  math: BY_VALUE,
  choice: {
    by: "text",
    check(record, text) {
      const extracted = extractChoice(text, needChoices(record));
      return { correct: extracted === record.answer, extracted };
    },
  },
  label: {
    by: "text",
    check(record, text) {
      const choices = needChoices(record);
      const extracted = extractLabel(text, Object.values(choices), choices);
      return {
        correct: extracted !== null && extracted.toLowerCase() === record.answer.toLowerCase(),
        extracted,
      };
    },
  },
  exact: {
    by: "text",
    check(record, text) {
      const extracted = statedAnswer(text);
      return { correct: extracted === normalizeExact(record.answer), extracted };
    },
  },
  code: { by: "sandbox", job: codeJob },
});

function checkerOf(record: TaskRecord): Checker {
  const checker = Object.hasOwn(ANSWER_CHECKERS, record.answerKind)
    ? ANSWER_CHECKERS[record.answerKind]
    : undefined;
  if (!checker) {
    throw new TypeError(
      `Cannot check record '${record.id}': 'answerKind' must be one of ${
        Object.keys(ANSWER_CHECKERS).join(", ")
      }: current value is ${JSON.stringify(record.answerKind)}`,
    );
  }
  return checker;
}

/**
 * Checks `text` as the answer to `record`, by the record's answer kind. Returns null where the
 * check needs a program run (`code`: use {@link checkAnswers} with a sandbox).
 *
 * @example A word problem, a choice and a label
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAnswer } from "./check.ts";
 * const base = { id: "1", domain: "math" as const, question: "?", meta: {} };
 * assert.equal(
 *   checkAnswer({ ...base, answer: "12", answerKind: "number" }, "3 * 4 = 12, so 12.")?.correct,
 *   true,
 * );
 * const mc = { ...base, answer: "B", answerKind: "choice" as const, choices: { A: "3", B: "7" } };
 * assert.deepEqual(checkAnswer(mc, "So the answer is A."), { correct: false, extracted: "A" });
 * const yn = { ...base, answer: "no", answerKind: "label" as const,
 *   choices: { A: "yes", B: "no", C: "maybe" } };
 * assert.equal(checkAnswer(yn, "The evidence is weak; no.")?.correct, true);
 * ```
 */
export function checkAnswer(record: TaskRecord, text: string): AnswerCheck | null {
  const checker = checkerOf(record);
  return checker.by === "text" ? checker.check(record, text) : null;
}

/** Options of {@link checkAnswers}. */
export interface CheckOptions {
  /** Called as sandbox runs finish: runs done so far and their total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Checks `texts[i]` as the answer to `records[i]`; code records run in `sandbox` (required when
 * there are any), all at once with the sandbox's concurrency.
 *
 * @example A word problem and a choice, no sandbox needed
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAnswers } from "./check.ts";
 * const math = { id: "1", domain: "math" as const, question: "?", answer: "12",
 *   answerKind: "number" as const, meta: {} };
 * const mc = { id: "2", domain: "reasoning" as const, question: "?", answer: "B",
 *   answerKind: "choice" as const, choices: { A: "3", B: "7" }, meta: {} };
 * const r = await checkAnswers([math, mc], ["3 * 4 = 12. The answer is 12.", "So the answer is A."]);
 * assert.deepEqual(r.map((x) => x.correct), [true, false]);
 * ```
 */
export async function checkAnswers(
  records: readonly TaskRecord[],
  texts: readonly string[],
  sandbox?: Sandbox,
  options: CheckOptions = {},
): Promise<AnswerCheck[]> {
  if (records.length !== texts.length) {
    throw new RangeError(
      `Cannot check answers: ${records.length} records but ${texts.length} texts`,
    );
  }
  const out: (AnswerCheck | null)[] = records.map((r, i) => checkAnswer(r, texts[i]));
  const runs: number[] = [];
  for (let i = 0; i < out.length; i++) if (out[i] === null) runs.push(i);
  if (runs.length) {
    if (!sandbox) {
      throw new Error(
        `Cannot check code answers (record '${records[runs[0]].id}'): pass a sandbox`,
      );
    }
    const jobs = runs.map((i) => {
      const checker = checkerOf(records[i]) as Extract<Checker, { by: "sandbox" }>;
      return checker.job(records[i], texts[i]);
    });
    const results = await sandbox.runAll(
      jobs,
      options.onProgress && ((done) => options.onProgress!(done, jobs.length)),
    );
    runs.forEach((i, k) => {
      const { status, stderr } = results[k];
      out[i] = status === "pass" ? { correct: true, status } : { correct: false, status, stderr };
    });
  }
  return out as AnswerCheck[];
}
