import assert from "node:assert/strict";
import { hdbscan, kMeans } from "../../lib/acquire/cluster.ts";
import { createRng } from "../../lib/run/mod.ts";

/** `perBlob` Gaussian points (std `spread`) around each centre, and each point's true blob. */
function blobs(centres: number[][], perBlob: number, spread: number, seed: number) {
  const rng = createRng(seed);
  const points: number[][] = [], truth: number[] = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < perBlob; i++) {
      points.push(c.map((x) => rng.normal(x, spread)));
      truth.push(k);
    }
  });
  return { points, truth };
}

/** Whether two labellings are the same partition up to renaming (noise −1 must match as is). */
function samePartition(a: number[], b: number[]): boolean {
  const ab = new Map<number, number>(), ba = new Map<number, number>();
  return a.length === b.length && a.every((x, i) => {
    const y = b[i];
    if ((x === -1) !== (y === -1)) return false;
    if (x === -1) return true;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y), ba.set(y, x);
    return true;
  });
}

const CENTRES = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10], [10, 10, 10]];

Deno.test("kMeans recovers five well-separated Gaussian blobs exactly, for several seeds", () => {
  const { points, truth } = blobs(CENTRES, 40, 0.5, 3);
  for (const seed of [1, 2, 3, 4]) {
    const { labels, centroids } = kMeans(points, 5, { rng: createRng(seed) });
    assert.ok(samePartition(labels, truth), `seed ${seed}: ${labels}`);
    for (const c of centroids) {
      const near = CENTRES.some((t) => t.every((x, j) => Math.abs(x - c[j]) < 0.3));
      assert.ok(near, `centroid ${[...c]} is near a true centre`);
    }
  }
});

Deno.test("kMeans centroids are the means of their points and the result repeats for one seed", () => {
  const pts = [[0, 0], [2, 0], [0, 2], [20, 20], [22, 20]];
  const a = kMeans(pts, 2, { rng: createRng(9) });
  const b = kMeans(pts, 2, { rng: createRng(9) });
  assert.deepEqual(a, b);
  assert.deepEqual([...a.centroids[a.labels[0]]].map((x) => +x.toFixed(5)), [0.66667, 0.66667]);
  assert.deepEqual([...a.centroids[a.labels[3]]], [21, 20]);
});

Deno.test("kMeans with k equal to the number of points keeps every point, duplicates included", () => {
  const pts = [[0, 0], [0, 0], [1, 1]];
  const { labels } = kMeans(pts, 3, { rng: createRng(1) });
  assert.equal(new Set(labels).size, 2); // the duplicates share their nearest centroid
  assert.notEqual(labels[0], labels[2]);
});

Deno.test("kMeans rejects a k outside 1..n and ragged points, naming the field", () => {
  assert.throws(() => kMeans([[0]], 2, { rng: createRng(1) }), /'k' must be .*current value is 2/);
  assert.throws(() => kMeans([[0], [1, 2]], 1, { rng: createRng(1) }), /point 1 has 2 dimensions/);
});

Deno.test("hdbscan on Gaussian blobs never mixes two blobs and marks isolated points as noise", () => {
  // With a minimum cluster size of 2, HDBSCAN may legitimately split a blob whose points form
  // two tight pairs (excess of mass prefers them); what must hold is purity and the noise.
  for (let seed = 1; seed <= 10; seed++) {
    const { points, truth } = blobs(CENTRES.slice(0, 3), 5, 0.05, seed);
    points.push([40, 40, 40], [-40, 20, 0]);
    const labels = hdbscan(points, { minClusterSize: 2, minSamples: 1 });
    assert.deepEqual(labels.slice(-2), [-1, -1], `seed ${seed}`);
    const blobOf = new Map<number, number>();
    labels.slice(0, -2).forEach((l, i) => {
      if (l < 0) return;
      assert.equal(blobOf.get(l) ?? truth[i], truth[i], `seed ${seed}: cluster ${l} mixes blobs`);
      blobOf.set(l, truth[i]);
    });
    assert.ok(blobOf.size >= 3, `seed ${seed}: ${labels}`);
  }
});

Deno.test("hdbscan recovers evenly spaced blobs exactly, with isolated points as noise", () => {
  // Within a blob every gap is equal, so no sub-cluster outlives its blob.
  const rng = createRng(4);
  const points: number[][] = [], truth: number[] = [];
  for (let k = 0; k < 3; k++) {
    const [cx, cy] = [rng.normal(0, 50), rng.normal(0, 50)];
    for (let i = 0; i < 5; i++) points.push([cx + 0.1 * i, cy]), truth.push(k);
  }
  points.push([500, 500], [-500, 500]), truth.push(-1, -1);
  assert.ok(samePartition(hdbscan(points), truth), `${hdbscan(points)}`);
});

Deno.test("hdbscan chooses clusters by stability as computed by hand", () => {
  // 1-D points 0, 1, 3, 4, 20. MST edges 1, 1, 2, 16. The root loses 20 at λ = 1/16 and splits
  // at λ = 1/2 into {0,1} and {3,4}; each of those lives from λ = 1/2 to 1 (stability
  // 2 × (1 − 1/2) = 1). Without a single cluster the two pairs are chosen and 20 is noise; with
  // it the root (stability 1/16 + 4 × 1/2 = 2.0625 ≥ 1 + 1) is chosen, and 20, which left the
  // root before its last split, stays noise.
  const pts = [[0], [1], [3], [4], [20]];
  assert.deepEqual(hdbscan(pts), [0, 0, 1, 1, -1]);
  assert.deepEqual(hdbscan(pts, { allowSingleCluster: true }), [0, 0, 0, 0, -1]);
  // minSamples 2: core distances 1, 1, 1, 1, 16 leave the same mutual-reachability tree.
  assert.deepEqual(hdbscan(pts, { minSamples: 2 }), [0, 0, 1, 1, -1]);
});

Deno.test("hdbscan finds sixteen points in four blobs of four", () => {
  const { points, truth } = blobs(CENTRES.slice(0, 4), 4, 0.05, 11);
  assert.ok(samePartition(hdbscan(points), truth));
});

Deno.test("hdbscan: identical points are noise, or one cluster when a single cluster is allowed", () => {
  const same = Array.from({ length: 6 }, () => [1, 2]);
  assert.deepEqual(hdbscan(same), [-1, -1, -1, -1, -1, -1]);
  assert.deepEqual(hdbscan(same, { allowSingleCluster: true }), [0, 0, 0, 0, 0, 0]);
  const twoKinds = [...same, [9, 9], [9, 9], [9, 9]];
  assert.deepEqual(hdbscan(twoKinds, { allowSingleCluster: true }), [0, 0, 0, 0, 0, 0, 1, 1, 1]);
  const oneOff = [...same, [9, 9]];
  assert.deepEqual(hdbscan(oneOff, { allowSingleCluster: true }), [0, 0, 0, 0, 0, 0, -1]);
});

Deno.test("hdbscan with maxDistance makes points that join only far away noise", () => {
  const pts = [[0], [0], [0.2], [5], [9]];
  assert.deepEqual(hdbscan(pts, { allowSingleCluster: true }), [0, 0, 0, 1, 1]);
  assert.deepEqual(hdbscan(pts, { allowSingleCluster: true, maxDistance: 0.1 }), [
    0,
    0,
    -1,
    -1,
    -1,
  ]);
  const apart = [[0], [3], [6]];
  assert.deepEqual(hdbscan(apart, { allowSingleCluster: true }), [0, 0, 0]);
  assert.deepEqual(hdbscan(apart, { allowSingleCluster: true, maxDistance: 1 }), [-1, -1, -1]);
  assert.throws(() => hdbscan(apart, { maxDistance: -1 }), /'maxDistance' must be a number ≥ 0/);
});

Deno.test("hdbscan of fewer points than the minimum cluster size is all noise", () => {
  assert.deepEqual(hdbscan([]), []);
  assert.deepEqual(hdbscan([[1, 1]]), [-1]);
  assert.throws(() => hdbscan([[0]], { minClusterSize: 1 }), /'minClusterSize' must be/);
});
