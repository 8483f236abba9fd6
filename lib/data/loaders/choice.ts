/**
 * Multiple-choice formats: MedMCQA and MedQA JSONL (`options` by letter, `answer_idx`),
 * PubMedQA `ori_pqal.json` (yes/no/maybe) and MMLU (JSONL `{question, choices, answer}` and the
 * CSV files).
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { field, LETTERS, RowError, rowId } from "./_rows.ts";

/** A MedMCQA/MedQA row `{question, options: {A..}, answer_idx, realidx?}`. */
export function medicalChoiceRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const options = r.options;
  if (!options || typeof options !== "object" || Array.isArray(options)) {
    throw new RowError("'options' must be an object of lettered options");
  }
  const answer = field(r, "answer_idx").trim();
  if (!Object.hasOwn(options, answer)) {
    throw new RowError(`'answer_idx' ${answer} is not one of the options`);
  }
  return {
    id: rowId(r, ["realidx", "id"], line),
    domain: "medical",
    question: field(r, "question"),
    answer,
    answerKind: "choice",
    choices: Object.fromEntries(
      Object.entries(options as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    ),
    meta: {},
  };
}

/** A PubMedQA entry (keyed by PMID) `{QUESTION, CONTEXTS, LONG_ANSWER, final_decision}`. */
export function pubmedqaRecord(r: Record<string, unknown>, key: string): TaskRecord {
  const decision = field(r, "final_decision").trim().toLowerCase();
  if (!["yes", "no", "maybe"].includes(decision)) {
    throw new RowError(`'final_decision' must be yes, no or maybe: current value is ${decision}`);
  }
  const ctx = Array.isArray(r.CONTEXTS) ? r.CONTEXTS.map(String).join("\n") : "";
  return {
    id: key,
    domain: "medical",
    question: `${ctx}\n${field(r, "QUESTION")}`.trim(),
    reasoning: typeof r.LONG_ANSWER === "string" ? r.LONG_ANSWER : undefined,
    answer: decision,
    answerKind: "label",
    choices: { A: "yes", B: "no", C: "maybe" },
    meta: { labels: r.LABELS, meshes: r.MESHES },
  };
}

/** An MMLU row `{question, choices: [...], answer}` with a 0-based index or a letter. */
export function mmluRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const choices = r.choices;
  if (!Array.isArray(choices) || choices.length < 2 || choices.length > LETTERS.length) {
    throw new RowError("'choices' must be a list of 2 to 10 options");
  }
  const a = r.answer;
  const idx = typeof a === "number"
    ? a
    : typeof a === "string" && /^[A-J]$/.test(a.trim())
    ? LETTERS.indexOf(a.trim())
    : typeof a === "string" && /^\d+$/.test(a.trim())
    ? Number(a)
    : NaN;
  if (!Number.isInteger(idx) || idx < 0 || idx >= choices.length) {
    throw new RowError(`'answer' ${JSON.stringify(a)} is not an option index or letter`);
  }
  return {
    id: rowId(r, ["id"], line),
    domain: "science",
    question: field(r, "question"),
    answer: LETTERS[idx],
    answerKind: "choice",
    choices: Object.fromEntries(choices.map((c, k) => [LETTERS[k], String(c)])),
    meta: { subject: r.type ?? r.subject },
  };
}

/**
 * An MMLU CSV row as a JSON-like row: with a header `question,choice0..3,answer` the answer is a
 * 0-3 index; the headerless original (`question,A,B,C,D,letter`) ends in a letter.
 */
export function mmluCsvRow(fields: string[], header: boolean): Record<string, unknown> {
  if (fields.length !== 6) throw new RowError(`expected 6 fields, found ${fields.length}`);
  const last = fields[5].trim();
  if (header && !/^[0-3]$/.test(last)) {
    throw new RowError(`'answer' must be an index 0-3: current value is '${last}'`);
  }
  if (!header && !/^[A-D]$/.test(last)) {
    throw new RowError(`the last field must be a letter A-D: current value is '${last}'`);
  }
  return { question: fields[0], choices: fields.slice(1, 5), answer: header ? Number(last) : last };
}
