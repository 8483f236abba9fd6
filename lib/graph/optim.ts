/**
 * In-graph optimizers and gradient clipping. Each builder takes parameters and their gradients
 * and returns the updated parameters and optimizer state as graph values, so forward, backward
 * and update run as one ONNX Runtime session run. Learning rate and step are graph inputs, so
 * schedules live in TypeScript.
 *
 * State tensors have predictable names: `<param>.adam_m`, `<param>.adam_v`, `<param>.momentum`.
 *
 * @module
 */

import type { Graph, Shape, Value } from "./ir.ts";
import { add, cast, div, min, mul, pow, reduceSum, scalarConst, sqrt, sub } from "./ops.ts";
import type { DType } from "./tensor.ts";

/** A parameter as the optimizer sees it: its name, its graph input and its gradient. */
export interface ParamGrad {
  readonly name: string;
  readonly value: Value;
  readonly grad: Value;
}

/** A state tensor the optimizer reads and writes, initialised to zeros. */
export interface StateSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** What an optimizer builder returns. */
export interface OptimizerUpdate {
  /** Parameter name → its updated value. */
  readonly params: Map<string, Value>;
  /** State name → its updated value (input of the same name holds the old one). */
  readonly state: Map<string, Value>;
  /** The state inputs it declared, to be fed zeros at the start. */
  readonly specs: StateSpec[];
}

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019) with bias
 * correction, as PyTorch computes it:
 * p ← p − lr·wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 * p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
 */
export interface AdamWOptions {
  readonly kind: "adamw";
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Decoupled weight decay. @default 0.0 */
  readonly weightDecay?: number;
  /** Which parameters decay (e.g. not norms and biases). @default all */
  readonly decays?: (name: string) => boolean;
}

/** SGD with (optionally Nesterov) momentum and L2 weight decay, PyTorch's formulation. */
export interface SgdOptions {
  readonly kind: "sgd";
  /** @default 0.0 */
  readonly momentum?: number;
  /** @default false */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient. @default 0.0 */
  readonly weightDecay?: number;
}

/** The optimizers, chosen by `kind`. */
export type OptimizerOptions = AdamWOptions | SgdOptions;

function stateInput(g: Graph, specs: StateSpec[], name: string, like: Value): Value {
  specs.push({ name, dtype: like.dtype, shape: like.shape });
  return g.input(name, like.dtype, like.shape);
}

/** Builds the AdamW update. `lr` and `step` (1-based, counting this update) are float scalars. */
export function adamW(
  items: readonly ParamGrad[],
  lr: Value,
  step: Value,
  options: AdamWOptions,
): OptimizerUpdate {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decays = () => true } = options;
  checkUnit("beta1", beta1);
  checkUnit("beta2", beta2);
  const g = lr.graph;
  const specs: StateSpec[] = [];
  const params = new Map<string, Value>();
  const state = new Map<string, Value>();
  const t = cast(step, lr.dtype);
  const correction1 = sub(1, pow(scalarConst(g, beta1, lr.dtype), t)); // 1 − β1ᵗ
  const correction2 = sub(1, pow(scalarConst(g, beta2, lr.dtype), t)); // 1 − β2ᵗ
  for (const { name, value: p, grad: gr } of items) {
    g.scope(`adamw.${name}`, () => {
      const m0 = stateInput(g, specs, `${name}.adam_m`, p);
      const v0 = stateInput(g, specs, `${name}.adam_v`, p);
      const lrp = cast(lr, p.dtype);
      const decayed = weightDecay > 0 && decays(name) ? sub(p, mul(p, mul(lrp, weightDecay))) : p;
      const m = add(mul(m0, beta1), mul(gr, 1 - beta1));
      const v = add(mul(v0, beta2), mul(mul(gr, gr), 1 - beta2));
      const mHat = div(m, cast(correction1, p.dtype));
      const vHat = div(v, cast(correction2, p.dtype));
      params.set(name, sub(decayed, mul(lrp, div(mHat, add(sqrt(vHat), eps)))));
      state.set(`${name}.adam_m`, m);
      state.set(`${name}.adam_v`, v);
    });
  }
  return { params, state, specs };
}

/** Builds the SGD update: buf ← μ·buf + g; p ← p − lr·buf (Nesterov: p ← p − lr·(g + μ·buf)). */
export function sgd(items: readonly ParamGrad[], lr: Value, options: SgdOptions): OptimizerUpdate {
  const { momentum = 0, nesterov = false, weightDecay = 0 } = options;
  if (momentum < 0) {
    throw new RangeError(`Cannot build SGD: 'momentum' must be ≥ 0: current value is ${momentum}`);
  }
  const g = lr.graph;
  const specs: StateSpec[] = [];
  const params = new Map<string, Value>();
  const state = new Map<string, Value>();
  for (const { name, value: p, grad } of items) {
    g.scope(`sgd.${name}`, () => {
      const lrp = cast(lr, p.dtype);
      const gr = weightDecay > 0 ? add(grad, mul(p, weightDecay)) : grad;
      if (momentum === 0) {
        params.set(name, sub(p, mul(lrp, gr)));
        return;
      }
      const buf = add(mul(stateInput(g, specs, `${name}.momentum`, p), momentum), gr);
      const direction = nesterov ? add(gr, mul(buf, momentum)) : buf;
      params.set(name, sub(p, mul(lrp, direction)));
      state.set(`${name}.momentum`, buf);
    });
  }
  return { params, state, specs };
}

/** The global L2 norm of all gradients, √(Σ‖g‖²). */
export function globalNorm(grads: readonly Value[]): Value {
  if (grads.length === 0) throw new Error("Cannot compute a global norm of no gradients");
  const dtype = grads[0].dtype;
  const squares = grads.map((gr) => cast(reduceSum(mul(gr, gr)), dtype));
  return sqrt(squares.reduce((a, b) => add(a, b)));
}

/**
 * Scales gradients so their global norm is at most `maxNorm` (PyTorch's clip_grad_norm_):
 * g ← g · min(1, maxNorm / (‖g‖ + 1e-6)). Returns the clipped gradients and the norm before.
 */
export function clipByGlobalNorm(
  grads: readonly Value[],
  maxNorm: number,
): { grads: Value[]; norm: Value } {
  if (!(maxNorm > 0)) {
    throw new RangeError(
      `Cannot clip gradients: 'maxNorm' must be > 0: current value is ${maxNorm}`,
    );
  }
  const norm = globalNorm(grads);
  const scale = min(div(scalarConst(norm.graph, maxNorm, norm.dtype), add(norm, 1e-6)), 1);
  return { grads: grads.map((gr) => mul(gr, cast(scale, gr.dtype))), norm };
}

function checkUnit(name: string, v: number) {
  if (!(v >= 0 && v < 1)) {
    throw new RangeError(`Cannot build AdamW: '${name}' must be in [0, 1): current value is ${v}`);
  }
}

/** The optimizer kinds, one per entry of {@link OPTIMIZERS}. */
export type OptimizerKind = OptimizerOptions["kind"];

/** Builds one optimizer's update from the parameters' gradients and the `lr` input. */
export type OptimizerBuilder = (
  items: readonly ParamGrad[],
  lr: Value,
  options: OptimizerOptions,
) => OptimizerUpdate;

/**
 * The optimizers by kind: the one place a train step looks its optimizer up. AdamW adds a `step`
 * input (the 1-based update count, for bias correction) beside `lr`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OPTIMIZERS } from "./optim.ts";
 * assert.deepEqual(Object.keys(OPTIMIZERS), ["adamw", "sgd"]);
 * ```
 */
export const OPTIMIZERS: Readonly<Record<OptimizerKind, OptimizerBuilder>> = Object.freeze({
  adamw: (items, lr, options) =>
    adamW(items, lr, lr.graph.input("step", lr.dtype, []), options as AdamWOptions),
  sgd: (items, lr, options) => sgd(items, lr, options as SgdOptions),
});
