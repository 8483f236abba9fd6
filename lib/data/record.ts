/**
 * The one record type every data set becomes.
 *
 * @module
 */

/** Task domains the toolkit knows. */
export type Domain = "math" | "medical" | "code" | "reasoning" | "science";

/**
 * How a record's gold answer is checked (the verifier keeps one checker per kind):
 * - `number`: one number (GSM8K, SVAMP, the procedural word problems), compared by value;
 * - `math`: a LaTeX or plain expression (MATH), compared by value;
 * - `choice`: the answer is one key of `choices` (a letter), read strictly from the text;
 * - `label`: the answer is one of the values of `choices` (PubMedQA yes/no/maybe, BBH tasks
 *   whose options are a dash list), read strictly as a word or by its letter;
 * - `exact`: a free-text target (other BBH tasks), compared whole after light normalisation;
 * - `code`: a program run against `tests` in the sandbox.
 */
export type AnswerKind = "number" | "math" | "choice" | "label" | "exact" | "code";

/** Every answer kind, for validation. */
export const ANSWER_KINDS: readonly AnswerKind[] = Object.freeze([
  "number",
  "math",
  "choice",
  "label",
  "exact",
  "code",
]);

/** One item of a data set. */
export interface TaskRecord {
  /** The file's own id where it has one (`realidx`, `task_id`, `ID`, a PubMedQA key), else the 0-based row number. */
  readonly id: string;
  readonly domain: Domain;
  readonly question: string;
  readonly reasoning?: string;
  /** The gold answer: a number, a choice letter, a label, or (code) a reference program. */
  readonly answer: string;
  /** How {@link TaskRecord.answer} is checked. */
  readonly answerKind: AnswerKind;
  /** Options by letter, for multiple choice (and the allowed labels of `label` records). */
  readonly choices?: Readonly<Record<string, string>>;
  /** Test code for code tasks. */
  readonly tests?: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
}

/** A row that could not be read. */
export interface BadRow {
  /** 1-based line (JSONL, CSV) or 1-based entry number (JSON files). */
  readonly line: number;
  readonly reason: string;
}

/** What a loader returns: the records and the rows it skipped. */
export interface Loaded {
  readonly records: TaskRecord[];
  readonly skipped: BadRow[];
}
