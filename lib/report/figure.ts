/**
 * The plain data a report holds: figures (plotly specs) and tables, the numbers of a figure as a
 * table (so every plot can be read without a browser), and the formatting of those numbers.
 *
 * @module
 */

/** A figure: a plotly spec (traces and layout) with an id and a title. */
export interface Figure {
  /** Unique within a report; used as the figure's anchor. */
  readonly id: string;
  readonly title: string;
  /** Plotly traces. */
  readonly data: unknown[];
  readonly layout?: Record<string, unknown>;
}

/** A table of numbers or text; `null` cells read "n/a". */
export interface Table {
  readonly id: string;
  readonly title: string;
  readonly columns: string[];
  readonly rows: (string | number | null)[][];
}

/** A part of a report: a heading, optional text (blank lines separate paragraphs), figures, tables. */
export interface Section {
  readonly title: string;
  readonly text?: string;
  readonly figures?: Figure[];
  readonly tables?: Table[];
}

/** A cell of a table. */
export type Cell = string | number | null;

/**
 * A number as a table shows it: integers whole, others to 4 significant digits (exponent form
 * outside [1e-3, 1e6)), `null` as "n/a".
 *
 * @example Cells
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCell } from "./figure.ts";
 * assert.deepEqual([formatCell(3), formatCell(0.123456), formatCell(2.5e-5), formatCell(null)],
 *   ["3", "0.1235", "2.500e-5", "n/a"]);
 * ```
 */
export function formatCell(value: Cell): string {
  if (value === null) return "n/a";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const a = Math.abs(value);
  if (a >= 1e-3 && a < 1e6) return String(Number(value.toPrecision(4)));
  return value.toExponential(3);
}

type Trace = Record<string, unknown>;
type Rows = Cell[][];

/** A trace's numbers as rows and the columns they fill, per trace type. */
interface TraceTable {
  readonly columns: readonly string[];
  rows(trace: Trace): Rows;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const cell = (v: unknown): Cell =>
  typeof v === "number" || typeof v === "string"
    ? v
    : v === null || v === undefined
    ? null
    : String(v);
const name = (t: Trace): string => (typeof t.name === "string" ? t.name : "");

/** The five-number summary (and count, mean) of a sample: a distribution's numbers in one row. */
function summary(values: readonly number[]): Cell[] {
  const xs = values.filter(Number.isFinite).toSorted((a, b) => a - b);
  if (xs.length === 0) return [0, null, null, null, null, null, null];
  const q = (p: number) => {
    const at = p * (xs.length - 1);
    const lo = Math.floor(at);
    return xs[lo] + (xs[Math.min(lo + 1, xs.length - 1)] - xs[lo]) * (at - lo);
  };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [xs.length, mean, xs[0], q(0.25), q(0.5), q(0.75), xs[xs.length - 1]];
}

const SUMMARY_COLUMNS = ["series", "n", "mean", "min", "q1", "median", "q3", "max"] as const;

/**
 * Error bars of a bar trace: the ends of each interval, read back from plotly's `error_y`
 * (`array` above the value, `arrayminus` below it).
 */
function errorEnds(t: Trace, i: number): [Cell, Cell] {
  const e = t.error_y as { array?: unknown[]; arrayminus?: unknown[] } | undefined;
  const y = num(list(t.y)[i]);
  if (!e || y === null) return [null, null];
  const up = num(list(e.array)[i]);
  const down = num(list(e.arrayminus ?? e.array)[i]);
  return [down === null ? null : y - down, up === null ? null : y + up];
}

/** How each trace type this layer draws reads as rows. */
const TRACE_TABLES: Readonly<Record<string, TraceTable>> = Object.freeze({
  scatter: {
    columns: ["series", "x", "y", "label"],
    rows: (t) =>
      list(t.x).map((x, i) => [name(t), cell(x), cell(list(t.y)[i]), cell(list(t.text)[i])]),
  },
  bar: {
    columns: ["series", "category", "value", "low", "high"],
    rows: (t) =>
      list(t.x).map((x, i) => [name(t), cell(x), cell(list(t.y)[i]), ...errorEnds(t, i)]),
  },
  histogram: {
    columns: SUMMARY_COLUMNS,
    rows: (
      t,
    ) => [[name(t), ...summary(list(t.x).filter((v): v is number => typeof v === "number"))]],
  },
  box: {
    columns: SUMMARY_COLUMNS,
    rows: (
      t,
    ) => [[name(t), ...summary(list(t.y).filter((v): v is number => typeof v === "number"))]],
  },
});

/**
 * The numbers of a figure as a table. A heatmap reads as its matrix (rows × columns); other
 * traces as one row per point (scatter, line, bar with its interval) or per series (histogram,
 * box: count, mean and quartiles). Traces marked `meta: { derived: true }` (a fitted trend) are
 * drawn from the others and left out.
 *
 * @example A line figure's points
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureTable } from "./figure.ts";
 * const t = figureTable({ id: "f", title: "F", data: [{ type: "scatter", name: "a", x: [0, 1], y: [2, 3] }] });
 * assert.deepEqual(t.columns, ["series", "x", "y"]);
 * assert.deepEqual(t.rows, [["a", 0, 2], ["a", 1, 3]]);
 * ```
 */
export function figureTable(figure: Figure): Table {
  const traces = (figure.data as Trace[]).filter((t) =>
    !(t && typeof t.meta === "object" && (t.meta as { derived?: boolean })?.derived)
  );
  const base = { id: `${figure.id}-table`, title: figure.title };
  const heat = traces.find((t) => t.type === "heatmap");
  if (heat) {
    const z = list(heat.z).map(list);
    const x = list(heat.x);
    const y = list(heat.y);
    const width = Math.max(x.length, ...z.map((r) => r.length));
    return {
      ...base,
      columns: ["", ...Array.from({ length: width }, (_, j) => String(x[j] ?? j))],
      rows: z.map((
        r,
        i,
      ) => [String(y[i] ?? i), ...Array.from({ length: width }, (_, j) => cell(r[j]))]),
    };
  }
  const types = [...new Set(traces.map((t) => String(t.type ?? "scatter")))];
  const unknown = types.find((t) => !Object.hasOwn(TRACE_TABLES, t));
  if (unknown !== undefined) {
    throw new TypeError(
      `Cannot tabulate figure '${figure.id}': trace type must be one of heatmap, ${
        Object.keys(TRACE_TABLES).join(", ")
      }: current value is '${unknown}'`,
    );
  }
  if (types.length > 1) {
    throw new TypeError(
      `Cannot tabulate figure '${figure.id}': its traces must share one type (a derived trend ` +
        `aside): current types are ${types.join(", ")}`,
    );
  }
  const kind = TRACE_TABLES[types[0] ?? "scatter"];
  const rows = traces.flatMap((t) => kind.rows(t));
  // Columns no row fills (labels of unlabelled points, intervals of bars without any) add only noise.
  const used = kind.columns.map((_, j) => j < 2 || rows.some((r) => r[j] !== null));
  return {
    ...base,
    columns: kind.columns.filter((_, j) => used[j]),
    rows: rows.map((r) => r.filter((_, j) => used[j])),
  };
}
