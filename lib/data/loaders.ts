/**
 * Loaders for the public benchmark formats, one table entry per format. A malformed row is
 * reported with its line number; the caller chooses to skip it (it is then listed in `skipped`)
 * or to stop — never silently dropped.
 *
 * @module
 */

import { extractBoxed } from "../verify/math.ts";
import type { BadRow, Loaded, TaskRecord } from "./record.ts";

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
  | "mmlu";

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /** What to do with a malformed row. @default "throw" */
  readonly onBadRow?: "skip" | "throw";
}

class RowError extends Error {}

function str(row: Record<string, unknown>, key: string): string {
  const v = row[key];
  if (typeof v !== "string" && typeof v !== "number") throw new RowError(`missing field '${key}'`);
  return String(v);
}

const LETTERS = "ABCDEFGHIJ";

/** One parsed row → a record; throws RowError for a malformed row. */
type RowMapper = (row: Record<string, unknown>, index: number) => TaskRecord;

const ROW_MAPPERS: Record<Exclude<DataFormat, "pubmedqa" | "bbh" | "svamp">, RowMapper> = {
  gsm8k: (r, i) => {
    const full = str(r, "answer");
    const at = full.lastIndexOf("####");
    if (at < 0) throw new RowError("the answer has no '####' final answer");
    return {
      id: String(r.id ?? i),
      domain: "math",
      question: str(r, "question"),
      reasoning: full.slice(0, at).trim(),
      answer: full.slice(at + 4).trim().replaceAll(",", ""),
      meta: {},
    };
  },
  math: (r, i) => {
    const problem = str(r, "problem");
    const solution = typeof r.solution === "string" ? r.solution : undefined;
    const answer = typeof r.answer === "string" || typeof r.answer === "number"
      ? String(r.answer)
      : solution
      ? extractBoxed(solution)
      : null;
    if (answer === null) throw new RowError("no 'answer' field and no \\boxed{} in the solution");
    return {
      id: String(r.unique_id ?? r.id ?? i),
      domain: "math",
      question: problem,
      reasoning: solution,
      answer,
      meta: { level: r.level, type: r.type },
    };
  },
  medmcqa: (r, i) => mcRecord(r, i, "medical"),
  medqa: (r, i) => mcRecord(r, i, "medical"),
  mbpp: (r, i) => {
    const tests = r.test_list;
    if (!Array.isArray(tests) || tests.some((t) => typeof t !== "string")) {
      throw new RowError("'test_list' must be a list of strings");
    }
    return {
      id: String(r.task_id ?? i),
      domain: "code",
      question: str(r, "text"),
      answer: str(r, "code"),
      tests: [...(r.test_setup_code ? [String(r.test_setup_code)] : []), ...tests as string[]],
      meta: { language: "python" },
    };
  },
  humaneval: (r, i) => {
    const prompt = str(r, "prompt"), entry = str(r, "entry_point"), test = str(r, "test");
    return {
      id: String(r.task_id ?? i),
      domain: "code",
      question: prompt,
      answer: typeof r.canonical_solution === "string" ? prompt + r.canonical_solution : "",
      tests: [test, `check(${entry})`],
      meta: { language: "python", entryPoint: entry },
    };
  },
  mmlu: (r, i) => {
    const choices = r.choices;
    if (!Array.isArray(choices) || choices.length < 2) {
      throw new RowError("'choices' must be a list of options");
    }
    const a = r.answer;
    const idx = typeof a === "number"
      ? a
      : typeof a === "string" && /^[A-J]$/.test(a)
      ? LETTERS.indexOf(a)
      : Number(a);
    if (!Number.isInteger(idx) || idx < 0 || idx >= choices.length) {
      throw new RowError(`'answer' ${JSON.stringify(a)} is not an option index or letter`);
    }
    return {
      id: String(r.id ?? i),
      domain: "science",
      question: str(r, "question"),
      answer: LETTERS[idx],
      choices: Object.fromEntries(choices.map((c, k) => [LETTERS[k], String(c)])),
      meta: { subject: r.type ?? r.subject },
    };
  },
};

function mcRecord(r: Record<string, unknown>, i: number, domain: "medical"): TaskRecord {
  const options = r.options;
  if (!options || typeof options !== "object" || Array.isArray(options)) {
    throw new RowError("'options' must be an object of lettered options");
  }
  const answer = str(r, "answer_idx");
  if (!(answer in (options as object))) {
    throw new RowError(`'answer_idx' ${answer} is not one of the options`);
  }
  return {
    id: String(r.realidx ?? r.id ?? i),
    domain,
    question: str(r, "question"),
    answer,
    choices: Object.fromEntries(
      Object.entries(options as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    ),
    meta: {},
  };
}

function fail(file: string, line: number, why: string): never {
  throw new Error(`Cannot load ${file}: line ${line}: ${why}`);
}

/** Parses JSONL text row by row, applying `map`; bad rows are skipped (and listed) or thrown. */
export function mapJsonl(
  text: string,
  file: string,
  map: RowMapper,
  options: LoadOptions = {},
): Loaded {
  const { onBadRow = "throw" } = options;
  const records: TaskRecord[] = [], skipped: BadRow[] = [];
  let index = 0;
  text.split("\n").forEach((raw, k) => {
    if (!raw.trim()) return;
    const line = k + 1;
    try {
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        throw new RowError(`not valid JSON (${(e as Error).message})`);
      }
      if (!row || typeof row !== "object") throw new RowError("not a JSON object");
      records.push(map(row as Record<string, unknown>, index));
    } catch (e) {
      if (!(e instanceof RowError) || onBadRow === "throw") fail(file, line, (e as Error).message);
      skipped.push({ line, reason: (e as Error).message });
    }
    index++;
  });
  return { records, skipped };
}

/** Parses CSV text (RFC 4180 quoting) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (row.push(field), field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

function loadMmluCsv(text: string, file: string, options: LoadOptions): Loaded {
  const rows = parseCsv(text);
  const header = rows[0]?.[0] === "question" && rows[0].includes("answer");
  const body = header ? rows.slice(1) : rows;
  // With a header: question,choice0..3,answer (0-3). Without: question,A,B,C,D,letter.
  const lines = body.map((fields, k) =>
    JSON.stringify({
      question: fields[0],
      choices: fields.slice(1, -1),
      answer: header ? Number(fields.at(-1)) : fields.at(-1),
      _fields: fields.length,
      _line: k + (header ? 2 : 1),
    })
  );
  return mapJsonl(lines.join("\n"), file, (r, i) => {
    if (r._fields !== 6) throw new RowError(`expected 6 fields, found ${r._fields}`);
    return ROW_MAPPERS.mmlu(r, i);
  }, options);
}

/** Loads a data set file of a format (JSONL, JSON, CSV; `.gz` for HumanEval). */
export async function loadDataset(
  format: DataFormat,
  path: string,
  options: LoadOptions = {},
): Promise<Loaded> {
  let bytes = await Deno.readFile(path).catch((e) => {
    throw new Error(`Cannot load ${path}: ${(e as Error).message}`);
  });
  if (path.endsWith(".gz")) {
    bytes = new Uint8Array(
      await new Response(
        new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
          new DecompressionStream("gzip"),
        ),
      ).arrayBuffer(),
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (format === "mmlu" && path.endsWith(".csv")) return loadMmluCsv(text, path, options);
  if (format === "svamp" || format === "bbh" || format === "pubmedqa") {
    return loadJson(format, text, path, options);
  }
  return mapJsonl(text, path, ROW_MAPPERS[format], options);
}

function loadJson(
  format: "svamp" | "bbh" | "pubmedqa",
  text: string,
  file: string,
  options: LoadOptions,
): Loaded {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot load ${file}: not valid JSON (${(e as Error).message})`);
  }
  const task = file.split("/").pop()!.replace(/\.json$/, "");
  const entries: [string, Record<string, unknown>][] = format === "pubmedqa"
    ? Object.entries(data as Record<string, Record<string, unknown>>)
    : ((format === "bbh" ? (data as { examples?: unknown[] }).examples : data) as Record<
      string,
      unknown
    >[] ?? []).map((r, i) => [String(i), r]);
  const lines = entries.map(([k, r]) => JSON.stringify({ ...r, _key: k }));
  const map: RowMapper = format === "svamp"
    ? (r) => ({
      id: str(r, "ID"),
      domain: "math",
      question: `${str(r, "Body").trim()} ${str(r, "Question").trim()}`,
      reasoning: str(r, "Equation"),
      answer: String(Number(str(r, "Answer"))),
      meta: { type: r.Type },
    })
    : format === "bbh"
    ? (r) => ({
      id: `${task}/${r._key}`,
      domain: "reasoning",
      question: str(r, "input"),
      answer: str(r, "target"),
      meta: { task },
    })
    : (r) => {
      const decision = str(r, "final_decision");
      if (!["yes", "no", "maybe"].includes(decision)) {
        throw new RowError(
          `'final_decision' must be yes, no or maybe: current value is ${decision}`,
        );
      }
      const ctx = Array.isArray(r.CONTEXTS) ? (r.CONTEXTS as string[]).join("\n") : "";
      return {
        id: String(r._key),
        domain: "medical",
        question: `${ctx}\n${str(r, "QUESTION")}`.trim(),
        reasoning: typeof r.LONG_ANSWER === "string" ? r.LONG_ANSWER : undefined,
        answer: decision,
        choices: { A: "yes", B: "no", C: "maybe" },
        meta: {},
      };
    };
  return mapJsonl(lines.join("\n"), file, map, options);
}
