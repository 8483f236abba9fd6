/**
 * The train-step program: one graph whose inputs are the parameters, the optimizer state, the
 * batch, the learning rate and the step, and whose outputs are the new parameters, the new
 * state, the loss and the gradient norm. One session run performs one optimisation step.
 *
 * @module
 */

import { grad } from "./autodiff.ts";
import type { Value } from "./ir.ts";
import {
  clipByGlobalNorm,
  globalNorm,
  type OptimizerOptions,
  OPTIMIZERS,
  type StateSpec,
} from "./optim.ts";

/** Options of {@link buildTrainStep}. */
export interface TrainStepOptions {
  /** The optimizer and its hyper-parameters. */
  readonly optimizer: OptimizerOptions;
  /** Clip gradients to this global norm; none when omitted. */
  readonly clipNorm?: number;
  /** Extra values to return (e.g. per-token losses for logging), by output name. */
  readonly extraOutputs?: Record<string, Value>;
}

/** A built train step: the outputs to compile and the names that bind them to the store. */
export interface TrainStep {
  /** Output name → value; pass to `compile`. */
  readonly outputs: Record<string, Value>;
  /** Parameter names, in order. */
  readonly params: string[];
  /** Optimizer state tensors, zeros at the start. */
  readonly state: StateSpec[];
}

/** The output name under which a parameter's or state tensor's new value comes back. */
export function nextName(name: string): string {
  return `${name}.next`;
}

/**
 * Differentiates `loss` with respect to `params` (graph inputs, by name), clips, and appends the
 * optimizer update. Declares inputs `lr` and `step` (float scalars of the loss's dtype; `step` is
 * 1-based and counts the update being made).
 *
 * @example One SGD step on a quadratic
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "./ir.ts";
 * import { mul, reduceSum } from "./ops.ts";
 * import { buildTrainStep } from "./train_step.ts";
 * const g = new Graph();
 * const w = g.input("w", "float32", [4]);
 * const step = buildTrainStep(reduceSum(mul(w, w)), { w }, { optimizer: { kind: "sgd" } });
 * assert.ok("w.next" in step.outputs && "loss" in step.outputs);
 * ```
 */
export function buildTrainStep(
  loss: Value,
  params: Record<string, Value>,
  options: TrainStepOptions,
): TrainStep {
  const g = loss.graph;
  const names = Object.keys(params);
  if (names.length === 0) throw new Error("Cannot build train step: no parameters given");
  for (const n of names) {
    if (params[n].producer !== null || params[n].name !== n) {
      throw new Error(
        `Cannot build train step: parameter '${n}' must be a graph input named '${n}'`,
      );
    }
  }
  const raw = grad(loss, names.map((n) => params[n]));
  const { grads, norm } = options.clipNorm !== undefined
    ? clipByGlobalNorm(raw, options.clipNorm)
    : { grads: raw, norm: globalNorm(raw) };
  const lr = g.input("lr", loss.dtype, []);
  const items = names.map((name, i) => ({ name, value: params[name], grad: grads[i] }));
  const opt = options.optimizer;
  const build = Object.hasOwn(OPTIMIZERS, opt.kind) ? OPTIMIZERS[opt.kind] : undefined;
  if (!build) {
    throw new RangeError(
      `Cannot build train step: unknown optimizer kind '${opt.kind}': expected one of ${
        Object.keys(OPTIMIZERS).join(", ")
      }`,
    );
  }
  const update = build(items, lr, opt);

  const outputs: Record<string, Value> = { loss, grad_norm: norm, ...(options.extraOutputs ?? {}) };
  for (const [n, v] of update.params) outputs[nextName(n)] = v;
  for (const [n, v] of update.state) outputs[nextName(n)] = v;
  return { outputs, params: names, state: update.specs };
}
