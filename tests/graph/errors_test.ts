import assert from "node:assert/strict";
import { grad } from "../../lib/graph/autodiff.ts";
import { Graph } from "../../lib/graph/ir.ts";
import * as op from "../../lib/graph/ops.ts";
import { tensor } from "../../lib/graph/tensor.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";

const rt = createRuntime({ threads: 1 });

Deno.test("mismatched shapes fail at build time, naming the op and the shapes", () => {
  const g = new Graph();
  const a = g.input("a", "float32", [2, 3]);
  const b = g.input("b", "float32", [4, 5]);
  assert.throws(
    () => op.add(a, b),
    /Cannot build Add: shapes \[2,3\] and \[4,5\] do not broadcast/,
  );
  assert.throws(
    () => op.matMul(a, b),
    /Cannot build MatMul: inner dimensions differ: \[2,3\] @ \[4,5\]/,
  );
  assert.throws(() => op.reshape(a, [4, 2]), /Cannot build Reshape: cannot reshape \[2,3\]/);
  assert.throws(
    () => op.concat([a, b], 0),
    /Cannot build Concat: shapes \[2,3\] and \[4,5\] differ off axis 0/,
  );
  assert.throws(() => op.transpose(a, [0, 0]), /Cannot build Transpose: perm \[0,0\]/);
  assert.throws(() => op.softmax(a, 2), /Cannot build Softmax: axis 2 is out of range for rank 2/);
  assert.throws(
    () => op.add(a, g.input("i", "int64", [2, 3])),
    /Cannot build Add: dtypes differ: float32 and int64/,
  );
});

Deno.test("a gradient through an op with no rule names the op", () => {
  const g = new Graph();
  const x = g.input("x", "float32", [3]);
  const padded = op.pad(x, op.int64s(g, [1, 1]), 0, [5]);
  assert.throws(
    () => grad(op.reduceSum(padded), [x]),
    /Cannot differentiate through Pad: the op has no gradient rule/,
  );
});

Deno.test("a program fed a wrong-shape, wrong-dtype, missing or unknown tensor names the input", async () => {
  const g = new Graph();
  const x = g.input("x", "float32", ["B", 3]);
  const y = g.input("y", "float32", ["B", 3]);
  const p = await compile(rt, g, { z: op.add(x, y) });
  const x2 = tensor("float32", [2, 3]);
  await assert.rejects(
    () => runProgram(p, { x: x2 }),
    /input 'y' is missing \(expected float32 \[B,3\]\)/,
  );
  await assert.rejects(
    () => runProgram(p, { x: x2, y: tensor("float32", [2, 4]) }),
    /input 'y' must have shape \[B,3\]: current shape is \[2,4\]/,
  );
  await assert.rejects(
    () => runProgram(p, { x: x2, y: tensor("float32", [5, 3]) }),
    /dimension 'B' is 2 in input 'x' but 5 in input 'y'/,
  );
  await assert.rejects(
    () => runProgram(p, { x: x2, y: tensor("float64", [2, 3]) }),
    /input 'y' must be float32: current dtype is float64/,
  );
  await assert.rejects(
    () => runProgram(p, { x: x2, y: x2, w: x2 }),
    /'w' is not an input of this program/,
  );
});

Deno.test("a provider whose library or device is missing fails with a message that says so", async () => {
  assert.throws(
    () => createRuntime({ provider: "tpu" as never }),
    /'provider' must be one of cpu, cuda, webgpu/,
  );
  // This machine has neither the CUDA provider library nor a GPU; where it has, the program compiles.
  const g = new Graph();
  const x = g.input("x", "float32", [2]);
  try {
    await compile(createRuntime({ provider: "cuda" }), g, { y: op.add(x, 1) });
  } catch (e) {
    assert.match(
      (e as Error).message,
      /Cannot compile program 'unnamed' with provider 'cuda' \(onnxruntime-node needs its CUDA provider library/,
    );
  }
});

Deno.test("symbolic dimensions bind at run time", async () => {
  const g = new Graph();
  const x = g.input("x", "float32", ["N", 2]);
  const p = await compile(rt, g, { s: op.reduceSum(x, [0]) });
  for (const n of [1, 4]) {
    const { s } = await runProgram(p, {
      x: tensor("float32", [n, 2], new Float32Array(2 * n).fill(1)),
    });
    assert.deepEqual([...s.data as Float32Array], [n, n]);
  }
});
