/**
 * Loading the public benchmark formats: one entry point, {@link loadDataset}, dispatching to a
 * small mapper per format (in `loaders/`). A malformed row is reported with its line number; the
 * caller chooses to skip it (it is then listed in `skipped`) or to stop — never silently dropped.
 *
 * @module
 */

import type { Loaded, TaskRecord } from "./record.ts";
import { bbhRecord } from "./loaders/bbh.ts";
import { humanevalRecord, mbppRecord } from "./loaders/code.ts";
import { medicalChoiceRecord, mmluCsvRow, mmluRecord, pubmedqaRecord } from "./loaders/choice.ts";
import { parseCsvRows } from "./loaders/csv.ts";
import { gsm8kRecord, mathRecord, svampRecord } from "./loaders/math.ts";
import { taskRecordRow } from "./loaders/records.ts";
import {
  jsonlRows,
  type LoadOptions,
  mapRows,
  type NumberedRow,
  parseJsonFile,
  RowError,
  type RowMapper,
} from "./loaders/_rows.ts";

export type { LoadOptions } from "./loaders/_rows.ts";
export { parseCsv, parseCsvRows } from "./loaders/csv.ts";

/** Formats with a loader. */
export type DataFormat =
  | "gsm8k"
  | "math"
  | "svamp"
  | "medmcqa"
  | "medqa"
  | "pubmedqa"
  | "mbpp"
  | "humaneval"
  | "bbh"
  | "mmlu"
  | "records";

/** Every format name, for flag validation. */
export const DATA_FORMATS: readonly DataFormat[] = Object.freeze([
  "gsm8k",
  "math",
  "svamp",
  "medmcqa",
  "medqa",
  "pubmedqa",
  "mbpp",
  "humaneval",
  "bbh",
  "mmlu",
  "records",
]);

/** The name each format has in error messages. */
const LABELS: Readonly<Record<DataFormat, string>> = Object.freeze({
  gsm8k: "GSM8K",
  math: "MATH",
  svamp: "SVAMP",
  medmcqa: "MedMCQA",
  medqa: "MedQA",
  pubmedqa: "PubMedQA",
  mbpp: "MBPP",
  humaneval: "HumanEval",
  bbh: "BBH",
  mmlu: "MMLU",
  records: "task records",
});

/**
 * The keys a row of each format holds (for BBH, an entry of `examples`; for PubMedQA, an
 * entry under its PMID): how {@link sniffFormats} recognises a file.
 */
const EXPECTED_KEYS: Readonly<Record<DataFormat, readonly string[]>> = Object.freeze({
  gsm8k: ["question", "answer"],
  math: ["problem"],
  svamp: ["Body", "Question", "Answer"],
  medmcqa: ["question", "options", "answer_idx"],
  medqa: ["question", "options", "answer_idx"],
  pubmedqa: ["QUESTION", "final_decision"],
  mbpp: ["text", "code", "test_list"],
  humaneval: ["prompt", "entry_point", "test"],
  bbh: ["input", "target"],
  mmlu: ["question", "choices", "answer"],
  records: ["id", "domain", "question", "answer", "answerKind"],
});

const JSONL_MAPPERS: Readonly<
  Record<Exclude<DataFormat, "svamp" | "pubmedqa" | "bbh">, RowMapper>
> = Object.freeze({
  gsm8k: gsm8kRecord,
  math: mathRecord,
  medmcqa: medicalChoiceRecord,
  medqa: medicalChoiceRecord,
  mbpp: mbppRecord,
  humaneval: humanevalRecord,
  mmlu: mmluRecord,
  records: taskRecordRow,
});

/**
 * Parses a JSONL text with a format's row mapper (what {@link loadDataset} does for JSONL files).
 *
 * @example Skipping a bad row lists it with its line
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapJsonl } from "./loaders.ts";
 * const text = '{"question":"1+1?","answer":"#### 2"}\n{oops\n';
 * const { records, skipped } = mapJsonl(text, "gsm8k", "mem.jsonl", { onBadRow: "skip" });
 * assert.equal(records[0].answer, "2");
 * assert.equal(skipped[0].line, 2);
 * ```
 */
export function mapJsonl(
  text: string,
  format: Exclude<DataFormat, "svamp" | "pubmedqa" | "bbh">,
  file: string,
  options: LoadOptions = {},
): Loaded {
  return mapRows(jsonlRows(text), JSONL_MAPPERS[format], { label: LABELS[format], file }, options);
}

async function readText(path: string, label: string): Promise<string> {
  let bytes = await Deno.readFile(path).catch((e) => {
    throw new Error(`Cannot load ${label}: ${path}: ${(e as Error).message}`);
  });
  if (path.endsWith(".gz")) {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(
      await new Response(stream).arrayBuffer().catch((e) => {
        throw new Error(`Cannot load ${label}: ${path} is not valid gzip (${e.message})`);
      }),
    );
  }
  return new TextDecoder().decode(bytes);
}

function loadMmluCsv(text: string, file: string, options: LoadOptions): Loaded {
  let rows;
  try {
    rows = parseCsvRows(text);
  } catch (e) {
    throw new Error(
      `Cannot load MMLU: ${(e as Error).message.replace(/^line (\d+)/, "line $1 of " + file)}`,
    );
  }
  const header = rows[0]?.fields[0].trim() === "question" && rows[0].fields.includes("answer");
  const body = header ? rows.slice(1) : rows;
  const numbered = body.map((r): NumberedRow | { line: number; error: string } => {
    try {
      return { line: r.line, row: mmluCsvRow(r.fields, header) };
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      return { line: r.line, error: e.message };
    }
  });
  return mapRows(numbered, mmluRecord, { label: "MMLU", file }, options);
}

function entries(data: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(data)) throw new RowError(`expected ${what}`);
  return data;
}

function loadJson(
  format: "svamp" | "bbh" | "pubmedqa",
  text: string,
  file: string,
  options: LoadOptions,
): Loaded {
  const label = LABELS[format];
  const data = parseJsonFile(text, label, file);
  const where = { label, file, unit: "entry" as const };
  const asRow = (r: unknown, line: number): NumberedRow | { line: number; error: string } =>
    r && typeof r === "object" && !Array.isArray(r)
      ? { line, row: r as Record<string, unknown> }
      : { line, error: "not a JSON object" };
  let list: unknown[];
  try {
    list = format === "svamp"
      ? entries(data, "a JSON array of problems")
      : format === "bbh"
      ? entries((data as { examples?: unknown })?.examples, "an object with an 'examples' list")
      : Object.values(data && typeof data === "object" ? data : {});
  } catch (e) {
    throw new Error(`Cannot load ${label}: ${file}: ${(e as Error).message}`);
  }
  if (format === "pubmedqa") {
    // Entries are keyed by PMID; the key is the id, the 1-based position names a bad entry.
    const keys = Object.keys(data as object);
    const map: RowMapper = (r, line) => pubmedqaRecord(r, keys[line - 1]);
    return mapRows(list.map((r, k) => asRow(r, k + 1)), map, where, options);
  }
  const task = file.split("/").pop()!.replace(/\.json$/, "");
  const map: RowMapper = format === "svamp"
    ? svampRecord
    : (r, line) => bbhRecord(r, line - 1, task);
  return mapRows(list.map((r, k) => asRow(r, k + 1)), map, where, options);
}

/** The first rows of a data file's text, however it is laid out (JSON, JSONL); CSV gives none. */
function sampleRows(text: string, count: number): Record<string, unknown>[] {
  const isRow = (r: unknown): r is Record<string, unknown> =>
    !!r && typeof r === "object" && !Array.isArray(r);
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    const rows: Record<string, unknown>[] = [];
    for (const line of text.split("\n", 50)) {
      if (rows.length >= count) break;
      try {
        const r = JSON.parse(line);
        if (isRow(r)) rows.push(r);
      } catch { /* not JSON: not a row */ }
    }
    return rows;
  }
  if (Array.isArray(whole)) return whole.slice(0, count).filter(isRow);
  if (!isRow(whole)) return [];
  if (Array.isArray(whole.examples)) return whole.examples.slice(0, count).filter(isRow);
  // A one-line JSONL file holding a single row, or entries keyed by id (PubMedQA).
  if (DATA_FORMATS.some((f) => EXPECTED_KEYS[f].every((k) => Object.hasOwn(whole, k)))) {
    return [whole];
  }
  return Object.values(whole).slice(0, count).filter(isRow);
}

/**
 * The formats whose keys the first rows of `text` hold, most specific first (empty when none
 * fits; a CSV file gives none).
 *
 * @example A GSM8K line also fits no more specific format
 * ```ts
 * import assert from "node:assert/strict";
 * import { sniffFormats } from "./loaders.ts";
 * assert.deepEqual(sniffFormats('{"text":"Add.","code":"def f(): pass","test_list":[]}\n'), ["mbpp"]);
 * assert.deepEqual(sniffFormats('{"question":"2+2?","answer":"#### 4"}\n'), ["gsm8k"]);
 * ```
 */
export function sniffFormats(text: string): DataFormat[] {
  const rows = sampleRows(text, 5);
  if (rows.length === 0) return [];
  const fits = DATA_FORMATS.filter((f) =>
    rows.every((r) => EXPECTED_KEYS[f].every((k) => Object.hasOwn(r, k)))
  );
  const most = Math.max(0, ...fits.map((f) => EXPECTED_KEYS[f].length));
  return fits.filter((f) => EXPECTED_KEYS[f].length === most);
}

/** `error` with a note of the format the file looks like, when that is not `format`. */
function withGuess(error: Error, format: DataFormat, text: string): Error {
  const guess = sniffFormats(text);
  if (guess.length === 0 || guess.includes(format)) return error;
  const names = guess.map((g) => `${LABELS[g]} ('${g}')`).join(" or ");
  return new Error(`${error.message} (the file looks like ${names} data)`);
}

/**
 * Loads a data set file of a format: JSONL (GSM8K, MATH, MedMCQA, MedQA, MBPP, HumanEval — also
 * `.jsonl.gz` —, MMLU, and the toolkit's own task records, `JSON.stringify` of each per line), JSON (SVAMP, PubMedQA `ori_pqal.json`, a BBH task file or a folder of
 * them) or CSV (MMLU, with or without the header). Records keep the file's own id where it has
 * one (`realidx`, `task_id`, `ID`, the PubMedQA key), else the 0-based line number. A file that
 * does not load in `format` (a bad row, or every row skipped) gets an error that also names the
 * format its rows look like.
 *
 * @example A GSM8K file with a bad row, skipped and listed
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDataset } from "./loaders.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"question":"2+3?","answer":"2+3=5\\n#### 5"}\n{"question":"x"}\n');
 * const { records, skipped } = await loadDataset("gsm8k", path, { onBadRow: "skip" });
 * assert.equal(records[0].answer, "5");
 * assert.deepEqual(skipped, [{ line: 2, reason: "missing field 'answer'" }]);
 * await assert.rejects(() => loadDataset("gsm8k", path), /Cannot load GSM8K: line 2 of /);
 * await Deno.remove(path);
 * ```
 */
export async function loadDataset(
  format: DataFormat,
  path: string,
  options: LoadOptions = {},
): Promise<Loaded> {
  const label = LABELS[format];
  if (!label) throw new TypeError(`Cannot load '${format}': unknown format`);
  if (format === "bbh" && (await Deno.stat(path).catch(() => null))?.isDirectory) {
    const files = [...Deno.readDirSync(path)].map((e) => e.name).filter((n) => n.endsWith(".json"))
      .sort();
    const records: TaskRecord[] = [], skipped: Loaded["skipped"][number][] = [];
    for (const f of files) {
      const one = await loadDataset("bbh", `${path.replace(/\/$/, "")}/${f}`, options);
      records.push(...one.records);
      skipped.push(...one.skipped.map((s) => ({ ...s, reason: `${f}: ${s.reason}` })));
    }
    return { records, skipped };
  }
  const text = await readText(path, label);
  let loaded: Loaded;
  try {
    if (format === "mmlu" && /\.csv$/i.test(path)) loaded = loadMmluCsv(text, path, options);
    else if (format === "svamp" || format === "bbh" || format === "pubmedqa") {
      loaded = loadJson(format, text, path, options);
    } else loaded = mapJsonl(text, format, path, options);
  } catch (e) {
    throw e instanceof Error ? withGuess(e, format, text) : e;
  }
  if (loaded.records.length === 0 && loaded.skipped.length > 0) {
    // Skipping every row is no load: most likely the wrong format.
    const first = loaded.skipped[0];
    throw withGuess(
      new Error(
        `Cannot load ${label}: no row of ${path} could be read (line ${first.line}: ${first.reason})`,
      ),
      format,
      text,
    );
  }
  return loaded;
}
