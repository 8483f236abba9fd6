/**
 * Running train steps against a parameter store: feeds parameters, optimizer state, batch,
 * learning rate and step; swaps the new parameters into the model's store and the new optimizer
 * state into the trainer's own store, so the model's store only ever holds weights.
 *
 * @module
 */

import { type Graph, type HostTensor, nextName, tensor, type TrainStep } from "../graph/mod.ts";
import { checkParams, type ParamStore, zerosFor } from "./params.ts";
import { compile, type Feed, type Program, runProgram, type Runtime } from "./program.ts";

/** Key, in a trainer's state store, of the number of updates made so far (a scalar int64). */
export const STEP_KEY = "optimizer.step";

/** A compiled train step bound to a weight store and to its own optimizer state. */
export interface Trainer {
  readonly program: Program;
  readonly step: TrainStep;
  /** The weights (the model's store): trained ones are replaced after every step. */
  readonly store: ParamStore;
  /** Optimizer state (moments, momentum buffers) and {@link STEP_KEY}; never in `store`. */
  readonly state: ParamStore;
}

/** Options of {@link createTrainer}. */
export interface TrainerOptions {
  /**
   * Optimizer state to continue from (a checkpoint's): tensors it lacks start at zero.
   * @default a new, empty store
   */
  readonly state?: ParamStore;
}

/** What one step reports. */
export interface StepResult {
  readonly loss: number;
  readonly gradNorm: number;
  /** Milliseconds in ONNX Runtime's run and in the whole call (feeding and fetching included). */
  readonly sessionMs: number;
  readonly totalMs: number;
  /** Values of the train step's extra outputs. */
  readonly extra: Record<string, HostTensor>;
}

/**
 * Compiles a train step and prepares its stores: checks the trained parameters are in `store`
 * with the right shapes, and checks the optimizer state given (a resumed run's) or starts it at
 * zero with a step counter of 0.
 *
 * @example Minimise (w − 3)² with SGD; the weight store holds the weight only
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "../graph/ir.ts";
 * import { mul, sub, reduceSum } from "../graph/ops.ts";
 * import { tensor } from "../graph/tensor.ts";
 * import { buildTrainStep } from "../graph/train_step.ts";
 * import { createRuntime } from "./program.ts";
 * import { createTrainer, STEP_KEY, trainerStep, trainStep } from "./trainer.ts";
 * const g = new Graph();
 * const w = g.input("w", "float32", [1]);
 * const d = sub(w, g.constant(tensor("float32", [1], [3])));
 * const step = buildTrainStep(reduceSum(mul(d, d)), { w }, { optimizer: { kind: "sgd", momentum: 0.5 } });
 * const store = new Map([["w", tensor("float32", [1], [0])]]);
 * const tr = await createTrainer(createRuntime(), g, step, store);
 * for (let i = 0; i < 50; i++) await trainStep(tr, {}, 0.1);
 * assert.ok(Math.abs(store.get("w")!.data[0] - 3) < 1e-3);
 * assert.deepEqual([...store.keys()], ["w"]);
 * assert.ok(tr.state.has("w.momentum") && tr.state.has(STEP_KEY));
 * assert.equal(trainerStep(tr), 50);
 * ```
 */
export async function createTrainer(
  rt: Runtime,
  graph: Graph,
  step: TrainStep,
  store: ParamStore,
  options: TrainerOptions = {},
): Promise<Trainer> {
  const { state = new Map() } = options;
  const specs = graph.inputs.filter((v) => step.params.includes(v.name!)).map((v) => ({
    name: v.name!,
    dtype: v.dtype,
    shape: v.shape,
  }));
  // Only the trained parameters are checked: a store may hold more (a frozen part, other state).
  const present: ParamStore = new Map();
  for (const s of specs) if (store.has(s.name)) present.set(s.name, store.get(s.name)!);
  checkParams(present, specs);
  for (const [k, t] of zerosFor(step.state.filter((s) => !state.has(s.name)))) state.set(k, t);
  if (!state.has(STEP_KEY)) state.set(STEP_KEY, tensor("int64", [], [0]));
  checkParams(state, [
    ...step.state,
    { name: STEP_KEY, dtype: "int64", shape: [] },
  ], "optimizer state");
  const program = await compile(rt, graph, step.outputs);
  return { program, step, store, state };
}

/** The number of updates a trainer has made (its state's {@link STEP_KEY}). */
export function trainerStep(trainer: Trainer): number {
  return Number((trainer.state.get(STEP_KEY)!.data as BigInt64Array)[0]);
}

/**
 * Runs one optimisation step with learning rate `lr` on `batch`; updates the weight store and
 * the trainer's state in place.
 */
export async function trainStep(
  trainer: Trainer,
  batch: Record<string, Feed>,
  lr: number,
): Promise<StepResult> {
  const t0 = performance.now();
  const { program, step, store, state } = trainer;
  const t = trainerStep(trainer) + 1;
  const dtype = program.signature.inputs.find((s) => s.name === "lr")!.dtype;
  const feeds: Record<string, Feed> = { ...batch, lr: tensor(dtype, [], [lr]) };
  if (program.signature.inputs.some((s) => s.name === "step")) feeds.step = tensor(dtype, [], [t]);
  for (const n of step.params) feeds[n] = store.get(n)!;
  for (const s of step.state) feeds[s.name] = state.get(s.name)!;
  const timing = { sessionMs: 0 };
  const out = await runProgram(program, feeds, { timing });
  for (const n of step.params) store.set(n, out[nextName(n)]);
  for (const s of step.state) state.set(s.name, out[nextName(s.name)]);
  state.set(STEP_KEY, tensor("int64", [], [t]));
  const extra: StepResult["extra"] = {};
  for (const k of Object.keys(step.outputs)) {
    if (k !== "loss" && k !== "grad_norm" && !k.endsWith(".next")) extra[k] = out[k];
  }
  return {
    loss: Number(out.loss.data[0]),
    gradNorm: Number(out.grad_norm.data[0]),
    sessionMs: timing.sessionMs,
    totalMs: performance.now() - t0,
    extra,
  };
}
