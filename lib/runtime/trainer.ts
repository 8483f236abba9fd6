/**
 * Running train steps against a parameter store: feeds parameters, optimizer state, batch,
 * learning rate and step; swaps the new parameters and state into the store.
 *
 * @module
 */

import type { Graph } from "../graph/ir.ts";
import { type HostTensor, tensor } from "../graph/tensor.ts";
import { nextName, type TrainStep } from "../graph/train_step.ts";
import { checkParams, type ParamStore, zerosFor } from "./params.ts";
import { compile, type Feed, type Program, runProgram, type Runtime } from "./program.ts";

/** Store key of the number of updates made so far (a scalar int64). */
export const STEP_KEY = "optimizer.step";

/** A compiled train step bound to a store. */
export interface Trainer {
  readonly program: Program;
  readonly step: TrainStep;
  readonly store: ParamStore;
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
 * Compiles a train step and prepares the store: checks the parameters are there with the right
 * shapes, and adds zero optimizer state and a step counter where missing (a resumed store keeps
 * its own).
 */
export async function createTrainer(
  rt: Runtime,
  graph: Graph,
  step: TrainStep,
  store: ParamStore,
): Promise<Trainer> {
  const specs = graph.inputs.filter((v) => step.params.includes(v.name!)).map((v) => ({
    name: v.name!,
    dtype: v.dtype,
    shape: v.shape,
  }));
  // Only the trained parameters are checked: a store may hold more (a frozen part, other state).
  const present: ParamStore = new Map();
  for (const s of specs) if (store.has(s.name)) present.set(s.name, store.get(s.name)!);
  checkParams(present, specs);
  for (const [k, t] of zerosFor(step.state.filter((s) => !store.has(s.name)))) store.set(k, t);
  if (!store.has(STEP_KEY)) store.set(STEP_KEY, tensor("int64", [], [0]));
  const program = await compile(rt, graph, step.outputs);
  return { program, step, store };
}

/** Runs one optimisation step with learning rate `lr` on `batch`; updates the store in place. */
export async function trainStep(
  trainer: Trainer,
  batch: Record<string, Feed>,
  lr: number,
): Promise<StepResult> {
  const t0 = performance.now();
  const { program, step, store } = trainer;
  const t = Number((store.get(STEP_KEY)!.data as BigInt64Array)[0]) + 1;
  const dtype = program.signature.inputs.find((s) => s.name === "lr")!.dtype;
  const feeds: Record<string, Feed> = { ...batch, lr: tensor(dtype, [], [lr]) };
  if (program.signature.inputs.some((s) => s.name === "step")) feeds.step = tensor(dtype, [], [t]);
  for (const n of step.params) feeds[n] = store.get(n)!;
  for (const s of step.state) feeds[s.name] = store.get(s.name)!;
  const timing = { sessionMs: 0 };
  const out = await runProgram(program, feeds, { timing });
  for (const n of step.params) store.set(n, out[nextName(n)]);
  for (const s of step.state) store.set(s.name, out[nextName(s.name)]);
  store.set(STEP_KEY, tensor("int64", [], [t]));
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
