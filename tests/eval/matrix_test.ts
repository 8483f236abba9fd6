import assert from "node:assert/strict";
import { accuracyMatrix, type Interval, type StageMatrix } from "../../lib/eval/mod.ts";

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
