import assert from "node:assert/strict";
import { learningRate, SCHEDULES } from "../../lib/train/mod.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("the schedule table holds the three shapes at their worked values", () => {
  assert.deepEqual(Object.keys(SCHEDULES).sort(), ["constant", "cosine", "linear"]);
  assert.ok(Object.isFrozen(SCHEDULES));
  for (const p of [0, 0.3, 1]) assert.equal(SCHEDULES.constant(p), 1);
  assert.equal(SCHEDULES.linear(0), 1);
  assert.equal(SCHEDULES.linear(0.4), 0.6);
  assert.equal(SCHEDULES.linear(1), 0);
  assert.equal(SCHEDULES.cosine(0), 1);
  close(SCHEDULES.cosine(0.25), (1 + Math.SQRT1_2) / 2);
  close(SCHEDULES.cosine(1), 0);
});

Deno.test("linear warm-up ramps from the first step to the peak, then the linear shape decays to zero", () => {
  const s = { kind: "linear" as const, peak: 1, warmupSteps: 2, totalSteps: 10 };
  // Warm-up: (i + 1) / 2; decay: p = (i − 2) / 8.
  const want = [0.5, 1, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0];
  want.forEach((w, i) => close(learningRate(s, i), w));
});

Deno.test("cosine decays to minRatio × peak at totalSteps", () => {
  const s = { kind: "cosine" as const, peak: 2e-3, totalSteps: 4, minRatio: 0.1 };
  close(learningRate(s, 0), 2e-3);
  // p = 1/4: 0.1 + 0.9 × (1 + cos(π/4)) / 2 = 0.868198…
  close(learningRate(s, 1), 2e-3 * 0.8681980515339464);
  close(learningRate(s, 2), 2e-3 * 0.55);
  close(learningRate(s, 4), 2e-4);
  close(learningRate(s, 50), 2e-4);
});

Deno.test("a constant schedule holds the peak after its warm-up", () => {
  const s = { kind: "constant" as const, peak: 3e-4, warmupSteps: 4, totalSteps: 8 };
  assert.deepEqual([0, 1, 2, 3, 4, 7].map((i) => learningRate(s, i)), [
    7.5e-5,
    1.5e-4,
    2.25e-4,
    3e-4,
    3e-4,
    3e-4,
  ]);
});

Deno.test("a bad schedule is refused naming the field and its value", () => {
  const s = { kind: "cosine" as const, peak: 1e-3, totalSteps: 10 };
  assert.throws(
    () => learningRate({ ...s, kind: "exp" as never }, 0),
    /'kind' must be one of constant, linear, cosine: current value is "exp"/,
  );
  assert.throws(
    () => learningRate({ ...s, peak: -1 }, 0),
    /'peak' must be a finite number ≥ 0: current value is -1/,
  );
  assert.throws(
    () => learningRate({ ...s, totalSteps: 0 }, 0),
    /'totalSteps' must be an integer ≥ 1: current value is 0/,
  );
  assert.throws(
    () => learningRate({ ...s, warmupSteps: 11 }, 0),
    /'warmupSteps' must be an integer from 0 to totalSteps \(10\): current value is 11/,
  );
  assert.throws(
    () => learningRate({ ...s, minRatio: 2 }, 0),
    /'minRatio' must be a number from 0 to 1: current value is 2/,
  );
  assert.throws(() => learningRate(s, 1.5), /'step' must be an integer ≥ 0: current value is 1.5/);
});
