/**
 * The gradient rules: one entry per op.
 *
 * Contract: a rule receives `dy`, the gradient of the loss with respect to the node's (single)
 * output, and the node; it returns one gradient per input, or null where an input has none
 * (indices, conditions, shapes). A returned gradient may have the OUTPUT's broadcast shape: the
 * driver in `autodiff.ts` sums it down to the input's shape, in one place. Rules read like the math.
 *
 * Composite functions (RMSNorm, SiLU, RoPE, attention) are built from these primitives and need no
 * rules of their own.
 *
 * @module
 */

import type { Node, OpType, Value } from "./ir.ts";
import {
  add,
  cast,
  concat,
  cos,
  div,
  equal,
  exp,
  expandLike,
  gather,
  greater,
  greaterOrEqual,
  int64s,
  log,
  matMul,
  max,
  min,
  mul,
  neg,
  pad,
  pow,
  reduceSum,
  reshape,
  reshapeLike,
  scatterElements,
  scatterND,
  shapeOf,
  sign,
  sin,
  sizeOfValue,
  slice,
  squeeze,
  sub,
  transpose,
  trilu,
  unsqueeze,
  where,
  zerosLike,
} from "./ops.ts";

/** A gradient rule: output gradient and node in, one gradient (or null) per input out. */
export type GradRule = (dy: Value, node: Node) => (Value | null)[];

function attrInt(node: Node, name: string): number {
  const a = node.attrs[name];
  if (!a || a.kind !== "int") throw new Error(`${node.op} node lacks int attribute '${name}'`);
  return a.value;
}

function attrInts(node: Node, name: string): readonly number[] {
  const a = node.attrs[name];
  if (!a || a.kind !== "ints") throw new Error(`${node.op} node lacks ints attribute '${name}'`);
  return a.value;
}

/** The numbers of a constant int64 input (axes, starts); rules need them at build time. */
function constInts(node: Node, index: number, what: string): number[] {
  const v = node.inputs[index];
  if (!v?.constant) {
    throw new Error(
      `Cannot differentiate ${node.op}: its ${what} must be constants, not computed in the graph`,
    );
  }
  return Array.from(v.constant.data as BigInt64Array, Number);
}

/** Swaps the last two axes. */
function transposeLast(x: Value): Value {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(x, perm);
}

/** dy of a reduction, broadcast back over the input's shape. */
function spreadReduced(dy: Value, node: Node): Value {
  const x = node.inputs[0]!;
  const keep = attrInt(node, "keepdims") === 1;
  const axes = constInts(node, 1, "axes");
  return expandLike(keep ? dy : unsqueeze(dy, axes), x);
}

function dimOf(x: Value, axis: number): Value {
  const d = x.shape[axis];
  if (typeof d === "number") return int64s(x.graph, [d]);
  return gather(shapeOf(x), int64s(x.graph, [axis]));
}

/** dSlice: pad dy with zeros back to the input's extent (unit steps only). */
function sliceGrad(dy: Value, node: Node): (Value | null)[] {
  const x = node.inputs[0]!;
  const g = x.graph;
  const starts = constInts(node, 1, "starts");
  const ends = constInts(node, 2, "ends");
  const axes = constInts(node, 3, "axes");
  const steps = constInts(node, 4, "steps");
  if (steps.some((s) => s !== 1)) {
    throw new Error(
      `Cannot differentiate Slice with steps [${steps}]: only unit steps have a gradient rule`,
    );
  }
  const rank = x.shape.length;
  const zero = int64s(g, [0]);
  const begins: Value[] = Array.from({ length: rank }, () => zero);
  const afters: Value[] = Array.from({ length: rank }, () => zero);
  axes.forEach((a, i) => {
    const dim = dimOf(x, a);
    // Python slice bounds: negative counts from the end, out-of-range clamps to [0, dim].
    const bound = (b: number) =>
      b >= 0 ? min(int64s(g, [b]), dim) : max(add(int64s(g, [b]), dim), zero);
    const s = bound(starts[i]);
    const e = max(bound(ends[i]), s);
    begins[a] = s;
    afters[a] = sub(dim, e);
  });
  return [pad(dy, concat([...begins, ...afters], 0), 0, x.shape), null, null, null, null];
}

/** dConcat: each input gets its stretch of dy along the axis. */
function concatGrad(dy: Value, node: Node): (Value | null)[] {
  const axis = attrInt(node, "axis");
  const g = dy.graph;
  let offset: Value = int64s(g, [0]);
  return node.inputs.map((x) => {
    const end = add(offset, dimOf(x!, axis));
    const part = slice(dy, offset, end, [axis]);
    offset = end;
    return reshapeLike(part, x!);
  });
}

/** dGather: scatter-add dy rows back into a zero tensor shaped like the data. */
function gatherGrad(dy: Value, node: Node): (Value | null)[] {
  const [data, indices] = node.inputs as Value[];
  const axis = attrInt(node, "axis");
  const idx = unsqueeze(cast(indices, "int64"), [-1]);
  if (axis === 0) return [scatterND(zerosLike(data), idx, dy, "add"), null];
  // Move the gathered axis to the front, scatter there, and move it back.
  const r = data.shape.length;
  const ri = indices.shape.length;
  const perm = [axis, ...Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis)];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const dyPerm = [
    ...Array.from({ length: ri }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: r - axis - 1 }, (_, i) => axis + ri + i),
  ];
  const zerosT = zerosLike(transpose(data, perm));
  return [transpose(scatterND(zerosT, idx, transpose(dy, dyPerm), "add"), inv), null];
}

/**
 * Every differentiable op and its rule. An op absent from this table has no gradient; asking for
 * one through it is an error that names the op.
 */
export const GRAD_RULES: Partial<Record<OpType, GradRule>> = {
  Add: (dy) => [dy, dy],
  Sub: (dy) => [dy, neg(dy)],
  Mul: (dy, { inputs: [a, b] }) => [mul(dy, b!), mul(dy, a!)],
  Div: (dy, { inputs: [, b], outputs: [y] }) => [div(dy, b!), neg(mul(dy, div(y, b!)))], // d(a/b)/db = -y/b
  Neg: (dy) => [neg(dy)],
  Pow: (dy, { inputs: [a, b], outputs: [y] }) => [
    mul(dy, mul(b!, pow(a!, sub(b!, 1)))), // b·a^(b-1)
    mul(dy, mul(y, log(a!))), //       y·ln a
  ],
  Sqrt: (dy, { outputs: [y] }) => [div(dy, mul(y, 2))],
  Exp: (dy, { outputs: [y] }) => [mul(dy, y)],
  Log: (dy, { inputs: [a] }) => [div(dy, a!)],
  Tanh: (dy, { outputs: [y] }) => [mul(dy, sub(1, mul(y, y)))],
  Sigmoid: (dy, { outputs: [y] }) => [mul(dy, mul(y, sub(1, y)))],
  Relu: (dy, { inputs: [a] }) => [where(greater(a!, 0), dy, 0)],
  Abs: (dy, { inputs: [a] }) => [mul(dy, sign(a!))],
  Sign: () => [null], // zero almost everywhere
  Sin: (dy, { inputs: [a] }) => [mul(dy, cos(a!))],
  Cos: (dy, { inputs: [a] }) => [neg(mul(dy, sin(a!)))],
  Max: (
    dy,
    { inputs: [a, b] },
  ) => [where(greaterOrEqual(a!, b!), dy, 0), where(greaterOrEqual(a!, b!), 0, dy)],
  Min: (dy, { inputs: [a, b] }) => [where(greater(a!, b!), 0, dy), where(greater(a!, b!), dy, 0)],
  Where: (dy, { inputs: [c] }) => [null, where(c!, dy, 0), where(c!, 0, dy)],
  Identity: (dy) => [dy],
  StopGradient: () => [null],
  Cast: (
    dy,
    { inputs: [a] },
  ) => [a!.dtype === "float32" || a!.dtype === "float64" ? cast(dy, a!.dtype) : null],
  Expand: (dy) => [dy, null], // the driver sums over the broadcast axes
  MatMul: (dy, { inputs: [a, b] }) => {
    if (a!.shape.length < 2 || b!.shape.length < 2) {
      throw new Error(
        `Cannot differentiate MatMul of rank-1 inputs: unsqueeze them to matrices first`,
      );
    }
    const da = matMul(dy, transposeLast(b!)); // dA = dY·Bᵀ
    const [k, n] = b!.shape;
    if (
      a!.shape.length > 2 && b!.shape.length === 2 && typeof k === "number" && typeof n === "number"
    ) {
      // A matrix (a weight) applied to every row of a batched input: dB = Aᵀ·dY over all rows at
      // once, one product. Per batch entry, it would be B small products whose (B, K, N) result
      // the driver then sums: the same multiplications, but slower ones, and a large reduction.
      return [da, matMul(transpose(reshape(a!, [-1, k])), reshape(dy, [-1, n]))];
    }
    return [da, matMul(transposeLast(a!), dy)]; // dB = Aᵀ·dY
  },
  Trilu: (
    dy,
    node,
  ) => [trilu(dy, { upper: attrInt(node, "upper") === 1, k: constInts(node, 1, "k")[0] }), null],
  Softmax: (dy, node) => {
    const y = node.outputs[0];
    const axis = attrInt(node, "axis");
    return [mul(y, sub(dy, reduceSum(mul(dy, y), [axis], true)))]; // y ⊙ (dy − Σ dy·y)
  },
  LogSoftmax: (dy, node) => {
    const y = node.outputs[0];
    const axis = attrInt(node, "axis");
    return [sub(dy, mul(exp(y), reduceSum(dy, [axis], true)))]; // dy − softmax · Σ dy
  },
  ReduceSum: (dy, node) => [spreadReduced(dy, node), null],
  ReduceMean: (dy, node) => {
    const [x] = node.inputs;
    const count = div(
      cast(sizeOfValue(x!), x!.dtype),
      cast(sizeOfValue(node.outputs[0]), x!.dtype),
    );
    return [div(spreadReduced(dy, node), count), null];
  },
  ReduceMax: (dy, node) => {
    // The gradient goes to the maxima, shared equally between ties.
    const x = node.inputs[0]!;
    const axes = constInts(node, 1, "axes");
    const keep = attrInt(node, "keepdims") === 1;
    const y = node.outputs[0];
    const yKeep = keep ? y : unsqueeze(y, axes);
    const mask = cast(equal(x, expandLike(yKeep, x)), x.dtype);
    const count = reduceSum(mask, axes, true);
    return [div(mul(spreadReduced(dy, node), mask), count), null];
  },
  Reshape: (dy, { inputs: [x] }) => [reshapeLike(dy, x!), null],
  Transpose: (dy, node) => {
    const perm = attrInts(node, "perm");
    return [transpose(dy, perm.map((_, i) => perm.indexOf(i)))];
  },
  Unsqueeze: (dy, node) => [squeeze(dy, constInts(node, 1, "axes")), null],
  Squeeze: (dy, node) => [reshapeLike(dy, node.inputs[0]!), null],
  Concat: concatGrad,
  Slice: sliceGrad,
  Gather: gatherGrad,
  GatherElements: (dy, node) => {
    const [data, indices] = node.inputs as Value[];
    return [scatterElements(zerosLike(data), indices, dy, attrInt(node, "axis"), "add"), null];
  },
};

/** Ops that have a gradient rule. */
export function differentiableOps(): OpType[] {
  return Object.keys(GRAD_RULES) as OpType[];
}
