/**
 * Shared row handling of the loaders: a row error type, field readers, and the loop that turns
 * numbered rows into records while skipping (and listing) or stopping at malformed ones.
 *
 * @module
 */

import type { BadRow, Loaded, TaskRecord } from "../record.ts";

/** Options of the loaders. */
export interface LoadOptions {
  /**
   * What to do with a malformed row: `"throw"` stops with an error naming the file and line;
   * `"skip"` leaves it out and lists it (line and reason) in `skipped`.
   * @default "throw"
   */
  readonly onBadRow?: "skip" | "throw";
}

/** A malformed row: the message says what is wrong, the loop adds file and line. */
export class RowError extends Error {}

/** A decoded row with the 1-based line (or entry) it came from. */
export interface NumberedRow {
  readonly line: number;
  readonly row: Record<string, unknown>;
}

/** A row mapper: a decoded row and its 1-based line → one record; throws RowError when bad. */
export type RowMapper = (row: Record<string, unknown>, line: number) => TaskRecord;

/** A string (or number) field, or RowError naming the field. */
export function field(row: Record<string, unknown>, key: string): string {
  const v = row[key];
  if (typeof v !== "string" && typeof v !== "number") throw new RowError(`missing field '${key}'`);
  return String(v);
}

/** The record id: the row's own id field if present, else the 0-based line number. */
export function rowId(row: Record<string, unknown>, keys: readonly string[], line: number): string {
  for (const k of keys) {
    const v = row[k];
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  return String(line - 1);
}

/** Option letters, in order. */
export const LETTERS = "ABCDEFGHIJ";

/**
 * Maps rows to records. `label` names the format in errors
 * (`Cannot load GSM8K: line 17 of FILE: missing field 'answer'`); `unit` is "line" or "entry".
 */
export function mapRows(
  rows: Iterable<NumberedRow | { line: number; error: string }>,
  map: RowMapper,
  where: { label: string; file: string; unit?: "line" | "entry" },
  options: LoadOptions = {},
): Loaded {
  const { onBadRow = "throw" } = options;
  const unit = where.unit ?? "line";
  const records: TaskRecord[] = [], skipped: BadRow[] = [];
  for (const r of rows) {
    let reason: string;
    if ("error" in r) reason = r.error;
    else {
      try {
        records.push(map(r.row, r.line));
        continue;
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        reason = e.message;
      }
    }
    if (onBadRow === "throw") {
      throw new Error(`Cannot load ${where.label}: ${unit} ${r.line} of ${where.file}: ${reason}`);
    }
    skipped.push({ line: r.line, reason });
  }
  return { records, skipped };
}

/** Splits JSONL text into numbered rows; blank lines are passed over, bad JSON is a bad row. */
export function* jsonlRows(
  text: string,
): Generator<NumberedRow | { line: number; error: string }> {
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k];
    if (!raw.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      yield { line: k + 1, error: `not valid JSON (${(e as Error).message})` };
      continue;
    }
    if (!row || typeof row !== "object" || Array.isArray(row)) {
      yield { line: k + 1, error: "not a JSON object" };
    } else yield { line: k + 1, row: row as Record<string, unknown> };
  }
}

/** Parses a whole JSON file, or throws an error naming the format and file. */
export function parseJsonFile(text: string, label: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot load ${label}: ${file} is not valid JSON (${(e as Error).message})`);
  }
}
