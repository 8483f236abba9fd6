/** The figure builders, the tables read back from figures, and the statistics they draw on. */
import assert from "node:assert/strict";
import { averageRanks, spearman } from "../../lib/eval/mod.ts";
import {
  type Figure,
  FIGURES,
  figureTable,
  leastSquares,
  project2d,
} from "../../lib/report/mod.ts";
import { createRng } from "../../lib/run/mod.ts";

type Trace = Record<string, unknown>;
const traces = (f: Figure) => f.data as Trace[];

Deno.test("FIGURES.line draws one line per series and tabulates every point", () => {
  const f = FIGURES.line({
    id: "reward",
    title: "reward",
    xTitle: "step",
    series: [
      { name: "confidence", x: [1, 2, 3], y: [0.1, 0.2, 0.4] },
      { name: "proximity", x: [1, 2], y: [0.5, null] },
    ],
  });
  assert.deepEqual(traces(f).map((t) => t.name), ["confidence", "proximity"]);
  assert.deepEqual((f.layout!.xaxis as { title: { text: string } }).title.text, "step");
  const t = figureTable(f);
  assert.deepEqual(t.columns, ["series", "x", "y"]);
  assert.deepEqual(t.rows, [
    ["confidence", 1, 0.1],
    ["confidence", 2, 0.2],
    ["confidence", 3, 0.4],
    ["proximity", 1, 0.5],
    ["proximity", 2, null],
  ]);
});

Deno.test("FIGURES.line names the series whose lengths differ", () => {
  assert.throws(
    () => FIGURES.line({ id: "r", title: "r", series: [{ name: "a", x: [1, 2], y: [1] }] }),
    /figure 'r': 'series\[0\]\.y' must have one entry per x \(2\): current length is 1/,
  );
});

Deno.test("FIGURES.histogram and FIGURES.box drop nulls and tabulate count, mean and quartiles", () => {
  const samples = [{ name: "margin", values: [1, 2, null, 3, 4, NaN, 5] }];
  for (
    const f of [
      FIGURES.histogram({ id: "h", title: "h", samples }),
      FIGURES.box({ id: "b", title: "b", samples }),
    ]
  ) {
    const t = figureTable(f);
    assert.deepEqual(t.columns, ["series", "n", "mean", "min", "q1", "median", "q3", "max"]);
    assert.deepEqual(t.rows, [["margin", 5, 3, 1, 2, 3, 4, 5]]);
  }
});

Deno.test("FIGURES.scatter fits the least-squares line and puts the given interval in the title", () => {
  const f = FIGURES.scatter({
    id: "s",
    title: "confidence",
    x: [0, 1, 2, null, 3],
    y: [1, 3, 5, 2, 7],
    labels: ["a", "b", "c", "d", "e"],
    correlation: { estimate: 0.5, low: -0.123, high: 0.9 },
  });
  assert.equal(f.title, "confidence: Spearman ρ 0.50 [-0.12, 0.90] (n = 4)");
  const [points, trend] = traces(f);
  assert.deepEqual(points.x, [0, 1, 2, 3]);
  assert.deepEqual(points.text, ["a", "b", "c", "e"]);
  assert.deepEqual(trend.x, [0, 3]);
  assert.deepEqual(trend.y, [1, 7]);
  // The trend is derived from the points: the table holds the points only.
  assert.deepEqual(figureTable(f).rows.map((r) => r[3]), ["a", "b", "c", "e"]);
});

Deno.test("FIGURES.scatter with constant scores draws no trend and says ρ is n/a", () => {
  const f = FIGURES.scatter({ id: "s", title: "flat", x: [1, 1, 1], y: [1, 2, 3] });
  assert.equal(f.title, "flat: Spearman ρ n/a (n = 3)");
  assert.equal(f.data.length, 1);
});

Deno.test("FIGURES.heatmap writes each value in its cell, rows top to bottom, and reads back as the matrix", () => {
  const f = FIGURES.heatmap({
    id: "m",
    title: "accuracy",
    x: ["add", "mul"],
    y: ["base", "stage 1"],
    z: [[0.25, 0.9], [0.5, null]],
  });
  const [t] = traces(f);
  assert.deepEqual(t.text, [["0.25", "0.90"], ["0.50", "n/a"]]);
  assert.equal((f.layout!.yaxis as { autorange: string }).autorange, "reversed");
  const table = figureTable(f);
  assert.deepEqual(table.columns, ["", "add", "mul"]);
  assert.deepEqual(table.rows, [["base", 0.25, 0.9], ["stage 1", 0.5, null]]);
  assert.throws(
    () => FIGURES.heatmap({ id: "m", title: "m", x: ["a"], y: ["r"], z: [[1, 2]] }),
    /'z\[0\]' must have one entry per column label in 'x' \(1\): current length is 2/,
  );
});

Deno.test("FIGURES.bars turns intervals into asymmetric error bars and the table gives them back", () => {
  const f = FIGURES.bars({
    id: "forget",
    title: "forgetting",
    categories: ["add", "sub"],
    series: [
      { name: "oracle", values: [0.1, 0.3], low: [0.05, 0.2], high: [0.2, 0.35] },
      { name: "random", values: [0.2, 0.1], low: [0.1, 0], high: [0.3, 0.2] },
    ],
  });
  const [oracle] = traces(f);
  const e = oracle.error_y as { array: number[]; arrayminus: number[] };
  assert.deepEqual(e.array.map((v) => +v.toFixed(12)), [0.1, 0.05]);
  assert.deepEqual(e.arrayminus.map((v) => +v.toFixed(12)), [0.05, 0.1]);
  assert.equal(f.layout!.barmode, "group");
  const rows = figureTable(f).rows.map((r) =>
    r.map((v) => (typeof v === "number" ? +v.toFixed(12) : v))
  );
  assert.deepEqual(rows[0], ["oracle", "add", 0.1, 0.05, 0.2]);
  assert.deepEqual(rows[3], ["random", "sub", 0.1, 0, 0.2]);
  assert.throws(
    () =>
      FIGURES.bars({
        id: "b",
        title: "b",
        categories: ["a"],
        series: [{ name: "x", values: [1], low: [0] }],
      }),
    /'series\[0\]' must give both 'low' and 'high' or neither/,
  );
});

Deno.test("FIGURES.bars without intervals is a grouped bar chart with no interval columns", () => {
  const f = FIGURES.bars({
    id: "share",
    title: "share of kinds",
    categories: ["add", "mul"],
    series: [{ name: "before", values: [0.5, 0.5] }, { name: "after", values: [0.8, 0.2] }],
  });
  assert.deepEqual(figureTable(f).columns, ["series", "category", "value"]);
  assert.equal(f.data.length, 2);
});

Deno.test("FIGURES.map2d colours points by group and keeps two far-apart clouds apart", () => {
  // Two Gaussian clouds in 6-D, 12 units apart; 30 points each.
  const rng = createRng(11);
  const cloud = (centre: number) =>
    Array.from({ length: 30 }, () => Array.from({ length: 6 }, () => centre + rng.normal()));
  const points = [...cloud(0), ...cloud(12)];
  const groups = points.map((_, i) => (i < 30 ? "grpo" : "oracle"));
  const f = FIGURES.map2d({ id: "map", title: "questions", points, groups, seed: 7 });
  const [a, b] = traces(f) as { name: string; x: number[]; y: number[] }[];
  assert.deepEqual([a.name, b.name, a.x.length, b.x.length], ["grpo", "oracle", 30, 30]);
  // On the map, every point's nearest neighbour is of its own group.
  const xy = [a, b].flatMap((t, g) => t.x.map((x, i) => ({ x, y: t.y[i], g })));
  for (const p of xy) {
    const nearest = xy.filter((q) => q !== p).reduce((best, q) =>
      Math.hypot(q.x - p.x, q.y - p.y) < Math.hypot(best.x - p.x, best.y - p.y) ? q : best
    );
    assert.equal(nearest.g, p.g);
  }
  assert.deepEqual(FIGURES.map2d({ id: "map", title: "questions", points, groups, seed: 7 }), f);
  assert.notDeepEqual(FIGURES.map2d({ id: "map", title: "questions", points, groups, seed: 8 }), f);
});

Deno.test("project2d by PCA recovers the direction of largest spread", () => {
  // Points on a line along (3, 4)/5 in 2-D with a small orthogonal wobble.
  // The wobble has mean 0 and is uncorrelated with position along the line.
  const points = Array.from({ length: 8 }, (_, i) => {
    const t = i - 3.5, w = 0.1 * [1, -1, -1, 1, 1, -1, -1, 1][i];
    return [0.6 * t - 0.8 * w, 0.8 * t + 0.6 * w];
  });
  const xy = project2d(points, { method: "pca" });
  xy.forEach(([x, y], i) => {
    assert.ok(Math.abs(Math.abs(x) - Math.abs(i - 3.5)) < 1e-6, `${x}`);
    assert.ok(Math.abs(Math.abs(y) - 0.1) < 1e-6, `${y}`);
  });
  // Points on one line: the second component is zero, not a copy of the first.
  const line = project2d([[0, 0, 0], [1, 1, 0], [2, 2, 0], [3, 3, 0]], { method: "pca" });
  line.forEach(([x, y], i) => {
    assert.ok(Math.abs(x - Math.SQRT2 * (i - 1.5)) < 1e-9, `${x}`);
    assert.ok(Math.abs(y) < 1e-9, `${y}`);
  });
  assert.throws(() => project2d([[1, 2], [3]]), /point 1 must have 2 finite coordinates/);
  assert.throws(
    () => project2d([[1]], { method: "tsne" as "pca" }),
    /'method' must be one of umap, pca/,
  );
});

Deno.test("spearman, average ranks and least squares agree with hand-computed values", () => {
  assert.deepEqual(averageRanks([2, 2, 2]), [2, 2, 2]);
  // Ranks x: 1 2 3 4 5, y: 2 1 4 3 5 → d² = 1+1+1+1+0 = 4; ρ = 1 − 6·4/(5·24) = 0.8.
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) - 0.8) < 1e-12);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.equal(leastSquares([1, 1], [1, 2]), null);
  const fit = leastSquares([0, 1, 2, 3], [1, 2, 2, 4])!;
  // Slope = Sxy/Sxx = 4.5/5 = 0.9; intercept = 2.25 − 0.9·1.5 = 0.9.
  assert.ok(Math.abs(fit.slope - 0.9) < 1e-12 && Math.abs(fit.intercept - 0.9) < 1e-12);
  assert.throws(
    () => spearman([1], [1, 2]),
    /'y' must have the length of 'x' \(1\): current length is 2/,
  );
});

Deno.test("figureTable refuses trace types it cannot read and mixed trace types, naming the figure", () => {
  assert.throws(
    () => figureTable({ id: "g", title: "g", data: [{ type: "scattergl", x: [1], y: [1] }] }),
    /figure 'g': trace type must be one of .*current value is 'scattergl'/,
  );
  assert.throws(
    () =>
      figureTable({
        id: "g",
        title: "g",
        data: [{ type: "bar", x: [1], y: [1] }, { type: "box", y: [1] }],
      }),
    /figure 'g': its traces must share one type .*bar, box/,
  );
});
