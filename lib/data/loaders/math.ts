/**
 * Math word-problem formats: GSM8K (final answer after `####`), MATH (`\boxed{}` in the
 * solution, or an `answer` field) and SVAMP (a JSON array).
 *
 * @module
 */

import { extractBoxed } from "../../text/mod.ts";
import type { TaskRecord } from "../record.ts";
import { field, RowError, rowId } from "./_rows.ts";

/** A GSM8K row `{question, answer}`: reasoning, then `#### 42`. */
export function gsm8kRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const full = field(r, "answer");
  const at = full.lastIndexOf("####");
  if (at < 0) throw new RowError("the answer has no '####' final answer");
  const answer = full.slice(at + 4).trim().replaceAll(",", "");
  if (!answer) throw new RowError("nothing after '####'");
  return {
    id: rowId(r, ["id"], line),
    domain: "math",
    question: field(r, "question"),
    reasoning: full.slice(0, at).trim(),
    answer,
    answerKind: "number",
    meta: {},
  };
}

/** A MATH row `{problem, solution}` (answer boxed) or `{problem, solution?, answer}`. */
export function mathRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const problem = field(r, "problem");
  const solution = typeof r.solution === "string" ? r.solution : undefined;
  const answer = typeof r.answer === "string" || typeof r.answer === "number"
    ? String(r.answer)
    : solution
    ? extractBoxed(solution)
    : null;
  if (answer === null) throw new RowError("no 'answer' field and no \\boxed{} in the solution");
  return {
    id: rowId(r, ["unique_id", "id"], line),
    domain: "math",
    question: problem,
    reasoning: solution,
    answer: answer.trim(),
    answerKind: "math",
    meta: { level: r.level, type: r.type },
  };
}

/** A SVAMP entry `{ID, Body, Question, Equation, Answer, Type}`. */
export function svampRecord(r: Record<string, unknown>): TaskRecord {
  const answer = Number(field(r, "Answer"));
  if (!Number.isFinite(answer)) throw new RowError(`'Answer' is not a number: ${r.Answer}`);
  return {
    id: field(r, "ID"),
    domain: "math",
    question: `${field(r, "Body").trim()} ${field(r, "Question").trim()}`,
    reasoning: field(r, "Equation").trim(),
    answer: String(answer),
    answerKind: "number",
    meta: { type: r.Type },
  };
}
