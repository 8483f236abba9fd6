import assert from "node:assert/strict";
import { createDedupState, keepText, nearestJaccard, shingles } from "../../lib/reward/mod.ts";

Deno.test("shingles are lower-cased word triples, punctuation ignored", () => {
  assert.deepEqual([...shingles("Ann has 3 pens. Ann has 3!", 3)], [
    "ann has 3",
    "has 3 pens",
    "3 pens ann",
    "pens ann has",
  ]);
  assert.equal(shingles("...", 3).size, 0);
});

Deno.test("nearestJaccard is the exact Jaccard with the closest kept text", () => {
  const state = createDedupState(["a b c d e", "x y z"], { shingle: 2 });
  // {ab, bc, cd, de} vs {ab, bc, cd, df}: 3 of 5.
  assert.equal(nearestJaccard(state, "a b c d f"), 3 / 5);
  assert.equal(nearestJaccard(state, "x y z"), 1);
  assert.equal(nearestJaccard(state, "q r s"), 0);
  assert.equal(nearestJaccard(state, ""), 0);
  keepText(state, "q r s");
  assert.equal(nearestJaccard(state, "q r s"), 1);
  assert.equal(state.kept.length, 3);
});
