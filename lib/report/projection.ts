/**
 * Two-dimensional maps of high-dimensional points (question embeddings): UMAP (`umap-js`,
 * driven by the project's seeded RNG so a seed gives the same map) and PCA (exact, for small
 * sets and as the fallback where UMAP has too few points for its neighbourhoods).
 *
 * @module
 */

import { UMAP } from "umap-js";
import { createRng } from "../run/mod.ts";

/** The projections {@link project2d} offers. */
export type ProjectionMethod = "umap" | "pca";

/** Options of {@link project2d}. */
export interface ProjectionOptions {
  /** @default "umap" */
  readonly method?: ProjectionMethod;
  /** Seed of UMAP's random initialisation and sampling. @default 0 */
  readonly seed?: number;
  /** UMAP's neighbourhood size (capped at the number of points − 1). @default 15 */
  readonly neighbours?: number;
}

type Project = (points: readonly (readonly number[])[], seed: number, neighbours: number) => [
  number,
  number,
][];

/** The two leading principal components of centred points (power iteration with deflation). */
function pca(points: readonly (readonly number[])[]): [number, number][] {
  const n = points.length;
  const d = points[0].length;
  const mean = new Float64Array(d);
  for (const p of points) for (let j = 0; j < d; j++) mean[j] += p[j] / n;
  const x = points.map((p) => p.map((v, j) => v - mean[j]));
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  for (const r of x) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] += r[a] * r[b];
  }
  const components: Float64Array[] = [];
  // Below this the residual spread is rounding noise: the component is zero (all points on a line).
  const tiny = 1e-12 * Math.max(1e-300, cov.reduce((t, row, a) => t + row[a], 0));
  for (let c = 0; c < 2; c++) {
    // A fixed, non-degenerate start keeps the result deterministic without an RNG.
    let v: Float64Array = Float64Array.from({ length: d }, (_, j) => 1 + j / d);
    let found = true;
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a][b] * v[b];
        w[a] = s;
      }
      for (const u of components) {
        const dot = w.reduce((s, wi, j) => s + wi * u[j], 0);
        for (let j = 0; j < d; j++) w[j] -= dot * u[j];
      }
      const norm = Math.hypot(...w);
      if (!(norm > tiny)) {
        found = false;
        break;
      }
      v = w.map((wi) => wi / norm);
    }
    if (!found) {
      components.push(new Float64Array(d));
      continue;
    }
    // Sign convention: the largest entry positive, so a map does not flip between runs.
    const big = v.reduce((best, vi, j) => (Math.abs(vi) > Math.abs(v[best]) ? j : best), 0);
    components.push(v[big] < 0 ? v.map((vi) => -vi) : v);
  }
  return x.map((r) =>
    components.map((u) => r.reduce((s, ri, j) => s + ri * u[j], 0)) as [number, number]
  );
}

function umap(points: readonly (readonly number[])[], seed: number, neighbours: number) {
  const rng = createRng(seed);
  const model = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(neighbours, points.length - 1),
    random: () => rng.next(),
  });
  return model.fit(points.map((p) => [...p])) as [number, number][];
}

/**
 * Each projection, by name: `(points, seed, neighbours) → 2-D points`.
 *
 * @example PCA of points on a line keeps their spacing on the first axis
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROJECTIONS } from "./projection.ts";
 * const xy = PROJECTIONS.pca([[0, 0, 0], [1, 1, 0], [2, 2, 0]], 0, 15);
 * const want = [[-Math.SQRT2, 0], [0, 0], [Math.SQRT2, 0]];
 * xy.forEach((p, i) => p.forEach((v, k) => assert.ok(Math.abs(v - want[i][k]) < 1e-9)));
 * ```
 */
export const PROJECTIONS: Readonly<Record<ProjectionMethod, Project>> = Object.freeze({
  umap,
  pca: (points) => pca(points),
});

/**
 * UMAP needs a few neighbours per point; below this many points a map is PCA's.
 *
 * @example Fewer points than this: the UMAP request gives PCA's map
 * ```ts
 * import assert from "node:assert/strict";
 * import { project2d, UMAP_MIN_POINTS } from "./projection.ts";
 * const points = Array.from({ length: UMAP_MIN_POINTS - 1 }, (_, i) => [i, i * i, 1]);
 * assert.deepEqual(project2d(points), project2d(points, { method: "pca" }));
 * ```
 */
export const UMAP_MIN_POINTS = 8;

/**
 * Projects points to 2-D. UMAP (the default) is used from {@link UMAP_MIN_POINTS} points on,
 * PCA below that; the same seed gives the same map.
 *
 * @example Two clusters stay apart, and a seed repeats its map
 * ```ts
 * import assert from "node:assert/strict";
 * import { project2d } from "./projection.ts";
 * const points = Array.from({ length: 20 }, (_, i) => [i < 10 ? 0 : 5, (i % 10) / 10, (i * 7 % 10) / 10]);
 * const a = project2d(points, { seed: 3 });
 * assert.deepEqual(a, project2d(points, { seed: 3 }));
 * const pca = project2d(points, { method: "pca" });
 * assert.ok(pca.slice(0, 10).every(([x]) => x < 0) && pca.slice(10).every(([x]) => x > 0));
 * ```
 */
export function project2d(
  points: readonly (readonly number[])[],
  options: ProjectionOptions = {},
): [number, number][] {
  const { method = "umap", seed = 0, neighbours = 15 } = options;
  if (!Object.hasOwn(PROJECTIONS, method)) {
    throw new RangeError(
      `Cannot project: 'method' must be one of ${Object.keys(PROJECTIONS).join(", ")}: ` +
        `current value is '${method}'`,
    );
  }
  if (points.length === 0) return [];
  const d = points[0].length;
  const bad = points.findIndex((p) => p.length !== d || !p.every(Number.isFinite));
  if (bad >= 0) {
    throw new RangeError(
      `Cannot project: point ${bad} must have ${d} finite coordinates like point 0: ` +
        `current value has ${points[bad].length}`,
    );
  }
  const chosen = method === "umap" && points.length < UMAP_MIN_POINTS ? "pca" : method;
  return PROJECTIONS[chosen](points, seed, neighbours);
}
