import assert from "node:assert/strict";
import { createRng } from "../../lib/sample/rng.ts";

const draw = (rng: { next(): number }, n: number) => Array.from({ length: n }, () => rng.next());

Deno.test("the same seed gives the same sequence, different seeds different ones", () => {
  assert.deepEqual(draw(createRng(42), 1000), draw(createRng(42), 1000));
  assert.notDeepEqual(draw(createRng(42), 10), draw(createRng(43), 10));
  assert.notDeepEqual(draw(createRng(0), 10), draw(createRng(2 ** 32), 10), "high bits count");
  assert.deepEqual(draw(createRng(-5), 10), draw(createRng(-5), 10));
  assert.throws(() => createRng(1.5), /'seed' must be a safe integer: current value is 1.5/);
  assert.throws(() => createRng(NaN), /'seed' must be a safe integer/);
});

Deno.test("forks depend only on the seed and index, and are independent streams", () => {
  const a = createRng(7);
  const f0 = draw(a.fork(0), 100);
  draw(a, 500); // drawing from the parent does not move its forks
  assert.deepEqual(draw(a.fork(0), 100), f0);
  assert.deepEqual(draw(createRng(7).fork(3), 50), draw(createRng(7).fork(3), 50));
  const streams = [0, 1, 2, 3].map((i) => draw(a.fork(i), 2000));
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      assert.notDeepEqual(streams[i].slice(0, 5), streams[j].slice(0, 5));
      // Correlation of two independent uniform streams: |r| ≈ 1/sqrt(n) ≈ 0.022.
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const [mi, mj] = [mean(streams[i]), mean(streams[j])];
      let cov = 0, vi = 0, vj = 0;
      for (let k = 0; k < 2000; k++) {
        cov += (streams[i][k] - mi) * (streams[j][k] - mj);
        vi += (streams[i][k] - mi) ** 2;
        vj += (streams[j][k] - mj) ** 2;
      }
      assert.ok(Math.abs(cov / Math.sqrt(vi * vj)) < 0.1, `forks ${i} and ${j} correlate`);
    }
  }
  assert.throws(() => a.fork(0.5), /'index' must be a safe integer/);
});

Deno.test("numbers are uniform in [0, 1)", () => {
  const xs = draw(createRng(123), 100_000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  // χ² with 9 degrees of freedom: the 99.9th percentile is 27.9.
  const chi2 = bins.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2}`);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
});
