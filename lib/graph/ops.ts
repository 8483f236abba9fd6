/**
 * Op constructors: plain functions from values to values. Each checks its inputs and infers the
 * dtype and shape of its outputs, so errors name the op and the shapes at build time.
 *
 * Shape rules follow ONNX (numpy broadcasting, MatMul batching). A dimension written `"?"` is
 * unknown at build time; symbolic names (`"B"`) are bound by the inputs when the program runs.
 *
 * @module
 */

import {
  type Attr,
  type Dim,
  type Graph,
  graphOf,
  type OpType,
  type Shape,
  showShape,
  type Value,
} from "./ir.ts";
import { type DType, isFloat, tensor } from "./tensor.ts";

/** A value, or a number that becomes a scalar constant of the other operand's dtype. */
export type Operand = Value | number;

const UNKNOWN = "?";

function fail(op: string, why: string): never {
  throw new Error(`Cannot build ${op}: ${why}`);
}

function one(
  g: Graph,
  op: OpType,
  inputs: (Value | null)[],
  dtype: DType,
  shape: Shape,
  attrs?: Record<string, Attr>,
) {
  return g.addNode(op, inputs, [{ dtype, shape }], attrs)[0];
}

/** An int64 constant vector (axes, shapes, pads). */
export function int64s(g: Graph, values: readonly number[]): Value {
  return g.constant(tensor("int64", [values.length], values));
}

/** A scalar constant of the given dtype. */
export function scalarConst(g: Graph, value: number, dtype: DType): Value {
  return g.constant(tensor(dtype, [], [value]));
}

function toValue(op: string, x: Operand, like: Operand): Value {
  if (typeof x !== "number") return x;
  if (typeof like === "number") fail(op, "at least one operand must be a value");
  return scalarConst(like.graph, x, like.dtype);
}

function sameDim(a: Dim, b: Dim): boolean {
  return a === b || a === UNKNOWN || b === UNKNOWN || typeof a === "string" ||
    typeof b === "string";
}

/** Numpy broadcasting of two shapes; throws naming the op when sizes conflict. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === db) out.push(da);
    else if (typeof da === "number" && typeof db === "number") {
      fail(op, `shapes ${showShape(a)} and ${showShape(b)} do not broadcast (${da} against ${db})`);
    } else out.push(typeof da === "number" ? da : db);
  }
  return out;
}

function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    fail(op, `axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

function requireFloat(op: string, x: Value) {
  if (!isFloat(x.dtype)) fail(op, `needs a float input: current dtype is ${x.dtype}`);
}

function binary(op: OpType, a: Operand, b: Operand, out?: DType): Value {
  const va = toValue(op, a, b);
  const vb = toValue(op, b, va);
  if (va.dtype !== vb.dtype) fail(op, `dtypes differ: ${va.dtype} and ${vb.dtype}`);
  const g = graphOf(op, [va, vb]);
  return one(g, op, [va, vb], out ?? va.dtype, broadcastShapes(op, va.shape, vb.shape));
}

function unary(op: OpType, x: Value, float = true): Value {
  if (float) requireFloat(op, x);
  return one(x.graph, op, [x], x.dtype, x.shape);
}

// ---- elementwise arithmetic ----------------------------------------------------------------

/** a + b, broadcasting. */
export function add(a: Operand, b: Operand): Value {
  return binary("Add", a, b);
}
/** a - b, broadcasting. */
export function sub(a: Operand, b: Operand): Value {
  return binary("Sub", a, b);
}
/** a * b, broadcasting. */
export function mul(a: Operand, b: Operand): Value {
  return binary("Mul", a, b);
}
/** a / b, broadcasting. */
export function div(a: Operand, b: Operand): Value {
  return binary("Div", a, b);
}
/** a ** b, broadcasting. */
export function pow(a: Operand, b: Operand): Value {
  return binary("Pow", a, b);
}
/** Elementwise maximum. */
export function max(a: Operand, b: Operand): Value {
  return binary("Max", a, b);
}
/** Elementwise minimum. */
export function min(a: Operand, b: Operand): Value {
  return binary("Min", a, b);
}
/** a == b as bool. */
export function equal(a: Operand, b: Operand): Value {
  return binary("Equal", a, b, "bool");
}
/** a < b as bool. */
export function less(a: Operand, b: Operand): Value {
  return binary("Less", a, b, "bool");
}
/** a > b as bool. */
export function greater(a: Operand, b: Operand): Value {
  return binary("Greater", a, b, "bool");
}
/** a >= b as bool. */
export function greaterOrEqual(a: Operand, b: Operand): Value {
  return binary("GreaterOrEqual", a, b, "bool");
}

/** -x */
export function neg(x: Value): Value {
  return unary("Neg", x, false);
}
/** e^x */
export function exp(x: Value): Value {
  return unary("Exp", x);
}
/** Natural logarithm. */
export function log(x: Value): Value {
  return unary("Log", x);
}
/** Square root. */
export function sqrt(x: Value): Value {
  return unary("Sqrt", x);
}
/** Hyperbolic tangent. */
export function tanh(x: Value): Value {
  return unary("Tanh", x);
}
/** Logistic sigmoid. */
export function sigmoid(x: Value): Value {
  return unary("Sigmoid", x);
}
/** max(x, 0) */
export function relu(x: Value): Value {
  return unary("Relu", x);
}
/** |x| */
export function abs(x: Value): Value {
  return unary("Abs", x, false);
}
/** -1, 0 or 1. */
export function sign(x: Value): Value {
  return unary("Sign", x, false);
}
/** Sine. */
export function sin(x: Value): Value {
  return unary("Sin", x);
}
/** Cosine. */
export function cos(x: Value): Value {
  return unary("Cos", x);
}
/** Logical not of a bool tensor. */
export function not(x: Value): Value {
  if (x.dtype !== "bool") fail("Not", `needs a bool input: current dtype is ${x.dtype}`);
  return one(x.graph, "Not", [x], "bool", x.shape);
}
/** A copy of x. */
export function identity(x: Value): Value {
  return one(x.graph, "Identity", [x], x.dtype, x.shape);
}
/** x in the forward pass; blocks gradients in the backward pass. */
export function stopGradient(x: Value): Value {
  return one(x.graph, "StopGradient", [x], x.dtype, x.shape);
}

/** Converts dtype. */
export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return one(x.graph, "Cast", [x], to, x.shape, { to: { kind: "dtype", value: to } });
}

/** where(cond, a, b): a where cond is true, else b. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  if (cond.dtype !== "bool") {
    fail("Where", `condition must be bool: current dtype is ${cond.dtype}`);
  }
  const va = toValue("Where", a, b);
  const vb = toValue("Where", b, va);
  if (va.dtype !== vb.dtype) fail("Where", `branch dtypes differ: ${va.dtype} and ${vb.dtype}`);
  const shape = broadcastShapes("Where", broadcastShapes("Where", cond.shape, va.shape), vb.shape);
  return one(cond.graph, "Where", [cond, va, vb], va.dtype, shape);
}

// ---- linear algebra --------------------------------------------------------------------------

/** Matrix product with numpy semantics: batch dimensions broadcast. */
export function matMul(a: Value, b: Value): Value {
  if (a.dtype !== b.dtype) fail("MatMul", `dtypes differ: ${a.dtype} and ${b.dtype}`);
  if (a.shape.length < 1 || b.shape.length < 1) fail("MatMul", "inputs must have rank 1 or more");
  const ak = a.shape[a.shape.length - 1];
  const bk = b.shape.length === 1 ? b.shape[0] : b.shape[b.shape.length - 2];
  if (!sameDim(ak, bk)) {
    fail(
      "MatMul",
      `inner dimensions differ: ${showShape(a.shape)} @ ${
        showShape(b.shape)
      } (${ak} against ${bk})`,
    );
  }
  let shape: Dim[];
  if (a.shape.length === 1 && b.shape.length === 1) shape = [];
  else if (a.shape.length === 1) shape = [...b.shape.slice(0, -2), b.shape[b.shape.length - 1]];
  else if (b.shape.length === 1) shape = [...a.shape.slice(0, -1)];
  else {
    const batch = broadcastShapes("MatMul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    shape = [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]];
  }
  return one(graphOf("MatMul", [a, b]), "MatMul", [a, b], a.dtype, shape);
}

/** Lower (upper=false) or upper triangle, keeping diagonal offset k. */
export function trilu(x: Value, options: { upper?: boolean; k?: number } = {}): Value {
  const { upper = false, k = 0 } = options;
  if (x.shape.length < 2) {
    fail("Trilu", `needs rank 2 or more: current shape is ${showShape(x.shape)}`);
  }
  return one(x.graph, "Trilu", [x, scalarConst(x.graph, k, "int64")], x.dtype, x.shape, {
    upper: { kind: "int", value: upper ? 1 : 0 },
  });
}

// ---- normalisations ---------------------------------------------------------------------------

/** Softmax along one axis. */
export function softmax(x: Value, axis = -1): Value {
  requireFloat("Softmax", x);
  const a = normAxis("Softmax", axis, x.shape.length);
  return one(x.graph, "Softmax", [x], x.dtype, x.shape, { axis: { kind: "int", value: a } });
}

/** log(softmax(x)) computed stably along one axis. */
export function logSoftmax(x: Value, axis = -1): Value {
  requireFloat("LogSoftmax", x);
  const a = normAxis("LogSoftmax", axis, x.shape.length);
  return one(x.graph, "LogSoftmax", [x], x.dtype, x.shape, { axis: { kind: "int", value: a } });
}

// ---- reductions -------------------------------------------------------------------------------

function reduce(
  op: "ReduceSum" | "ReduceMean" | "ReduceMax",
  x: Value,
  axes: readonly number[],
  keepDims: boolean,
) {
  const rank = x.shape.length;
  const norm = [...new Set(axes.map((a) => normAxis(op, a, rank)))].sort((p, q) => p - q);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepDims) shape.push(1);
  });
  return one(x.graph, op, [x, int64s(x.graph, norm)], x.dtype, shape, {
    keepdims: { kind: "int", value: keepDims ? 1 : 0 },
  });
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce("ReduceSum", x, axes ?? x.shape.map((_, i) => i), keepDims);
}
/** Mean over `axes` (all axes when omitted). */
export function reduceMean(x: Value, axes?: readonly number[], keepDims = false): Value {
  requireFloat("ReduceMean", x);
  return reduce("ReduceMean", x, axes ?? x.shape.map((_, i) => i), keepDims);
}
/** Maximum over `axes` (all axes when omitted). */
export function reduceMax(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce("ReduceMax", x, axes ?? x.shape.map((_, i) => i), keepDims);
}

// ---- shape manipulation -------------------------------------------------------------------------

/** The runtime shape of x as an int64 vector. */
export function shapeOf(x: Value): Value {
  return one(x.graph, "Shape", [x], "int64", [x.shape.length]);
}

/** The runtime element count of x as an int64 scalar. */
export function sizeOfValue(x: Value): Value {
  return one(x.graph, "Size", [x], "int64", []);
}

/**
 * Reshape to `shape`: numbers with ONNX meaning (0 copies the input dimension, -1 is inferred),
 * or an int64 vector value computed in the graph.
 */
export function reshape(x: Value, shape: readonly number[] | Value): Value {
  if (!Array.isArray(shape)) {
    const s = shape as Value;
    if (s.dtype !== "int64" || s.shape.length !== 1 || typeof s.shape[0] !== "number") {
      fail(
        "Reshape",
        `a shape value must be an int64 vector of known length: current ${s.dtype} ${
          showShape(s.shape)
        }`,
      );
    }
    const out = Array.from({ length: s.shape[0] as number }, () => UNKNOWN);
    return one(x.graph, "Reshape", [x, s], x.dtype, out);
  }
  const target = shape as readonly number[];
  const out: Dim[] = target.map((d, i) => {
    if (d === 0) {
      if (i >= x.shape.length) {
        fail("Reshape", `0 at position ${i} but input rank is ${x.shape.length}`);
      }
      return x.shape[i];
    }
    return d;
  });
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) fail("Reshape", `at most one -1 allowed: current target [${target}]`);
  const known = x.shape.every((d) => typeof d === "number");
  const inSize = known ? (x.shape as number[]).reduce((p, q) => p * q, 1) : undefined;
  const rest = out.filter((d) => d !== -1);
  const restKnown = rest.every((d) => typeof d === "number");
  const restSize = restKnown ? (rest as number[]).reduce((p, q) => p * q, 1) : undefined;
  if (minus === 1) {
    const i = out.indexOf(-1);
    out[i] = inSize !== undefined && restSize !== undefined && restSize > 0
      ? inSize / restSize
      : UNKNOWN;
    if (typeof out[i] === "number" && !Number.isInteger(out[i])) {
      fail("Reshape", `cannot reshape ${showShape(x.shape)} to [${target}]`);
    }
  } else if (inSize !== undefined && restSize !== undefined && inSize !== restSize) {
    fail(
      "Reshape",
      `cannot reshape ${showShape(x.shape)} (${inSize} elements) to [${target}] (${restSize})`,
    );
  }
  return one(x.graph, "Reshape", [x, int64s(x.graph, target)], x.dtype, out);
}

/** Permutes axes (reverses them when `perm` is omitted). */
export function transpose(x: Value, perm?: readonly number[]): Value {
  const rank = x.shape.length;
  const p = perm ?? x.shape.map((_, i) => rank - 1 - i);
  if (p.length !== rank || new Set(p).size !== rank || p.some((a) => a < 0 || a >= rank)) {
    fail(
      "Transpose",
      `perm [${p}] is not a permutation of ${rank} axes for shape ${showShape(x.shape)}`,
    );
  }
  return one(x.graph, "Transpose", [x], x.dtype, p.map((a) => x.shape[a]), {
    perm: { kind: "ints", value: [...p] },
  });
}

/** Inserts size-1 axes at `axes` (positions in the output). */
export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis("Unsqueeze", a, rank)).sort((p, q) => p - q);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]);
  return one(x.graph, "Unsqueeze", [x, int64s(x.graph, norm)], x.dtype, out);
}

/** Removes size-1 axes at `axes`. */
export function squeeze(x: Value, axes: readonly number[]): Value {
  const norm = axes.map((a) => normAxis("Squeeze", a, x.shape.length));
  for (const a of norm) {
    if (typeof x.shape[a] === "number" && x.shape[a] !== 1) {
      fail("Squeeze", `axis ${a} of ${showShape(x.shape)} has size ${x.shape[a]}, not 1`);
    }
  }
  const out = x.shape.filter((_, i) => !norm.includes(i));
  return one(x.graph, "Squeeze", [x, int64s(x.graph, norm)], x.dtype, out);
}

/** Joins values along `axis`; other dimensions must agree. */
export function concat(values: readonly Value[], axis: number): Value {
  if (values.length === 0) fail("Concat", "needs at least one input");
  const first = values[0];
  const rank = first.shape.length;
  const a = normAxis("Concat", axis, rank);
  let total: Dim = 0;
  for (const v of values) {
    if (v.dtype !== first.dtype) fail("Concat", `dtypes differ: ${first.dtype} and ${v.dtype}`);
    if (v.shape.length !== rank) {
      fail("Concat", `ranks differ: ${showShape(first.shape)} and ${showShape(v.shape)}`);
    }
    v.shape.forEach((d, i) => {
      if (i !== a && !sameDim(d, first.shape[i])) {
        fail(
          "Concat",
          `shapes ${showShape(first.shape)} and ${showShape(v.shape)} differ off axis ${a}`,
        );
      }
    });
    const d = v.shape[a];
    total = typeof total === "number" && typeof d === "number" ? total + d : UNKNOWN;
  }
  const out = [...first.shape];
  out[a] = total;
  return one(graphOf("Concat", values), "Concat", [...values], first.dtype, out, {
    axis: { kind: "int", value: a },
  });
}

/**
 * x[starts:ends:steps] along `axes` (all leading axes when omitted). Numbers follow Python slice
 * rules (negative counts from the end, out-of-range clamps); values are int64 vectors.
 */
export function slice(
  x: Value,
  starts: readonly number[] | Value,
  ends: readonly number[] | Value,
  axes?: readonly number[],
  steps?: readonly number[],
): Value {
  const g = x.graph;
  const rank = x.shape.length;
  const count = Array.isArray(starts) ? starts.length : (starts as Value).shape[0] as number;
  const ax = (axes ?? Array.from({ length: count }, (_, i) => i)).map((a) =>
    normAxis("Slice", a, rank)
  );
  const st = steps ?? ax.map(() => 1);
  if (st.some((s) => s === 0)) fail("Slice", "steps must not be 0");
  const out: Dim[] = [...x.shape];
  ax.forEach((a, i) => {
    const d = x.shape[a];
    if (!Array.isArray(starts) || !Array.isArray(ends) || typeof d !== "number") {
      out[a] = UNKNOWN;
      return;
    }
    const step = st[i];
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
      out[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = clamp(s, -1, d - 1);
      e = clamp(e, -1, d - 1);
      out[a] = Math.max(0, Math.ceil((e - s) / step));
    }
  });
  const sv = Array.isArray(starts) ? int64s(g, starts) : starts as Value;
  const ev = Array.isArray(ends) ? int64s(g, ends) : ends as Value;
  return one(g, "Slice", [x, sv, ev, int64s(g, ax), int64s(g, st)], x.dtype, out);
}

/** Broadcasts x to `shape` (numpy rules; 1s in `shape` keep x's size). */
export function expand(x: Value, shape: readonly Dim[] | Value): Value {
  if (!Array.isArray(shape)) {
    const s = shape as Value;
    const n = s.shape[0];
    if (typeof n !== "number") fail("Expand", "the shape value must have a known length");
    // A dimension of x other than 1 survives broadcasting; the rest is only known at run time.
    const rank = Math.max(n, x.shape.length);
    const out: Dim[] = Array.from({ length: rank }, (_, i) => {
      const d = x.shape[i - (rank - x.shape.length)];
      return d === undefined || d === 1 ? UNKNOWN : d;
    });
    return one(x.graph, "Expand", [x, s], x.dtype, out);
  }
  const target = shape as readonly Dim[];
  const out = broadcastShapes("Expand", x.shape, target);
  if (target.some((d) => typeof d !== "number")) {
    fail(
      "Expand",
      `a literal target shape must be numeric: current [${target}]; pass shapeOf(...) instead`,
    );
  }
  return one(x.graph, "Expand", [x, int64s(x.graph, target as number[])], x.dtype, out);
}

/**
 * Pads with a constant; `pads` is an int64 vector [begin_0.., end_0..] (ONNX order). `like` gives
 * the static output shape when the caller knows it.
 */
export function pad(x: Value, pads: Value, value = 0, like?: Shape): Value {
  const out = like ?? x.shape.map(() => UNKNOWN);
  return one(x.graph, "Pad", [x, pads, scalarConst(x.graph, value, x.dtype)], x.dtype, out, {
    mode: { kind: "string", value: "constant" },
  });
}

/** A tensor of `shape` (an int64 vector value) filled with `value`. `like` gives its static shape. */
export function constantOfShape(shape: Value, value: number, dtype: DType, like?: Shape): Value {
  const n = shape.shape[0];
  const out = like ?? Array.from({ length: typeof n === "number" ? n : 0 }, () => UNKNOWN);
  return one(shape.graph, "ConstantOfShape", [shape], dtype, out, {
    value: { kind: "tensor", value: tensor(dtype, [1], [value]) },
  });
}

/** x reshaped to the runtime shape of `ref` (same element count), keeping `ref`'s static shape. */
export function reshapeLike(x: Value, ref: Value): Value {
  return one(x.graph, "Reshape", [x, shapeOf(ref)], x.dtype, ref.shape);
}

/** x broadcast to the runtime shape of `ref`, keeping `ref`'s static shape. */
export function expandLike(x: Value, ref: Value): Value {
  broadcastShapes("Expand", x.shape, ref.shape);
  return one(x.graph, "Expand", [x, shapeOf(ref)], x.dtype, ref.shape);
}

/** Zeros with x's runtime shape and dtype. */
export function zerosLike(x: Value): Value {
  return constantOfShape(shapeOf(x), 0, x.dtype, x.shape);
}

/** [start, start+delta, ...) below limit; scalar inputs of one dtype. */
export function range(start: Value, limit: Value, delta: Value): Value {
  return one(graphOf("Range", [start, limit, delta]), "Range", [start, limit, delta], start.dtype, [
    UNKNOWN,
  ]);
}

// ---- indexing ---------------------------------------------------------------------------------------

/** Takes slices of `data` along `axis` at `indices` (embedding lookup with axis 0). */
export function gather(data: Value, indices: Value, axis = 0): Value {
  if (indices.dtype !== "int64" && indices.dtype !== "int32") {
    fail("Gather", `indices must be int64 or int32: current dtype is ${indices.dtype}`);
  }
  const a = normAxis("Gather", axis, data.shape.length);
  const out = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return one(graphOf("Gather", [data, indices]), "Gather", [data, indices], data.dtype, out, {
    axis: { kind: "int", value: a },
  });
}

/** out[i][j] = data[i][indices[i][j]] along `axis` (torch.gather). */
export function gatherElements(data: Value, indices: Value, axis: number): Value {
  if (indices.dtype !== "int64" && indices.dtype !== "int32") {
    fail("GatherElements", `indices must be int64 or int32: current dtype is ${indices.dtype}`);
  }
  if (indices.shape.length !== data.shape.length) {
    fail(
      "GatherElements",
      `ranks differ: data ${showShape(data.shape)}, indices ${showShape(indices.shape)}`,
    );
  }
  const a = normAxis("GatherElements", axis, data.shape.length);
  return one(
    graphOf("GatherElements", [data, indices]),
    "GatherElements",
    [data, indices],
    data.dtype,
    indices.shape,
    {
      axis: { kind: "int", value: a },
    },
  );
}

/** Writes `updates` into a copy of `data` at `indices` along `axis`; reduction "add" accumulates. */
export function scatterElements(
  data: Value,
  indices: Value,
  updates: Value,
  axis: number,
  reduction: "none" | "add" = "none",
): Value {
  const a = normAxis("ScatterElements", axis, data.shape.length);
  return one(
    graphOf("ScatterElements", [data, indices, updates]),
    "ScatterElements",
    [data, indices, updates],
    data.dtype,
    data.shape,
    {
      axis: { kind: "int", value: a },
      reduction: { kind: "string", value: reduction },
    },
  );
}

/** ONNX ScatterND: writes slices of `updates` at index tuples; reduction "add" accumulates. */
export function scatterND(
  data: Value,
  indices: Value,
  updates: Value,
  reduction: "none" | "add" = "none",
): Value {
  return one(
    graphOf("ScatterND", [data, indices, updates]),
    "ScatterND",
    [data, indices, updates],
    data.dtype,
    data.shape,
    {
      reduction: { kind: "string", value: reduction },
    },
  );
}

/**
 * Rotate-half rotary position embedding as one ONNX Runtime contrib op (`com.microsoft`
 * RotaryEmbedding): `x` (B,N,S,H), `positions` (B,S) int64 indexing rows of `cosCache` and
 * `sinCache` (P,H/2). Inference programs only: it has no gradient rule.
 */
export function rotaryEmbedding(
  x: Value,
  positions: Value,
  cosCache: Value,
  sinCache: Value,
): Value {
  if (x.shape.length !== 4) {
    fail("RotaryEmbedding", `needs x of rank 4 (B,N,S,H): got ${showShape(x.shape)}`);
  }
  if (positions.dtype !== "int64" || positions.shape.length !== 2) {
    fail(
      "RotaryEmbedding",
      `needs int64 positions (B,S): got ${positions.dtype} ${showShape(positions.shape)}`,
    );
  }
  const h = x.shape[3];
  for (const c of [cosCache, sinCache]) {
    if (
      c.dtype !== x.dtype || c.shape.length !== 2 || (typeof h === "number" && c.shape[1] !== h / 2)
    ) {
      fail(
        "RotaryEmbedding",
        `needs ${x.dtype} caches (P,${typeof h === "number" ? h / 2 : "H/2"}): got ${c.dtype} ${
          showShape(c.shape)
        }`,
      );
    }
  }
  return one(x.graph, "RotaryEmbedding", [x, positions, cosCache, sinCache], x.dtype, x.shape, {
    interleaved: { kind: "int", value: 0 },
  });
}
