import assert from "node:assert/strict";
import { Graph } from "../../lib/graph/ir.ts";
import { mul, reduceSum } from "../../lib/graph/ops.ts";
import { tensor } from "../../lib/graph/tensor.ts";
import { buildTrainStep } from "../../lib/graph/train_step.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { createTrainer, STEP_KEY, trainStep } from "../../lib/runtime/trainer.ts";

const rt = createRuntime({ threads: 1 });

/** loss = Σ w ⊙ c, so the gradient is the constant c at every step. */
async function linearTrainer(
  w0: number[],
  c: number[],
  optimizer: Parameters<typeof buildTrainStep>[2]["optimizer"],
  clipNorm?: number,
) {
  const g = new Graph();
  const w = g.input("w", "float64", [w0.length]);
  const loss = reduceSum(mul(w, g.constant(tensor("float64", [c.length], c))));
  const step = buildTrainStep(loss, { w }, { optimizer, clipNorm });
  const store = new Map([["w", tensor("float64", [w0.length], w0)]]);
  return await createTrainer(rt, g, step, store);
}

const close = (got: ArrayLike<number>, want: number[], tol = 1e-12) =>
  want.forEach((v, i) =>
    assert.ok(Math.abs(got[i] - v) < tol, `element ${i}: got ${got[i]}, want ${v}`)
  );

Deno.test("AdamW matches values computed by hand over two steps", async () => {
  // w = [1, −2], g = [0.5, 3], lr 0.1, wd 0.01, β = (0.9, 0.999), ε = 1e-8.
  // Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g²; w ← w(1 − 0.001) − 0.1·g/(|g| + 1e-8).
  //   w1[0] = 0.999 − 0.05/0.50000001 = 0.999 − 0.099999998 = 0.899000002
  //   w1[1] = −1.998 − 0.3/3.00000001 = −1.998 − 0.0999999996666667 = −2.0979999996666667
  // Step 2: m = 0.19g, m̂ = 0.19g/(1 − 0.81) = g; v = 0.001999g², v̂ = g²: the same step size again.
  //   w2[0] = 0.899000002·0.999 − 0.099999998 = 0.898101001998 − 0.099999998 = 0.798101003998
  //   w2[1] = −2.0979999996666667·0.999 − 0.0999999996666667 = −2.1959019993336667
  const tr = await linearTrainer([1, -2], [0.5, 3], { kind: "adamw", weightDecay: 0.01 });
  await trainStep(tr, {}, 0.1);
  close(tr.store.get("w")!.data as Float64Array, [0.899000002, -2.0979999996666667], 1e-12);
  close(tr.state.get("w.adam_m")!.data as Float64Array, [0.05, 0.3]);
  close(tr.state.get("w.adam_v")!.data as Float64Array, [0.00025, 0.009]);
  await trainStep(tr, {}, 0.1);
  close(tr.store.get("w")!.data as Float64Array, [0.798101003998, -2.1959019993336667], 1e-12);
  assert.equal(tr.state.get(STEP_KEY)!.data[0], 2n);
  assert.deepEqual([...tr.store.keys()], ["w"], "the weight store holds weights only");
});

Deno.test("SGD with momentum matches values computed by hand", async () => {
  // buf1 = g = [1, −1]; w1 = w − 0.5·buf1 = [−0.5, 1.5]; buf2 = 0.9·g + g = 1.9g; w2 = w1 − 0.95g = [−1.45, 2.45]
  const tr = await linearTrainer([0, 1], [1, -1], { kind: "sgd", momentum: 0.9 });
  await trainStep(tr, {}, 0.5);
  close(tr.store.get("w")!.data as Float64Array, [-0.5, 1.5]);
  await trainStep(tr, {}, 0.5);
  close(tr.store.get("w")!.data as Float64Array, [-1.45, 2.45]);
});

Deno.test("gradient clipping rescales to the global norm and reports the norm before", async () => {
  // g = [3, 4]: ‖g‖ = 5; clip at 1 → g' = g·1/(5 + 1e-6); plain SGD with lr 1.
  const tr = await linearTrainer([0, 0], [3, 4], { kind: "sgd" }, 1);
  const r = await trainStep(tr, {}, 1);
  assert.ok(Math.abs(r.gradNorm - 5) < 1e-12);
  close(tr.store.get("w")!.data as Float64Array, [-3 / (5 + 1e-6), -4 / (5 + 1e-6)]);
});

Deno.test("optimizer options are validated with the field named", () => {
  const g = new Graph();
  const w = g.input("w", "float32", [2]);
  assert.throws(
    () => buildTrainStep(reduceSum(w), { w }, { optimizer: { kind: "adamw", beta1: 1.5 } }),
    /'beta1' must be in \[0, 1\): current value is 1.5/,
  );
  assert.throws(
    () => buildTrainStep(reduceSum(w), { w }, { optimizer: { kind: "sgd" }, clipNorm: 0 }),
    /'maxNorm'/,
  );
});
