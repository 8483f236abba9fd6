/**
 * The graph engine: typed symbolic tensors (`Graph`, `Value`), op constructors with shape rules
 * (`ops`), composite layers (`nn`), reverse-mode autodiff with one gradient rule per op, in-graph
 * optimizers (AdamW, SGD) and gradient clipping, train-step graphs, and serialisation to ONNX.
 * Everything above this layer imports it through this file.
 *
 * @example Build y = Σ(w − 3)², differentiate it, and turn the graph into ONNX bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, Graph, ops, toOnnx } from "./mod.ts";
 * const g = new Graph();
 * const w = g.input("w", "float32", [2]);
 * const d = ops.sub(w, 3);
 * const loss = ops.reduceSum(ops.mul(d, d));
 * const [dw] = grad(loss, [w]);
 * assert.deepEqual(dw.shape, [2]);
 * const { bytes, signature } = toOnnx(g, { loss, dw });
 * assert.ok(bytes.length > 0);
 * assert.deepEqual(signature.inputs.map((i) => i.name), ["w"]);
 * ```
 *
 * @module
 */

export {
  type Attr,
  type Dim,
  Graph,
  type Node,
  type OpType,
  type Shape,
  showShape,
  topoNodes,
  type Value,
} from "./ir.ts";
export * as ops from "./ops.ts";
export * as nn from "./nn.ts";
export {
  add,
  cast,
  concat,
  cos,
  div,
  equal,
  exp,
  gather,
  greater,
  greaterOrEqual,
  log,
  logSoftmax,
  matMul,
  max,
  mul,
  neg,
  range,
  reduceMax,
  reduceMean,
  reduceSum,
  reshape,
  rotaryEmbedding,
  shapeOf,
  sin,
  slice,
  softmax,
  sqrt,
  sub,
  transpose,
  unsqueeze,
  where,
} from "./ops.ts";
export { linear, mse, rmsNorm, silu, tokenNll, weightedMean } from "./nn.ts";
export {
  type DType,
  dtypeOfArray,
  type HostTensor,
  isFloat,
  scalar,
  sizeOf,
  tensor,
  type TensorArray,
} from "./tensor.ts";
export { checkArity, grad, type GradOptions } from "./autodiff.ts";
export { differentiableOps, GRAD_RULES, type GradRule } from "./gradients.ts";
export {
  adamW,
  type AdamWOptions,
  clipByGlobalNorm,
  globalNorm,
  type OptimizerBuilder,
  type OptimizerKind,
  type OptimizerOptions,
  OPTIMIZERS,
  type OptimizerUpdate,
  type ParamGrad,
  sgd,
  type SgdOptions,
  type StateSpec,
} from "./optim.ts";
export { buildTrainStep, nextName, type TrainStep, type TrainStepOptions } from "./train_step.ts";
export { OPSET, type ProgramSignature, toOnnx } from "./onnx.ts";
