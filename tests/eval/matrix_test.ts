import assert from "node:assert/strict";
import {
  accuracyMatrix,
  forwardTransfer,
  type Interval,
  type StageMatrix,
  stratifiedBootstrap,
} from "../../lib/eval/mod.ts";

/** `k` verdicts per quarter: a fraction q/4 of correct items, repeated k times. */
const quarters = (q: number, k = 1): boolean[] =>
  Array.from({ length: 4 * k }, (_, i) => i % 4 < q);

// Three stages (before any fine-tuning, after stage 1, after stage 2) × three sets, in quarters:
// base [0.5, 0.25, 0.75], stage 1 [1, 0.5, 0.5], stage 2 [0.75, 1, 0.25].
const QUARTERS = [[2, 1, 3], [4, 2, 2], [3, 4, 1]];
const build = (k: number, options = {}): StageMatrix =>
  accuracyMatrix({
    rows: ["base", "stage 1", "stage 2"],
    columns: ["a", "b", "c"],
    verdicts: QUARTERS.map((row) => row.map((q) => quarters(q, k))),
  }, { learnedAt: [0, 1, 2], resamples: 500, seed: 3, ...options });

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
const inside = (i: Interval, what: string) =>
  assert.ok(i.low <= i.estimate && i.estimate <= i.high, `${what}: ${JSON.stringify(i)}`);

Deno.test("the accuracy matrix of a fixed 3×3 case has the hand-computed values and metrics", () => {
  const m = build(1);
  assert.deepEqual(m.values, [[0.5, 0.25, 0.75], [1, 0.5, 0.5], [0.75, 1, 0.25]]);
  assert.deepEqual(m.counts, [4, 4, 4]);
  close(m.metrics.averageAccuracy.estimate, (0.75 + 1 + 0.25) / 3, "average accuracy");
  // Best earlier − last: max(0.5, 1) − 0.75, max(0.25, 0.5) − 1, max(0.75, 0.5) − 0.25.
  assert.deepEqual(m.metrics.forgetting.perColumn.map((i) => i.estimate), [0.25, -0.5, 0.5]);
  close(m.metrics.forgetting.mean.estimate, 0.25 / 3, "mean forgetting");
  // Sets learned at stages 0 and 1: (0.75 − 0.5 + 1 − 0.5) / 2.
  close(m.metrics.backwardTransfer!.estimate, 0.375, "backward transfer");
  // Set c (learned at stage 2) just before it was learned, against row 0: 0.5 − 0.75.
  close(m.metrics.forwardTransfer!.estimate, -0.25, "forward transfer");
  // Against chance 0.25: sets b (0.25 − 0.25) and c (0.5 − 0.25).
  const chance = build(1, { baseline: [0.25, 0.25, 0.25] });
  close(chance.metrics.forwardTransfer!.estimate, 0.125, "forward transfer against chance");
});

Deno.test("every matrix interval contains its estimate and narrows with more items", () => {
  const small = build(1), large = build(10);
  const all = (m: StageMatrix): Interval[] => [
    m.metrics.averageAccuracy,
    m.metrics.forgetting.mean,
    ...m.metrics.forgetting.perColumn,
    m.metrics.backwardTransfer!,
    m.metrics.forwardTransfer!,
  ];
  const a = all(small), b = all(large);
  a.forEach((i, k) => {
    inside(i, `small ${k}`);
    inside(b[k], `large ${k}`);
    // Same proportions, ten times the items: the same estimate, a narrower interval.
    close(b[k].estimate, i.estimate, `estimate ${k}`);
    assert.ok(b[k].high - b[k].low < i.high - i.low, `interval ${k} did not narrow`);
  });
  assert.deepEqual(build(1), build(1), "the intervals are seeded");
});

Deno.test("transfer is null where no set was learned, and ragged verdicts are refused", () => {
  const probes = accuracyMatrix({
    rows: ["base", "fine-tuned"],
    columns: ["bbh"],
    verdicts: [[[true, false]], [[false, false]]],
  }, { resamples: 100 });
  assert.equal(probes.metrics.backwardTransfer, null);
  assert.equal(probes.metrics.forwardTransfer, null);
  assert.equal(probes.metrics.forgetting.perColumn[0].estimate, 0.5);
  assert.throws(
    () =>
      accuracyMatrix({
        rows: ["base", "fine-tuned"],
        columns: ["add"],
        verdicts: [[[true, false]], [[true]]],
      }),
    /row 'fine-tuned' has 1 items in column 'add' but row 'base' has 2: every row must hold the same items/,
  );
  assert.throws(
    () => accuracyMatrix({ rows: ["base"], columns: ["add"], verdicts: [[[]]] }),
    /column 'add' has no items/,
  );
});

Deno.test("stratifiedBootstrap resamples within each stratum, so a constant stratum has a zero-width interval", () => {
  const strata = [[0.5, 0.5, 0.5], [0, 1, 0, 1, 1]];
  const means = (idx: readonly (readonly number[])[]) =>
    idx.map((ix, s) => ix.reduce((a, i) => a + strata[s][i], 0) / ix.length);
  const [a, b] = stratifiedBootstrap([3, 5], means, { seed: 2, resamples: 300 });
  assert.deepEqual(a, { estimate: 0.5, low: 0.5, high: 0.5 });
  assert.equal(b.estimate, 0.6);
  assert.ok(b.low < 0.6 && b.high > 0.6);
  // A statistic undefined on the whole data has no interval.
  assert.deepEqual(stratifiedBootstrap([2], () => [NaN], { resamples: 10 }), [
    { estimate: NaN, low: NaN, high: NaN },
  ]);
  assert.throws(
    () => stratifiedBootstrap([3, 0], means),
    /'sizes\[1\]' must be an integer ≥ 1: current value is 0/,
  );
});

Deno.test("forwardTransfer checks its baseline and learnedAt against the matrix", () => {
  const m = [[0.5, 0.25], [1, 0.5]];
  assert.ok(Number.isNaN(forwardTransfer(m, { learnedAt: [1, -1] })));
  assert.equal(forwardTransfer(m, { learnedAt: [1, -1], baseline: [0.25, 0] }), 0.25);
  assert.throws(
    () => forwardTransfer(m, { learnedAt: [1, 1], baseline: [0.25] }),
    /'baseline' must have one accuracy per set \(2\): current length is 1/,
  );
  assert.throws(
    () => forwardTransfer(m, { learnedAt: [0, 2] }),
    /'learnedAt\[1\]' must be a stage from -1 to 1: current value is 2/,
  );
});
