/**
 * Serialisation of a graph to an ONNX model (protobuf), opset 18.
 *
 * Only what a program needs is written: the nodes reachable from the requested outputs, and the
 * inputs and constants they read. Field numbers are those of `onnx.proto`.
 *
 * @module
 */

import protobuf from "protobufjs";
import {
  type Attr,
  type Graph,
  type Node,
  OP_DOMAINS,
  type Shape,
  topoNodes,
  type Value,
} from "./ir.ts";
import type { DType, HostTensor } from "./tensor.ts";

/** The ONNX default-domain opset the serialiser targets. */
export const OPSET = 18;
/** IR version that goes with opset 18. */
export const IR_VERSION = 8;

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
});

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

type Writer = protobuf.Writer;

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

function str(w: Writer, field: number, s: string) {
  tag(w, field, WIRE_BYTES).string(s);
}

function int(w: Writer, field: number, n: number) {
  tag(w, field, WIRE_VARINT).int64(n);
}

function message(w: Writer, field: number, body: (w: Writer) => void) {
  tag(w, field, WIRE_BYTES).fork();
  body(w);
  w.ldelim();
}

function rawBytes(t: HostTensor): Uint8Array {
  const d = t.data;
  // ONNX raw_data is little-endian, as are all platforms ONNX Runtime runs on.
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function writeTensor(w: Writer, t: HostTensor, name: string) {
  for (const d of t.shape) int(w, 1, d);
  int(w, 2, ONNX_DTYPE[t.dtype]);
  str(w, 8, name);
  tag(w, 9, WIRE_BYTES).bytes(rawBytes(t));
}

function writeAttr(w: Writer, name: string, a: Attr) {
  str(w, 1, name);
  switch (a.kind) {
    case "float":
      tag(w, 2, WIRE_FIXED32).float(a.value);
      int(w, 20, 1);
      break;
    case "int":
      int(w, 3, a.value);
      int(w, 20, 2);
      break;
    case "dtype":
      int(w, 3, ONNX_DTYPE[a.value]);
      int(w, 20, 2);
      break;
    case "string":
      tag(w, 4, WIRE_BYTES).bytes(new TextEncoder().encode(a.value));
      int(w, 20, 3);
      break;
    case "tensor":
      message(w, 5, (w) => writeTensor(w, a.value, ""));
      int(w, 20, 4);
      break;
    case "ints":
      for (const v of a.value) int(w, 8, v);
      int(w, 20, 7);
      break;
  }
}

function writeValueInfo(w: Writer, name: string, dtype: DType, shape: Shape) {
  str(w, 1, name);
  message(w, 2, (w) => {
    message(w, 1, (w) => {
      int(w, 1, ONNX_DTYPE[dtype]);
      message(w, 2, (w) => {
        for (const d of shape) {
          message(w, 1, (w) => {
            if (typeof d === "number") int(w, 1, d);
            else if (d !== "?") str(w, 2, d);
          });
        }
      });
    });
  });
}

function writeNode(w: Writer, node: Node, nameOf: (v: Value | null) => string, index: number) {
  for (const v of node.inputs) str(w, 1, nameOf(v));
  for (const v of node.outputs) str(w, 2, nameOf(v));
  str(w, 3, `${node.label ? node.label + "/" : ""}${node.op}_${index}`);
  str(w, 4, node.op === "StopGradient" ? "Identity" : node.op);
  for (const [k, a] of Object.entries(node.attrs)) message(w, 5, (w) => writeAttr(w, k, a));
  const domain = OP_DOMAINS[node.op];
  if (domain) str(w, 7, domain);
}

/** What a serialised program reads and writes, in order. */
export interface ProgramSignature {
  readonly inputs: readonly { name: string; dtype: DType; shape: Shape }[];
  readonly outputs: readonly { name: string; dtype: DType; shape: Shape }[];
}

/** Options of {@link toOnnx}. */
export interface ToOnnxOptions {
  /** Keep graph inputs that no output depends on. @default false */
  keepUnusedInputs?: boolean;
  /** Graph name stored in the model. @default "acqsynth" */
  name?: string;
  /** Metadata key/value pairs stored in the model. */
  metadata?: Record<string, string>;
}

/**
 * Serialises the part of `graph` that computes `outputs` (name → value) into ONNX bytes.
 *
 * @example Serialise y = x * 2
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "./ir.ts";
 * import { mul } from "./ops.ts";
 * import { toOnnx } from "./onnx.ts";
 * const g = new Graph();
 * const x = g.input("x", "float32", ["N"]);
 * const { bytes, signature } = toOnnx(g, { y: mul(x, 2) });
 * assert.ok(bytes.length > 0 && signature.inputs[0].name === "x");
 * ```
 */
export function toOnnx(
  graph: Graph,
  outputs: Record<string, Value>,
  options: ToOnnxOptions = {},
): { bytes: Uint8Array; signature: ProgramSignature } {
  const { keepUnusedInputs = false, name = "acqsynth", metadata = {} } = options;
  const outList = Object.values(outputs);
  const nodes = topoNodes(outList);

  const used = new Set<number>();
  for (const n of nodes) for (const v of n.inputs) if (v) used.add(v.id);
  for (const v of outList) used.add(v.id);

  const names = new Map<number, string>();
  for (const v of graph.inputs) names.set(v.id, v.name!);
  const nameOf = (v: Value | null) => {
    if (!v) return "";
    let n = names.get(v.id);
    if (n === undefined) {
      n = v.constant ? `c${v.id}` : `v${v.id}`;
      names.set(v.id, n);
    }
    return n;
  };
  const inputs = graph.inputs.filter((v) => keepUnusedInputs || used.has(v.id));
  const inputNames = new Set(inputs.map((v) => v.name!));
  const outNames = Object.keys(outputs);
  for (const n of outNames) {
    if (inputNames.has(n)) {
      throw new Error(`Cannot serialise graph: output '${n}' has the same name as an input`);
    }
  }
  // A value a node computes is written under its output name, so it needs no Identity: ONNX
  // Runtime keeps an Identity that feeds a graph output, and that copy of a whole KV cache per
  // decoding step cost 8% of a decoder's kernel time. Names of the `v12` / `c12` form are left
  // to the Identity path, where they cannot collide with the names given to inner values.
  const produced = new Set<number>();
  for (const node of nodes) for (const v of node.outputs) if (v) produced.add(v.id);
  const direct = new Set<string>();
  for (const n of outNames) {
    const v = outputs[n];
    if (!produced.has(v.id) || names.has(v.id) || /^[vc]\d+$/.test(n)) continue;
    names.set(v.id, n);
    direct.add(n);
  }

  const w = protobuf.Writer.create();
  int(w, 1, IR_VERSION);
  str(w, 2, "acqsynth");
  message(w, 7, (w) => {
    nodes.forEach((n, i) => message(w, 1, (w) => writeNode(w, n, nameOf, i)));
    // Any other output (an input, a constant, a value returned under a second name) is written
    // through an Identity, so that it is an output under its own name.
    outNames.forEach((n, i) => {
      if (direct.has(n)) return;
      message(w, 1, (w) => {
        str(w, 1, nameOf(outputs[n]));
        str(w, 2, n);
        str(w, 3, `output_${i}`);
        str(w, 4, "Identity");
      });
    });
    str(w, 2, name);
    for (const c of graph.constants) {
      if (used.has(c.id)) message(w, 5, (w) => writeTensor(w, c.constant!, nameOf(c)));
    }
    for (const v of inputs) message(w, 11, (w) => writeValueInfo(w, v.name!, v.dtype, v.shape));
    for (const n of outNames) {
      const v = outputs[n];
      message(w, 12, (w) => writeValueInfo(w, n, v.dtype, v.shape));
    }
  });
  message(w, 8, (w) => {
    str(w, 1, "");
    int(w, 2, OPSET);
  });
  for (const domain of new Set(nodes.map((n) => OP_DOMAINS[n.op]).filter((d) => d))) {
    message(w, 8, (w) => {
      str(w, 1, domain!);
      int(w, 2, 1);
    });
  }
  for (const [k, v] of Object.entries(metadata)) {
    message(w, 14, (w) => {
      str(w, 1, k);
      str(w, 2, v);
    });
  }
  return {
    bytes: w.finish(),
    signature: {
      inputs: inputs.map((v) => ({ name: v.name!, dtype: v.dtype, shape: v.shape })),
      outputs: outNames.map((n) => ({ name: n, dtype: outputs[n].dtype, shape: outputs[n].shape })),
    },
  };
}
