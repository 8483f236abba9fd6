import assert from "node:assert/strict";
import { cosine, countSketch, projectVector } from "../../lib/acquire/projection.ts";
import { createRng } from "../../lib/run/mod.ts";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** x and a vector with cosine about `c` to it, both Gaussian, length n. */
function pair(n: number, c: number, seed: number): [Float32Array, Float32Array] {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n }, () => rng.normal());
  const y = x.map((v) => c * v + Math.sqrt(1 - c * c) * rng.normal());
  return [x, y];
}

Deno.test("projected inner products of random vectors are within 4·√(2/d)·‖x‖‖y‖ of the true ones", () => {
  const n = 50_000, d = 2048;
  const tol = 4 * Math.sqrt(2 / d); // a four-sigma bound of the CountSketch's error
  let worst = 0;
  for (const [k, c] of [0, 0.3, -0.6, 0.9, 1].entries()) {
    const [x, y] = pair(n, c, 10 + k);
    const s = countSketch(n, d, createRng(100 + k));
    const px = projectVector(s, x), py = projectVector(s, y);
    const scale = Math.sqrt(dot(x, x) * dot(y, y));
    const err = Math.abs(dot(px, py) - dot(x, y)) / scale;
    assert.ok(err < tol, `cos ${c}: error ${err} ≥ ${tol}`);
    assert.ok(Math.abs(cosine(px, py) - cosine(x, y)) < tol, `cos ${c}: cosine off`);
    worst = Math.max(worst, err);
  }
  assert.ok(worst > 1e-6, "a projection to fewer dimensions is not exact");
});

Deno.test("the projection is unbiased, with the variance the CountSketch bound allows", () => {
  const n = 4000, d = 128, trials = 60;
  const [x, y] = pair(n, 0.5, 3);
  const truth = dot(x, y), bound = (2 * dot(x, x) * dot(y, y)) / d;
  const est = Array.from({ length: trials }, (_, t) => {
    const s = countSketch(n, d, createRng(1000 + t));
    return dot(projectVector(s, x), projectVector(s, y));
  });
  const mean = est.reduce((a, b) => a + b, 0) / trials;
  const variance = est.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1);
  assert.ok(Math.abs(mean - truth) < 4 * Math.sqrt(bound / trials), `mean ${mean} vs ${truth}`);
  assert.ok(variance < 1.6 * bound && variance > 0, `variance ${variance} vs bound ${bound}`);
});

Deno.test("projection is linear: the mean of projections is the projection of the mean, and −x maps to −Sx", () => {
  const n = 1000, s = countSketch(n, 64, createRng(4));
  const [x, y] = pair(n, 0.2, 5);
  const mid = x.map((v, i) => (v + y[i]) / 2);
  const px = projectVector(s, x), py = projectVector(s, y), pm = projectVector(s, mid);
  pm.forEach((v, k) => assert.ok(Math.abs(v - (px[k] + py[k]) / 2) < 1e-4));
  assert.equal(cosine(px, projectVector(s, x.map((v) => -v))), -1);
  assert.equal(cosine(px, px), 1);
  assert.equal(cosine(px, new Float64Array(64)), 0);
});

Deno.test("the same rng gives the same projection; bad sizes are named", () => {
  const a = countSketch(500, 32, createRng(9)), b = countSketch(500, 32, createRng(9));
  assert.deepEqual(a.bucket, b.bucket);
  assert.deepEqual(a.sign, b.sign);
  assert.ok(a.bucket.every((h) => h >= 0 && h < 32));
  assert.throws(
    () => countSketch(10, 0, createRng(1)),
    /'dim' must be an integer ≥ 1: current value is 0/,
  );
  assert.throws(
    () => projectVector(a, new Float32Array(3)),
    /3 entries but the projection takes 500/,
  );
});
