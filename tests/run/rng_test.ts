import assert from "node:assert/strict";
import { createRng, restoreRng, type Rng } from "../../lib/run/rng.ts";

const draw = (rng: { next(): number }, n: number) => Array.from({ length: n }, () => rng.next());

function correlation(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let cov = 0, vx = 0, vy = 0;
  for (let k = 0; k < x.length; k++) {
    cov += (x[k] - mx) * (y[k] - my);
    vx += (x[k] - mx) ** 2;
    vy += (y[k] - my) ** 2;
  }
  return cov / Math.sqrt(vx * vy);
}

Deno.test("the same seed gives the same sequence, different seeds different ones", () => {
  assert.deepEqual(draw(createRng(42), 1000), draw(createRng(42), 1000));
  assert.notDeepEqual(draw(createRng(42), 10), draw(createRng(43), 10));
  assert.notDeepEqual(draw(createRng(0), 10), draw(createRng(2 ** 32), 10), "high bits count");
  assert.deepEqual(draw(createRng(-5), 10), draw(createRng(-5), 10));
  assert.throws(() => createRng(1.5), /'seed' must be a safe integer: current value is 1.5/);
  assert.throws(() => createRng(NaN), /'seed' must be a safe integer/);
});

Deno.test("the generator is xoshiro128** seeded through splitmix32 (golden values)", () => {
  // Pinned from the sampler's original generator, so seeded samples keep their values.
  assert.deepEqual(draw(createRng(42), 2), [0.6606157226487994, 0.12688010395504534]);
  assert.equal(createRng(42).split(3).next(), 0.10825064033269882);
});

Deno.test("split streams depend only on the seed and key, and are independent", () => {
  const a = createRng(7);
  const f0 = draw(a.split(0), 100);
  const named = draw(a.split("init"), 100);
  draw(a, 500); // drawing from the parent does not move its children
  assert.deepEqual(draw(a.split(0), 100), f0);
  assert.deepEqual(draw(a.split("init"), 100), named);
  assert.deepEqual(draw(createRng(7).split(3), 50), draw(createRng(7).split(3), 50));
  assert.notDeepEqual(draw(a.split(2 ** 32), 5), draw(a.split(0), 5), "high bits of keys count");
  const streams = [
    ...[0, 1, 2, 3].map((i) => draw(a.split(i), 2000)),
    ...["init", "data", "0"].map((k) => draw(a.split(k), 2000)),
    draw(createRng(7), 2000),
  ];
  for (let i = 0; i < streams.length; i++) {
    for (let j = i + 1; j < streams.length; j++) {
      assert.notDeepEqual(streams[i].slice(0, 5), streams[j].slice(0, 5));
      // Two independent uniform streams: |r| ≈ 1/sqrt(2000) ≈ 0.022.
      assert.ok(Math.abs(correlation(streams[i], streams[j])) < 0.1, `streams ${i} and ${j}`);
    }
  }
  assert.throws(() => a.split(0.5), /'key' must be a string or a safe integer/);
});

Deno.test("state() round-trips through JSON and the restored stream continues exactly", () => {
  const a = createRng(11);
  draw(a, 37);
  a.normal();
  const saved = JSON.parse(JSON.stringify(a.state()));
  const b = restoreRng(saved);
  assert.deepEqual(draw(b, 100), draw(a, 100));
  assert.deepEqual(draw(b.split("x"), 10), draw(a.split("x"), 10), "children follow the seed");
  assert.throws(() => restoreRng({ seed: 1, words: [0, 0, 0, 0] }), /Cannot restore/);
  assert.throws(() => restoreRng({ seed: -1, words: [1, 2, 3, 4] }), /Cannot restore/);
  assert.throws(
    () => restoreRng({ seed: 1, words: [1, 2, 3] } as never),
    /current value is \{"seed":1,"words":\[1,2,3\]\}/,
  );
});

Deno.test("numbers are uniform in [0, 1)", () => {
  const xs = draw(createRng(123), 100_000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  // χ² with 9 degrees of freedom: the 99.9th percentile is 27.9.
  const chi2 = bins.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2}`);
});

Deno.test("integers cover their range evenly, normals have the asked mean and spread", () => {
  const rng = createRng(5);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[rng.int(1, 6) - 1]++;
  // χ² with 5 degrees of freedom: the 99.9th percentile is 20.5.
  assert.ok(counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0) < 20.5, `${counts}`);
  assert.equal(rng.int(4, 4), 4);
  assert.throws(() => rng.int(3, 2), /lo ≤ hi: current values are 3 and 2/);
  const n = 50_000;
  const zs = Array.from({ length: n }, () => rng.normal(2, 0.5));
  const mean = zs.reduce((s, z) => s + z, 0) / n;
  const sd = Math.sqrt(zs.reduce((s, z) => s + (z - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean - 2) < 0.01 && Math.abs(sd - 0.5) < 0.01, `${mean} ${sd}`);
  // About 95.4% within two standard deviations.
  const within = zs.filter((z) => Math.abs(z - 2) < 1).length / n;
  assert.ok(Math.abs(within - 0.9545) < 0.005, `${within}`);
});

Deno.test("shuffle is a permutation with every position reachable; pick refuses an empty list", () => {
  const rng: Rng = createRng(9);
  const items = [0, 1, 2, 3, 4];
  const firsts = new Array(5).fill(0);
  for (let i = 0; i < 5000; i++) {
    const s = rng.shuffle(items);
    assert.deepEqual([...s].sort(), items);
    firsts[s[0]]++;
  }
  assert.ok(firsts.every((c) => c > 850 && c < 1150), `${firsts}`);
  assert.deepEqual(items, [0, 1, 2, 3, 4], "the input is left as it was");
  assert.throws(() => rng.pick([]), /empty list/);
});
