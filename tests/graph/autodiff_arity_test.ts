import assert from "node:assert/strict";
import { checkArity, grad } from "../../lib/graph/autodiff.ts";
import { GRAD_RULES } from "../../lib/graph/gradients.ts";
import { Graph } from "../../lib/graph/ir.ts";
import * as op from "../../lib/graph/ops.ts";

Deno.test("every gradient rule returns one gradient per input of the nodes it is used on", () => {
  const g = new Graph();
  const a = g.input("a", "float32", [2, 3]);
  const b = g.input("b", "float32", [3, 2]);
  const loss = op.reduceSum(op.matMul(op.mul(op.add(a, 1), op.sub(a, 2)), b));
  // grad() checks each rule as it applies it; this must not throw.
  const [da, db] = grad(loss, [a, b]);
  assert.deepEqual([da.shape, db.shape], [[2, 3], [3, 2]]);
});

Deno.test("a rule that returns too few gradients is an error naming the op and the node", () => {
  const g = new Graph();
  const a = g.input("a", "float32", [3]);
  const b = g.input("b", "float32", [3]);
  const y = g.scope("layers.0", () => op.mul(a, b));
  const node = g.nodes.find((n) => n.outputs[0] === y)!;
  assert.throws(
    () => checkArity([null], node),
    new RegExp(
      `Cannot differentiate through Mul at 'layers.0' \\(node ${node.id}\\): its gradient rule must return one gradient per input \\(2\\): current count is 1`,
    ),
  );
  assert.throws(() => checkArity([null, null, null], node), /current count is 3/);
  checkArity([null, null], node);
});

Deno.test("grad() refuses a rule with the wrong arity instead of dropping a gradient", () => {
  const saved = GRAD_RULES.Mul!;
  // Break the real rule for the duration of this test only.
  GRAD_RULES.Mul = (dy, node) => saved(dy, node).slice(0, 1);
  try {
    const g = new Graph();
    const a = g.input("a", "float32", [3]);
    const b = g.input("b", "float32", [3]);
    assert.throws(
      () => grad(op.reduceSum(op.mul(a, b)), [a, b]),
      /Cannot differentiate through Mul \(node \d+\): its gradient rule must return one gradient per input \(2\): current count is 1/,
    );
  } finally {
    GRAD_RULES.Mul = saved;
  }
});
