/**
 * The graph IR: symbolic tensors (`Value`) produced by nodes (`Node`) inside a `Graph`.
 *
 * A graph is built by calling op constructors (see `ops.ts`) on values; each constructor checks
 * shapes and dtypes when it is called, so a mistake surfaces where it is made, not when ONNX
 * Runtime loads the model.
 *
 * @module
 */

import type { DType, HostTensor } from "./tensor.ts";

/** A dimension: a known size, or a symbol (`"B"`, `"T"`) bound when the program runs. */
export type Dim = number | string;

/** A shape whose rank is always known; dimensions may be symbolic. */
export type Shape = readonly Dim[];

/** An attribute value of a node, as ONNX stores them. */
export type Attr =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "dtype"; readonly value: DType }
  | { readonly kind: "tensor"; readonly value: HostTensor };

/**
 * The ops the IR knows. Each maps to one ONNX operator (StopGradient becomes Identity); those in
 * {@link OP_DOMAINS} are ONNX Runtime contrib operators, used only in inference programs.
 */
export type OpType =
  | "Abs"
  | "Add"
  | "Cast"
  | "Concat"
  | "ConstantOfShape"
  | "Cos"
  | "Div"
  | "Equal"
  | "Exp"
  | "Expand"
  | "Gather"
  | "GatherElements"
  | "Greater"
  | "GreaterOrEqual"
  | "Identity"
  | "Less"
  | "Log"
  | "LogSoftmax"
  | "MatMul"
  | "Max"
  | "Min"
  | "Mul"
  | "Neg"
  | "Not"
  | "Pad"
  | "Pow"
  | "Range"
  | "ReduceMax"
  | "ReduceMean"
  | "ReduceSum"
  | "Relu"
  | "RotaryEmbedding"
  | "Reshape"
  | "ScatterElements"
  | "ScatterND"
  | "Shape"
  | "Sigmoid"
  | "Sign"
  | "Sin"
  | "Size"
  | "Slice"
  | "Softmax"
  | "Sqrt"
  | "Squeeze"
  | "StopGradient"
  | "Sub"
  | "Tanh"
  | "Transpose"
  | "Trilu"
  | "Unsqueeze"
  | "Where";

/** A symbolic tensor: the output of a node, a graph input or a constant. */
export interface Value {
  readonly graph: Graph;
  readonly id: number;
  readonly dtype: DType;
  readonly shape: Shape;
  /** The node that computes it; null for graph inputs and constants. */
  readonly producer: Node | null;
  /** Graph inputs carry their name; other values get one when serialised. */
  readonly name?: string;
  /** Set on constants. */
  readonly constant?: HostTensor;
}

/** One operator application. Optional inputs that are absent are `null`. */
export interface Node {
  readonly id: number;
  readonly op: OpType;
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
  /** A path-like label (`layers.3.attn.q_proj`) that ends up in the ONNX node name. */
  readonly label: string;
}

/**
 * A growing graph. Values and nodes are only ever appended, so a graph can be extended by
 * autodiff and optimizers after the forward pass is built.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly constants: Value[] = [];
  #nextId = 0;
  #scope: string[] = [];

  /** Declares a named graph input. Names must be unique. */
  input(name: string, dtype: DType, shape: Shape): Value {
    if (this.inputs.some((v) => v.name === name)) {
      throw new Error(`Cannot declare input '${name}': an input of that name already exists`);
    }
    for (const d of shape) {
      if (typeof d === "number" && (!Number.isInteger(d) || d < 0)) {
        throw new RangeError(
          `Cannot declare input '${name}': dimensions must be non-negative integers or symbols: current shape is [${shape}]`,
        );
      }
    }
    const v: Value = {
      graph: this,
      id: this.#nextId++,
      dtype,
      shape: [...shape],
      producer: null,
      name,
    };
    this.inputs.push(v);
    return v;
  }

  /** Embeds a host tensor as a constant (an ONNX initializer). */
  constant(t: HostTensor): Value {
    const v: Value = {
      graph: this,
      id: this.#nextId++,
      dtype: t.dtype,
      shape: [...t.shape],
      producer: null,
      constant: t,
    };
    this.constants.push(v);
    return v;
  }

  /** Appends a node; used by op constructors, which have already inferred output types. */
  addNode(
    op: OpType,
    inputs: readonly (Value | null)[],
    outputTypes: readonly { dtype: DType; shape: Shape }[],
    attrs: Record<string, Attr> = {},
  ): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) {
        throw new Error(`Cannot build ${op}: an input belongs to another graph`);
      }
    }
    const outputs: Value[] = [];
    const node: Node = {
      id: this.#nextId++,
      op,
      inputs,
      outputs,
      attrs,
      label: this.#scope.join("."),
    };
    for (const t of outputTypes) {
      outputs.push({
        graph: this,
        id: this.#nextId++,
        dtype: t.dtype,
        shape: [...t.shape],
        producer: node,
      });
    }
    this.nodes.push(node);
    return outputs;
  }

  /** Runs `build` with `name` appended to the label of every node it creates. */
  scope<T>(name: string, build: () => T): T {
    this.#scope.push(name);
    try {
      return build();
    } finally {
      this.#scope.pop();
    }
  }
}

/** Ops outside the default ONNX domain, with their domain (ONNX Runtime contrib ops, opset 1). */
export const OP_DOMAINS: Readonly<Partial<Record<OpType, string>>> = Object.freeze({
  RotaryEmbedding: "com.microsoft",
});

/** Formats a shape for error messages: `[B,T,64]`. */
export function showShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** The graph that owns a list of values, checking they all share one. */
export function graphOf(op: string, values: readonly (Value | null | undefined)[]): Graph {
  let g: Graph | undefined;
  for (const v of values) {
    if (!v) continue;
    if (g && v.graph !== g) {
      throw new Error(`Cannot build ${op}: inputs belong to different graphs`);
    }
    g = v.graph;
  }
  if (!g) throw new Error(`Cannot build ${op}: no input value given`);
  return g;
}

/** Values in dependency order that `outputs` need, and the nodes that compute them. */
export function topoNodes(outputs: readonly Value[]): Node[] {
  const seen = new Set<number>();
  const order: Node[] = [];
  // Iterative DFS: graphs of deep models exceed the JS call stack with recursion.
  const stack: { node: Node; next: number }[] = [];
  for (const out of outputs) {
    if (!out.producer || seen.has(out.producer.id)) continue;
    seen.add(out.producer.id);
    stack.push({ node: out.producer, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const inp = top.node.inputs[top.next++];
        const p = inp?.producer;
        if (p && !seen.has(p.id)) {
          seen.add(p.id);
          stack.push({ node: p, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}
