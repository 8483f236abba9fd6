import assert from "node:assert/strict";
import { Graph } from "../../lib/graph/ir.ts";
import { linear, mse } from "../../lib/graph/nn.ts";
import { relu, tanh } from "../../lib/graph/ops.ts";
import { tensor } from "../../lib/graph/tensor.ts";
import { buildTrainStep } from "../../lib/graph/train_step.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { createTrainer, trainStep } from "../../lib/runtime/trainer.ts";
import { randomTensor, seeded } from "./gradcheck.ts";

const rt = createRuntime({ threads: 2 });

Deno.test("an MLP trained 300 steps on a fixed regression task reaches MSE below 0.005", async () => {
  // Target y = sin(2x₀)·x₁ + 0.5x₀² on [−1, 1]²: smooth, nonlinear, learnable by a small MLP.
  const rand = seeded(42);
  const n = 256;
  const x = randomTensor(rand, [n, 2]);
  const yData = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = [x.data[2 * i], x.data[2 * i + 1]];
    yData[i] = Math.sin(2 * a) * b + 0.5 * a * a;
  }
  const g = new Graph();
  const p = {
    w1: g.input("w1", "float32", [64, 2]),
    b1: g.input("b1", "float32", [64]),
    w2: g.input("w2", "float32", [64, 64]),
    b2: g.input("b2", "float32", [64]),
    w3: g.input("w3", "float32", [1, 64]),
    b3: g.input("b3", "float32", [1]),
  };
  const xin = g.input("x", "float32", ["N", 2]);
  const yin = g.input("y", "float32", ["N", 1]);
  const pred = linear(tanh(linear(relu(linear(xin, p.w1, p.b1)), p.w2, p.b2)), p.w3, p.b3);
  const step = buildTrainStep(mse(pred, yin), p, { optimizer: { kind: "adamw" }, clipNorm: 1 });
  const init = (shape: number[], fanIn: number) =>
    tensor(
      "float32",
      shape,
      Array.from(
        { length: shape.reduce((a, b) => a * b, 1) },
        () => (rand() * 2 - 1) / Math.sqrt(fanIn),
      ),
    );
  const store = new Map([
    ["w1", init([64, 2], 2)],
    ["b1", tensor("float32", [64])],
    ["w2", init([64, 64], 64)],
    ["b2", tensor("float32", [64])],
    ["w3", init([1, 64], 64)],
    ["b3", tensor("float32", [1])],
  ]);
  const tr = await createTrainer(rt, g, step, store);
  const batch = {
    x: tensor("float32", [n, 2], Float32Array.from(x.data)),
    y: tensor("float32", [n, 1], Float32Array.from(yData)),
  };
  let first = 0, last = 0;
  for (let i = 0; i < 300; i++) {
    const r = await trainStep(tr, batch, 1e-2);
    if (i === 0) first = r.loss;
    last = r.loss;
  }
  assert.ok(first > 0.05, `initial loss ${first} should be well above the target`);
  assert.ok(last < 0.005, `final MSE ${last}`);
});
