/**
 * A CSV reader (RFC 4180): quoted fields with commas, doubled quotes and line breaks inside,
 * CRLF or LF line ends. Each row keeps the line it starts on, so loaders can name it.
 *
 * @module
 */

/** One CSV row and the 1-based line it starts on. */
export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

/**
 * Parses CSV text into rows with their starting line numbers; blank lines are passed over.
 * Throws a SyntaxError naming the line when a quoted field never closes.
 *
 * @example Quotes, doubled quotes and commas inside a field
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsvRows } from "./csv.ts";
 * const rows = parseCsvRows('a,"b, ""c"""\n\n1,2\n');
 * assert.deepEqual(rows, [{ line: 1, fields: ["a", 'b, "c"'] }, { line: 3, fields: ["1", "2"] }]);
 * ```
 */
export function parseCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [], field = "", quoted = false, line = 1, start = 1, quoteLine = 0;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== "") rows.push({ line: start, fields });
    fields = [];
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") (quoted = true, quoteLine = line);
    else if (c === ",") (fields.push(field), field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      start = ++line;
    } else field += c;
  }
  if (quoted) throw new SyntaxError(`line ${quoteLine}: a quoted field is never closed`);
  if (field !== "" || fields.length > 0) endRow();
  return rows;
}

/**
 * Parses CSV text into rows of fields (see {@link parseCsvRows} for line numbers).
 *
 * @example CRLF line ends and a quoted field
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsv } from "./csv.ts";
 * assert.deepEqual(parseCsv("x,y\r\n1,\"2\"\r\n"), [["x", "y"], ["1", "2"]]);
 * ```
 */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).map((r) => r.fields);
}
