import assert from "node:assert/strict";
import { averageAccuracy, backwardTransfer, forgetting } from "../../lib/eval/mod.ts";

// Three stages (before any fine-tuning, after round 1, after round 2) × three evaluation sets.
const m = [
  [0.5, 0.25, 0.75],
  [1.0, 0.5, 0.5],
  [0.75, 1.0, 0.25],
];

Deno.test("average accuracy is the mean of the last stage", () => {
  assert.equal(averageAccuracy(m), 2 / 3);
});

Deno.test("forgetting is the best earlier accuracy minus the final one, per set", () => {
  // set 0: max(0.5, 1.0) − 0.75; set 1: max(0.25, 0.5) − 1.0; set 2: max(0.75, 0.5) − 0.25.
  assert.deepEqual(forgetting(m).perSet, [0.25, -0.5, 0.5]);
  assert.equal(forgetting(m).mean, 0.25 / 3);
  assert.deepEqual(forgetting([[0.3, 0.4]]), { perSet: [0, 0], mean: 0 });
});

Deno.test("backward transfer averages final minus just-learned accuracy over earlier sets", () => {
  // Square case: set 0 learned at stage 0 (0.75 − 0.5), set 1 at stage 1 (1.0 − 0.5).
  assert.equal(backwardTransfer(m), (0.25 + 0.5) / 2);
  // Sets 0 and 2 learned in pretraining (stage 0), set 1 at the last stage (left out).
  assert.equal(backwardTransfer(m, { learnedAt: [0, 2, 0] }), (0.25 - 0.5) / 2);
  assert.ok(Number.isNaN(backwardTransfer(m, { learnedAt: [2, -1, 2] })));
});

Deno.test("the forgetting arithmetic refuses ragged or out-of-range matrices", () => {
  assert.throws(() => forgetting([[0.5, 0.5], [0.5]]), /row 1 has 1 columns but row 0 has 2/);
  assert.throws(
    () => averageAccuracy([[0.5, 1.5]]),
    /matrix\[0\]\[1\] must be an accuracy in \[0, 1\]: current value is 1.5/,
  );
  assert.throws(() => averageAccuracy([]), /the accuracy matrix is empty/);
  assert.throws(
    () => backwardTransfer(m, { learnedAt: [0, 3, 0] }),
    /'learnedAt\[1\]' must be a stage from -1 to 2: current value is 3/,
  );
});
