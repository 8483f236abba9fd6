import assert from "node:assert/strict";
import { averageRanks, correlationInterval, kendallTauB, spearman } from "../../lib/eval/mod.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

Deno.test("averageRanks gives tied values the mean of the ranks they span", () => {
  assert.deepEqual(averageRanks([5, 1, 5, 5, 0]), [4, 2, 4, 4, 1]);
  assert.deepEqual(averageRanks([]), []);
});

Deno.test("spearman matches a hand computation with ties on both sides", () => {
  // ranks x: 1 2.5 2.5 4, ranks y: 1 3.5 2 3.5; centred products sum 3.75 over √(4.5·4.5).
  close(spearman([1, 2, 2, 3], [1, 3, 2, 3]), 3.75 / 4.5);
});

Deno.test("spearman matches the textbook IQ / hours of TV example (−29/165)", () => {
  const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
  const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
  close(spearman(iq, tv), -29 / 165);
});

Deno.test("spearman without ties equals 1 − 6Σd²/(n(n²−1))", () => {
  const x = [3.1, 0.2, 7.5, 4.4, 9.9, 1.0], y = [2, 5, 9, 1, 8, 3];
  const rx = averageRanks(x), ry = averageRanks(y);
  const d2 = rx.reduce((s, r, i) => s + (r - ry[i]) ** 2, 0);
  close(spearman(x, y), 1 - (6 * d2) / (6 * 35));
});

Deno.test("kendallTauB matches a hand count with one tie on each side", () => {
  // 4 concordant, 0 discordant, 6 pairs, one tied in x, one tied in y: 4 / √(5·5).
  close(kendallTauB([1, 2, 2, 3], [1, 3, 2, 3]), 0.8);
});

Deno.test("kendallTauB matches the known tau-b of a tie-heavy example (−2/√18)", () => {
  // x ties: (12,12), (2,2); y ties: (1,1). C = 2, D = 6 over 10 pairs: −4 / √(8·9).
  close(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -4 / Math.sqrt(72));
  close(-4 / Math.sqrt(72), -0.47140452079103173);
});

Deno.test("kendallTauB without ties is (C − D) / (n(n−1)/2)", () => {
  // one swapped pair of 5: C = 9, D = 1.
  close(kendallTauB([1, 2, 3, 4, 5], [1, 3, 2, 4, 5]), 0.8);
});

Deno.test("rank correlations are NaN for constant input and refuse unequal lengths", () => {
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(kendallTauB([1, 2, 3], [4, 4, 4])));
  assert.throws(() => spearman([1, 2], [1]), /'y' must have the length of 'x' \(2\)/);
  assert.throws(() => kendallTauB([1, NaN], [1, 2]), /'x\[1\]' must be a finite number/);
});

Deno.test("correlationInterval brackets its estimate, repeats with a seed, and widens with noise", () => {
  const x = Array.from({ length: 30 }, (_, i) => i);
  const strong = x.map((v) => v + ((v * 7) % 5));
  const weak = x.map((v) => ((v * 13) % 29) + v / 10);
  for (const kind of ["spearman", "kendall"] as const) {
    const s = correlationInterval(kind, x, strong, { seed: 5, resamples: 500 });
    assert.ok(s.low <= s.estimate && s.estimate <= s.high, JSON.stringify(s));
    assert.deepEqual(s, correlationInterval(kind, x, strong, { seed: 5, resamples: 500 }));
    const w = correlationInterval(kind, x, weak, { seed: 5, resamples: 500 });
    assert.ok(w.high - w.low > s.high - s.low, `${JSON.stringify(w)} vs ${JSON.stringify(s)}`);
  }
  assert.throws(
    () => correlationInterval("pearson" as "kendall", x, x),
    /'kind' must be one of spearman, kendall: current value is 'pearson'/,
  );
});
