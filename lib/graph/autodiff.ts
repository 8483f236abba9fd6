/**
 * Reverse-mode autodiff over the IR: walks the nodes between the parameters and the loss in
 * reverse order, applies each op's rule from `GRAD_RULES`, sums the gradients of values used more
 * than once, and sums broadcast gradients down to their source's shape.
 *
 * @module
 */

import { type Graph, type Node, showShape, topoNodes, type Value } from "./ir.ts";
import { GRAD_RULES } from "./gradients.ts";
import { add, constantOfShape, reduceSum, shapeOf, zerosLike } from "./ops.ts";
import { isFloat } from "./tensor.ts";

/**
 * Sums a gradient down to `shape`: drops extra leading axes and collapses axes where the source
 * had size 1. A dimension that is symbolic on both sides is taken to be equal.
 */
export function unbroadcast(g: Value, target: Value): Value {
  let out = g;
  const extra = out.shape.length - target.shape.length;
  if (extra < 0) {
    throw new Error(
      `Cannot sum gradient of shape ${showShape(g.shape)} down to ${
        showShape(target.shape)
      }: it has fewer axes`,
    );
  }
  if (extra > 0) out = reduceSum(out, Array.from({ length: extra }, (_, i) => i));
  const axes = target.shape.flatMap((d, i) => (d === 1 && out.shape[i] !== 1 ? [i] : []));
  if (axes.length > 0) out = reduceSum(out, axes, true);
  return out;
}

/**
 * A rule must return exactly one entry (a gradient or null) per input of its node: a rule that
 * returns too few would silently drop a gradient, one that returns too many would misalign them.
 * {@link grad} checks every rule it applies.
 *
 * @example A Mul node has two inputs, so its rule must return two entries
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkArity } from "./autodiff.ts";
 * import { Graph } from "./ir.ts";
 * import { mul } from "./ops.ts";
 * const g = new Graph();
 * mul(g.input("a", "float32", [2]), g.input("b", "float32", [2]));
 * const node = g.nodes.at(-1)!;
 * checkArity([null, null], node);
 * assert.throws(() => checkArity([null], node), /Cannot differentiate through Mul \(node \d+\): its gradient rule must return one gradient per input \(2\): current count is 1/);
 * ```
 */
export function checkArity(grads: readonly (Value | null)[], node: Node): void {
  if (!Array.isArray(grads) || grads.length !== node.inputs.length) {
    const got = Array.isArray(grads) ? `${grads.length}` : `a ${typeof grads}`;
    throw new Error(
      `Cannot differentiate through ${node.op}${
        node.label ? ` at '${node.label}'` : ""
      } (node ${node.id}): its gradient rule must return one gradient per input (${node.inputs.length}): current count is ${got}`,
    );
  }
}

/** Options of {@link grad}. */
export interface GradOptions {
  /** Gradient of the loss itself; defaults to 1 (the loss must then be a scalar). */
  seed?: Value;
  /**
   * What to return for a parameter the loss does not depend on: zeros, or an error naming it.
   * @default "zeros"
   */
  unused?: "zeros" | "error";
}

function reachableFrom(params: readonly Value[], nodes: readonly Node[]): Set<number> {
  const live = new Set(params.map((p) => p.id));
  for (const n of nodes) {
    if (n.op === "StopGradient") continue;
    if (n.inputs.some((v) => v && live.has(v.id))) { for (const o of n.outputs) live.add(o.id); }
  }
  return live;
}

/**
 * Appends the backward graph of `loss` and returns d(loss)/d(param) for each parameter, in order.
 *
 * @example Gradient of sum(x²) is 2x
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "./ir.ts";
 * import { mul, reduceSum } from "./ops.ts";
 * import { grad } from "./autodiff.ts";
 * const g = new Graph();
 * const x = g.input("x", "float64", [3]);
 * const [dx] = grad(reduceSum(mul(x, x)), [x]);
 * assert.ok(dx.shape[0] === 3);
 * ```
 */
export function grad(loss: Value, params: readonly Value[], options: GradOptions = {}): Value[] {
  const { unused = "zeros" } = options;
  if (!isFloat(loss.dtype)) {
    throw new TypeError(`Cannot differentiate: the loss is ${loss.dtype}, not a float`);
  }
  for (const p of params) {
    if (!isFloat(p.dtype)) {
      throw new TypeError(
        `Cannot differentiate with respect to '${p.name ?? p.id}': it is ${p.dtype}, not a float`,
      );
    }
  }
  let seed = options.seed;
  if (!seed) {
    if (loss.shape.length !== 0) {
      throw new RangeError(
        `Cannot differentiate: the loss must be a scalar when no seed is given: current shape is ${
          showShape(loss.shape)
        }`,
      );
    }
    seed = constantOfShape(shapeOf(loss), 1, loss.dtype, loss.shape);
  }
  const graph: Graph = loss.graph;
  const nodes = topoNodes([loss]);
  const live = reachableFrom(params, nodes);

  const pending = new Map<number, Value[]>();
  const push = (v: Value, g: Value) => {
    const list = pending.get(v.id);
    if (list) list.push(g);
    else pending.set(v.id, [g]);
  };
  const total = (v: Value): Value | null => {
    const list = pending.get(v.id);
    if (!list) return null;
    // Gradients of a value used several times add up.
    const sum = list.reduce((acc, g) => add(acc, g));
    pending.set(v.id, [sum]);
    return sum;
  };
  push(loss, seed);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const out = node.outputs[0];
    if (!live.has(out.id) || !isFloat(out.dtype)) continue;
    const dy = total(out);
    if (!dy) continue;
    const rule = GRAD_RULES[node.op];
    if (!rule) {
      throw new Error(
        `Cannot differentiate through ${node.op}${
          node.label ? ` at '${node.label}'` : ""
        }: the op has no gradient rule`,
      );
    }
    const grads = graph.scope(`grad`, () => rule(dy, node));
    checkArity(grads, node);
    node.inputs.forEach((x, j) => {
      const g = grads[j];
      if (!x || !g || !live.has(x.id) || !isFloat(x.dtype)) return;
      push(x, graph.scope("grad", () => unbroadcast(g, x)));
    });
  }

  return params.map((p) => {
    const g = total(p);
    if (g) return g;
    if (unused === "error") {
      throw new Error(`Cannot differentiate: the loss does not depend on '${p.name ?? p.id}'`);
    }
    return zerosLike(p);
  });
}
