/**
 * Clustering for the embedding-based acquisition functions: seeded k-means++ (centroids of the
 * seed questions) and HDBSCAN (how many distinct answers the student gives).
 *
 * Both are written here rather than taken from npm. `ml-kmeans@6.0.0` recovered four Gaussian
 * blobs exactly, but it seeds k-means++ from its own generator (a number, not the run's `Rng`).
 * `hdbscan-ts@1.0.16` was wrong: on three tight blobs of five points plus two isolated points
 * (minimum cluster size 2, minimum samples 1) it labelled `[0,0,-1,1,1,2,-1,2,2,-1,-1,3,3,3,-1,
 * -1,-1]` (blobs split, blob members marked noise) where the truth is three clusters and two
 * noise points; on 64 points in four blobs it found 16 labels. The HDBSCAN here, on three
 * Gaussian blobs of 5 points (std 0.05, centres 10 apart) plus two isolated points, seeds 1–50:
 * isolated points noise and no cluster mixing blobs in 50/50; the exact three blobs in 35/50
 * (with a minimum cluster size of 2, excess of mass may rightly prefer two tight pairs inside a
 * blob to the blob).
 *
 * Distances are Euclidean; on L2-normalised embeddings that orders pairs as cosine distance does.
 *
 * @module
 */

import type { Rng } from "../run/mod.ts";

/** A point: any array of numbers (all points of one call have one length). */
export type Point = ArrayLike<number>;

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Draws the k-means++ seeding (the only randomness). */
  readonly rng: Rng;
  /** Lloyd iterations at most; it stops earlier when no label changes. @default 100 */
  readonly maxIter?: number;
}

/** What {@link kMeans} finds. */
export interface KMeansResult {
  /** k centroids (a centroid whose cluster emptied keeps its last position). */
  readonly centroids: Float32Array[];
  /** The index of each point's nearest centroid. */
  readonly labels: number[];
}

function squaredDistance(a: Point, b: Point): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

function checkPoints(points: readonly Point[], what: string): number {
  const dims = points.length ? points[0].length : 0;
  points.forEach((p, i) => {
    if (p.length !== dims) {
      throw new RangeError(
        `Cannot ${what}: point ${i} has ${p.length} dimensions, point 0 has ${dims}`,
      );
    }
  });
  return dims;
}

/** k-means++ seeding: each next centre drawn with probability ∝ squared distance to the chosen. */
function seedCentres(points: readonly Point[], k: number, rng: Rng): Float32Array[] {
  const n = points.length;
  const chosen = [rng.int(0, n - 1)];
  const d2 = points.map((p) => squaredDistance(p, points[chosen[0]]));
  while (chosen.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let next = -1;
    if (total > 0) {
      let r = rng.next() * total;
      for (let i = 0; i < n && next < 0; i++) {
        r -= d2[i];
        if (r < 0 && d2[i] > 0) next = i;
      }
      if (next < 0) next = d2.findLastIndex((d) => d > 0);
    } else {
      // Every point coincides with a centre already: take an unchosen point (duplicates).
      const left = points.map((_, i) => i).filter((i) => !chosen.includes(i));
      next = rng.pick(left);
    }
    chosen.push(next);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], squaredDistance(points[i], points[next]));
  }
  return chosen.map((i) => Float32Array.from(points[i]));
}

/**
 * Lloyd's k-means with k-means++ seeding drawn from `rng` (squared Euclidean distance). The same
 * points, k and rng state give the same result.
 *
 * @example Two obvious groups
 * ```ts
 * import assert from "node:assert/strict";
 * import { kMeans } from "./cluster.ts";
 * import { createRng } from "../run/mod.ts";
 * const { labels, centroids } = kMeans([[0, 0], [0, 1], [10, 0], [10, 1]], 2, { rng: createRng(1) });
 * assert.equal(labels[0], labels[1]);
 * assert.notEqual(labels[0], labels[2]);
 * assert.deepEqual([...centroids[labels[2]]], [10, 0.5]);
 * ```
 */
export function kMeans(points: readonly Point[], k: number, options: KMeansOptions): KMeansResult {
  const { rng, maxIter = 100 } = options;
  const n = points.length;
  const dims = checkPoints(points, "run k-means");
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(
      `Cannot run k-means: 'k' must be an integer from 1 to the ${n} points: current value is ${k}`,
    );
  }
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new RangeError(
      `Cannot run k-means: 'maxIter' must be a positive integer: current value is ${maxIter}`,
    );
  }
  const centroids = seedCentres(points, k, rng);
  const labels = new Array<number>(n).fill(-1);
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0, bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(points[i], centroids[c]);
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (labels[i] !== best) [labels[i], changed] = [best, true];
    }
    if (!changed) break;
    const sums = Array.from({ length: k }, () => new Float64Array(dims));
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      counts[labels[i]]++;
      for (let j = 0; j < dims; j++) sums[labels[i]][j] += points[i][j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < dims; j++) centroids[c][j] = sums[c][j] / counts[c];
    }
  }
  return { centroids, labels };
}

/** Options of {@link hdbscan}. */
export interface HdbscanOptions {
  /** The fewest points a cluster may have (at least 2). @default 2 */
  readonly minClusterSize?: number;
  /**
   * The neighbours that define a point's core distance, the point itself counted (as the
   * `hdbscan` Python package counts it): 1 makes mutual reachability the plain distance.
   * @default 1
   */
  readonly minSamples?: number;
  /**
   * Whether the whole set may be one cluster. Off (the usual HDBSCAN default), points that never
   * join a cluster below the root are noise; on, identical points form one cluster instead of
   * all being noise (what answer variance needs: sixteen equal answers are one answer).
   * @default false
   */
  readonly allowSingleCluster?: boolean;
  /**
   * An absolute scale, which HDBSCAN itself lacks: a point that leaves its cluster at a (mutual
   * reachability) distance above this is noise. With a single cluster allowed, it keeps n
   * unrelated points from reading as one cluster.
   * @default Infinity
   */
  readonly maxDistance?: number;
}

/** λ = 1/distance, capped so that coincident points (distance 0) stay finite. */
const MAX_LAMBDA = 1e9;
const lambdaOf = (d: number) => (d > 1 / MAX_LAMBDA ? 1 / d : MAX_LAMBDA);

/**
 * HDBSCAN*: the minimum spanning tree of mutual reachability distances (Prim, O(n²): meant for
 * small sets such as 16 answers), its single-linkage hierarchy condensed by `minClusterSize`,
 * and the clusters of greatest stability (excess of mass) chosen. Returns one label per point,
 * clusters numbered 0, 1, … in order of their first point, −1 for noise.
 *
 * @example Two pairs and a loner
 * ```ts
 * import assert from "node:assert/strict";
 * import { hdbscan } from "./cluster.ts";
 * assert.deepEqual(hdbscan([[0, 0], [0, 0.1], [5, 5], [5, 5.1], [40, 0]]), [0, 0, 1, 1, -1]);
 * ```
 */
export function hdbscan(points: readonly Point[], options: HdbscanOptions = {}): number[] {
  const {
    minClusterSize = 2,
    minSamples = 1,
    allowSingleCluster = false,
    maxDistance = Infinity,
  } = options;
  const n = points.length;
  checkPoints(points, "run HDBSCAN");
  if (!Number.isInteger(minClusterSize) || minClusterSize < 2) {
    throw new RangeError(
      `Cannot run HDBSCAN: 'minClusterSize' must be an integer of at least 2: current value is ${minClusterSize}`,
    );
  }
  if (!Number.isInteger(minSamples) || minSamples < 1) {
    throw new RangeError(
      `Cannot run HDBSCAN: 'minSamples' must be a positive integer: current value is ${minSamples}`,
    );
  }
  if (!(maxDistance >= 0)) {
    throw new RangeError(
      `Cannot run HDBSCAN: 'maxDistance' must be a number ≥ 0: current value is ${maxDistance}`,
    );
  }
  if (n < minClusterSize) return new Array<number>(n).fill(-1);
  const dist = points.map((p) => points.map((q) => Math.sqrt(squaredDistance(p, q))));
  const core = dist.map((row) => [...row].sort((a, b) => a - b)[Math.min(minSamples, n) - 1]);
  const reach = (a: number, b: number) => Math.max(core[a], core[b], dist[a][b]);

  // Prim's minimum spanning tree over the complete mutual-reachability graph.
  const inTree = new Array<boolean>(n).fill(false);
  const best = new Array<number>(n).fill(Infinity);
  const from = new Array<number>(n).fill(-1);
  const edges: [number, number, number][] = [];
  best[0] = 0;
  for (let step = 0; step < n; step++) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!inTree[i] && (u < 0 || best[i] < best[u])) u = i;
    inTree[u] = true;
    if (from[u] >= 0) edges.push([from[u], u, best[u]]);
    for (let v = 0; v < n; v++) {
      if (!inTree[v] && reach(u, v) < best[v]) [best[v], from[v]] = [reach(u, v), u];
    }
  }
  edges.sort((a, b) => a[2] - b[2]);

  // Single-linkage dendrogram: leaves 0..n-1, merge j is node n + j.
  const parent = Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  const left: number[] = [], right: number[] = [], height: number[] = [];
  const size = new Array<number>(2 * n - 1).fill(1);
  edges.forEach(([a, b, d], j) => {
    const ra = find(a), rb = find(b), node = n + j;
    left.push(ra), right.push(rb), height.push(d);
    size[node] = size[ra] + size[rb];
    parent[ra] = parent[rb] = node;
  });

  // Condense top-down: a split with two children of minClusterSize or more makes two clusters;
  // a smaller side's points fall out of the current cluster at that λ.
  const birth = [0];
  const clusterParent = [-1];
  const stability = [0];
  const children: number[][] = [[]];
  const pointCluster = new Array<number>(n).fill(0);
  const pointLambda = new Array<number>(n).fill(MAX_LAMBDA);
  let rootMax = 0; // the largest λ at which anything leaves the root
  const leaves = (node: number, out: number[] = []): number[] => {
    const stack = [node];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < n) out.push(x);
      else stack.push(left[x - n], right[x - n]);
    }
    return out;
  };
  const stack: [number, number][] = [[2 * n - 2, 0]];
  while (stack.length) {
    const [node, c] = stack.pop()!;
    if (node < n) continue; // not reached: clusters have at least two points
    const lam = lambdaOf(height[node - n]);
    const l = left[node - n], r = right[node - n];
    const bigL = size[l] >= minClusterSize, bigR = size[r] >= minClusterSize;
    if (c === 0) rootMax = Math.max(rootMax, lam);
    if (bigL && bigR) {
      stability[c] += (size[l] + size[r]) * (lam - birth[c]);
      for (const child of [l, r]) {
        const id = birth.length;
        birth.push(lam), clusterParent.push(c), stability.push(0), children.push([]);
        children[c].push(id);
        stack.push([child, id]);
      }
      continue;
    }
    for (const [side, big] of [[l, bigL], [r, bigR]] as const) {
      if (big) {
        stack.push([side, c]);
        continue;
      }
      stability[c] += size[side] * (lam - birth[c]);
      for (const p of leaves(side)) [pointCluster[p], pointLambda[p]] = [c, lam];
    }
  }

  // Excess of mass, bottom-up (children are numbered after their parents).
  const selected = new Array<boolean>(birth.length).fill(false);
  const subtree = [...stability];
  const unselect = (c: number) => {
    for (const ch of children[c]) {
      selected[ch] = false;
      unselect(ch);
    }
  };
  for (let c = birth.length - 1; c >= 0; c--) {
    const childSum = children[c].reduce((s, ch) => s + subtree[ch], 0);
    if (c === 0 && !allowSingleCluster && children[c].length > 0) break;
    if (children[c].length === 0 || stability[c] >= childSum) {
      selected[c] = true;
      unselect(c);
    } else subtree[c] = childSum;
  }
  if (!allowSingleCluster) selected[0] = false;

  const relabel = new Map<number, number>();
  return pointCluster.map((c, p) => {
    let x = c;
    while (x >= 0 && !selected[x]) x = clusterParent[x];
    // As in the `hdbscan` package: a single root cluster keeps only the points that stay until
    // the root's last split, so an outlier beside fifteen equal answers is still noise.
    if (x < 0 || (x === 0 && pointLambda[p] < rootMax)) return -1;
    if (pointLambda[p] < 1 / maxDistance) return -1;
    if (!relabel.has(x)) relabel.set(x, relabel.size);
    return relabel.get(x)!;
  });
}
