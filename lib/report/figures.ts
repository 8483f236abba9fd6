/**
 * The figure builders, in one table: each takes plain numbers and returns a plotly spec
 * ({@link Figure}) that a report draws and a notebook displays. Pure and deterministic (the map's
 * projection is seeded); inputs are checked and errors name the field.
 *
 * @module
 */

import type { Figure } from "./figure.ts";
import { project2d, type ProjectionMethod } from "./projection.ts";
import { spearman } from "../eval/mod.ts";
import { leastSquares } from "./stats.ts";

/** What every builder takes. */
export interface FigureBase {
  /** Unique within a report. */
  readonly id: string;
  readonly title: string;
  /** @default "" */
  readonly xTitle?: string;
  /** @default "" */
  readonly yTitle?: string;
}

/** One named series of {@link FIGURES}.line. */
export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
}

/** One named sample of {@link FIGURES}.histogram and {@link FIGURES}.box. */
export interface Sample {
  readonly name: string;
  /** `null` (does not apply) and non-finite values are left out. */
  readonly values: readonly (number | null)[];
}

/** One series of {@link FIGURES}.bars: a value per category and, optionally, its interval. */
export interface BarSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  readonly low?: readonly (number | null)[];
  readonly high?: readonly (number | null)[];
}

/** A correlation estimate with its interval, as the audit reports it. */
export interface Correlation {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

function check(figure: string, field: string, length: number, expected: number, what: string) {
  if (length !== expected) {
    throw new RangeError(
      `Cannot build figure '${figure}': '${field}' must have one entry per ${what} ` +
        `(${expected}): current length is ${length}`,
    );
  }
}

function layout(o: FigureBase, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: o.title },
    xaxis: { title: { text: o.xTitle ?? "" }, automargin: true },
    yaxis: { title: { text: o.yTitle ?? "" }, automargin: true },
    margin: { t: 50, r: 20, b: 50, l: 60 },
    height: 420,
    legend: { orientation: "h", y: -0.2 },
    ...extra,
  };
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "n/a");

/** Reward curves (or any y over steps), one line per series. */
function line(o: FigureBase & { readonly series: readonly LineSeries[] }): Figure {
  o.series.forEach((s, i) => check(o.id, `series[${i}].y`, s.y.length, s.x.length, "x"));
  return {
    id: o.id,
    title: o.title,
    data: o.series.map((s) => ({
      type: "scatter",
      mode: "lines+markers",
      name: s.name,
      x: [...s.x],
      y: [...s.y],
      marker: { size: 4 },
    })),
    layout: layout(o),
  };
}

/** Overlaid histograms of several samples (score distributions). */
function histogram(
  o: FigureBase & { readonly samples: readonly Sample[]; readonly bins?: number },
): Figure {
  return {
    id: o.id,
    title: o.title,
    data: o.samples.map((s) => ({
      type: "histogram",
      name: s.name,
      x: s.values.filter(finite),
      opacity: o.samples.length > 1 ? 0.6 : 1,
      ...(o.bins !== undefined && { nbinsx: o.bins }),
    })),
    layout: layout({ yTitle: "count", ...o }, { barmode: "overlay" }),
  };
}

/** Side-by-side box plots of several samples (all points shown). */
function box(o: FigureBase & { readonly samples: readonly Sample[] }): Figure {
  return {
    id: o.id,
    title: o.title,
    data: o.samples.map((s) => ({
      type: "box",
      name: s.name,
      y: s.values.filter(finite),
      boxpoints: "all",
      jitter: 0.4,
      pointpos: 0,
      marker: { size: 3 },
    })),
    layout: layout(o, { showlegend: false }),
  };
}

/**
 * Points with a least-squares trend line; Spearman's ρ in the title (the given estimate and
 * interval, or computed here). Pairs where either side is null or non-finite are left out.
 */
function scatter(
  o: FigureBase & {
    readonly x: readonly (number | null)[];
    readonly y: readonly (number | null)[];
    /** One hover label per point. */
    readonly labels?: readonly string[];
    readonly correlation?: Correlation | null;
    /** @default true */
    readonly trend?: boolean;
  },
): Figure {
  check(o.id, "y", o.y.length, o.x.length, "x");
  if (o.labels) check(o.id, "labels", o.labels.length, o.x.length, "x");
  const keep = o.x.map((x, i) => finite(x) && finite(o.y[i]));
  const xs = o.x.filter((_, i) => keep[i]) as number[];
  const ys = o.y.filter((_, i) => keep[i]) as number[];
  const rho = o.correlation
    ? `${fmt(o.correlation.estimate)} [${fmt(o.correlation.low)}, ${fmt(o.correlation.high)}]`
    : fmt(spearman(xs, ys));
  const title = `${o.title}: Spearman ρ ${rho} (n = ${xs.length})`;
  const fit = o.trend === false ? null : leastSquares(xs, ys);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return {
    id: o.id,
    title,
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: "points",
        x: xs,
        y: ys,
        ...(o.labels && { text: o.labels.filter((_, i) => keep[i]) }),
        marker: { size: 6, opacity: 0.75 },
      },
      ...(fit
        ? [{
          type: "scatter",
          mode: "lines",
          name: `least squares: y = ${fit.intercept.toPrecision(3)} + ${
            fit.slope.toPrecision(3)
          }·x`,
          x: [lo, hi],
          y: [fit.intercept + fit.slope * lo, fit.intercept + fit.slope * hi],
          line: { dash: "dash" },
          meta: { derived: true },
        }]
        : []),
    ],
    layout: layout({ ...o, title }),
  };
}

/** A matrix (the accuracy matrix: stages × evaluation sets) with each value written in its cell. */
function heatmap(
  o: FigureBase & {
    readonly z: readonly (readonly (number | null)[])[];
    /** Column labels. */
    readonly x: readonly string[];
    /** Row labels, drawn top to bottom. */
    readonly y: readonly string[];
    readonly zmin?: number;
    readonly zmax?: number;
  },
): Figure {
  check(o.id, "z", o.z.length, o.y.length, "row label in 'y'");
  o.z.forEach((r, i) => check(o.id, `z[${i}]`, r.length, o.x.length, "column label in 'x'"));
  return {
    id: o.id,
    title: o.title,
    data: [{
      type: "heatmap",
      x: [...o.x],
      y: [...o.y],
      z: o.z.map((r) => [...r]),
      text: o.z.map((r) => r.map((v) => (v === null ? "n/a" : fmt(v)))),
      texttemplate: "%{text}",
      colorscale: "Viridis",
      ...(o.zmin !== undefined && { zmin: o.zmin }),
      ...(o.zmax !== undefined && { zmax: o.zmax }),
    }],
    layout: layout(o, {
      // Rows stay readable with many of them (a function × function matrix).
      height: Math.max(420, 160 + 26 * o.y.length),
      yaxis: { title: { text: o.yTitle ?? "" }, autorange: "reversed", automargin: true },
    }),
  };
}

/**
 * Bars per category, one bar per series side by side (per-kind share before/after), each with
 * its interval as an error bar where `low` and `high` are given (forgetting, accuracy).
 */
function bars(
  o: FigureBase & { readonly categories: readonly string[]; readonly series: readonly BarSeries[] },
): Figure {
  const n = o.categories.length;
  return {
    id: o.id,
    title: o.title,
    data: o.series.map((s, i) => {
      check(o.id, `series[${i}].values`, s.values.length, n, "category");
      if ((s.low === undefined) !== (s.high === undefined)) {
        throw new TypeError(
          `Cannot build figure '${o.id}': 'series[${i}]' must give both 'low' and 'high' or neither: ` +
            `current value gives only '${s.low ? "low" : "high"}'`,
        );
      }
      if (s.low) check(o.id, `series[${i}].low`, s.low.length, n, "category");
      if (s.high) check(o.id, `series[${i}].high`, s.high.length, n, "category");
      const gap = (
        a: number | null,
        b: number | null,
      ) => (finite(a) && finite(b) ? Math.max(0, a - b) : null);
      return {
        type: "bar",
        name: s.name,
        x: [...o.categories],
        y: [...s.values],
        ...(s.low && s.high && {
          error_y: {
            type: "data",
            symmetric: false,
            array: s.values.map((v, j) => gap(s.high![j], v)),
            arrayminus: s.values.map((v, j) => gap(v, s.low![j])),
          },
        }),
      };
    }),
    layout: layout(o, { barmode: "group" }),
  };
}

/**
 * A 2-D map of high-dimensional points (question embeddings), one colour per group (method):
 * projected with UMAP (seeded) or PCA.
 */
function map2d(
  o: FigureBase & {
    readonly points: readonly (readonly number[])[];
    /** The group (method) of each point: one trace, one colour, per distinct group. */
    readonly groups: readonly string[];
    readonly labels?: readonly string[];
    /** @default "umap" */
    readonly method?: ProjectionMethod;
    /** @default 0 */
    readonly seed?: number;
  },
): Figure {
  check(o.id, "groups", o.groups.length, o.points.length, "point");
  if (o.labels) check(o.id, "labels", o.labels.length, o.points.length, "point");
  const xy = project2d(o.points, { method: o.method, seed: o.seed });
  const names = [...new Set(o.groups)];
  return {
    id: o.id,
    title: o.title,
    data: names.map((g) => {
      const at = o.groups.flatMap((h, i) => (h === g ? [i] : []));
      return {
        type: "scatter",
        mode: "markers",
        name: g,
        x: at.map((i) => xy[i][0]),
        y: at.map((i) => xy[i][1]),
        ...(o.labels && { text: at.map((i) => o.labels![i]) }),
        marker: { size: 6, opacity: 0.8 },
      };
    }),
    layout: layout({ xTitle: `${o.method ?? "umap"} 1`, yTitle: `${o.method ?? "umap"} 2`, ...o }),
  };
}

/**
 * The figure builders, by kind.
 *
 * @example A scatter with its trend and Spearman's ρ in the title
 * ```ts
 * import assert from "node:assert/strict";
 * import { FIGURES } from "./figures.ts";
 * const f = FIGURES.scatter({ id: "s", title: "confidence", x: [1, 2, null, 4], y: [0.1, 0.3, 9, 0.2] });
 * assert.equal(f.title, "confidence: Spearman ρ 0.50 (n = 3)");
 * assert.equal(f.data.length, 2);
 * ```
 */
export const FIGURES = Object.freeze({ line, histogram, box, scatter, heatmap, bars, map2d });

/** The kinds of figure {@link FIGURES} builds. */
export type FigureKind = keyof typeof FIGURES;
