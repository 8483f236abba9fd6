/**
 * The one record type every data set becomes.
 *
 * @module
 */

/** Task domains the toolkit knows. */
export type Domain = "math" | "medical" | "code" | "reasoning" | "science";

/** One item of a data set. */
export interface TaskRecord {
  /** The file's own id where it has one (`realidx`, `task_id`, `ID`, a PubMedQA key), else the 0-based row number. */
  readonly id: string;
  readonly domain: Domain;
  readonly question: string;
  readonly reasoning?: string;
  /** The gold answer: a number, a choice letter, a label, or (code) a reference program. */
  readonly answer: string;
  /** Options by letter, for multiple choice. */
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
