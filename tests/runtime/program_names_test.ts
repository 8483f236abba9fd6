import assert from "node:assert/strict";
import { Graph } from "../../lib/graph/ir.ts";
import * as op from "../../lib/graph/ops.ts";
import { tensor } from "../../lib/graph/tensor.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";

const rt = createRuntime({ threads: 1 });

Deno.test("runProgram errors name the program they were compiled as", async () => {
  const g = new Graph();
  const x = g.input("x", "float32", ["B", 3]);
  const p = await compile(rt, g, { y: op.add(x, 1) }, { name: "decode" });
  assert.equal(p.name, "decode");
  await assert.rejects(
    () => runProgram(p, {}),
    /^Error: Cannot run program 'decode': input 'x' is missing/,
  );
  await assert.rejects(
    () => runProgram(p, { x: tensor("float32", [2, 4]) }),
    /Cannot run program 'decode': input 'x' must have shape \[B,3\]: current shape is \[2,4\]/,
  );
  // A failure inside ONNX Runtime itself (checks skipped) is named too.
  await assert.rejects(
    () => runProgram(p, { x: tensor("float32", [2, 4]) }, { trusted: true }),
    /Cannot run program 'decode': /,
  );
});

Deno.test("the same graph compiled under two names shares a session but keeps each name", async () => {
  const double = () => {
    const g = new Graph();
    return { g, y: op.mul(g.input("x", "float32", [2]), 2) };
  };
  const one = double(), two = double();
  const a = await compile(rt, one.g, { y: one.y }, { name: "score" });
  const b = await compile(rt, two.g, { y: two.y }, { name: "embed" });
  assert.equal(a.session, b.session);
  assert.deepEqual([a.name, b.name], ["score", "embed"]);
  await assert.rejects(() => runProgram(b, {}), /Cannot run program 'embed'/);
  const three = double();
  const unnamed = await compile(rt, three.g, { y: three.y });
  await assert.rejects(() => runProgram(unnamed, {}), /Cannot run program 'unnamed'/);
});
