/**
 * The runtime: ONNX Runtime sessions behind compiled programs (`compile`, and `runProgram`, the
 * one function every session run goes through), execution providers (cpu, cuda, webgpu),
 * parameter stores and their safetensors files, and trainers that run one optimisation step per
 * session run.
 *
 * @example Compile and run y = 2x under a name that errors will carry
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph, ops, tensor } from "../graph/mod.ts";
 * import { compile, createRuntime, runProgram } from "./mod.ts";
 * const g = new Graph();
 * const x = g.input("x", "float32", ["N"]);
 * const prog = await compile(createRuntime({ threads: 1 }), g, { y: ops.mul(x, 2) }, { name: "double" });
 * const { y } = await runProgram(prog, { x: tensor("float32", [3], [1, 2, 3]) });
 * assert.deepEqual([...y.data as Float32Array], [2, 4, 6]);
 * await assert.rejects(() => runProgram(prog, {}), /Cannot run program 'double': input 'x' is missing/);
 * ```
 *
 * @module
 */

export {
  checkFeeds,
  compile,
  type CompileOptions,
  createRuntime,
  type Feed,
  loadProgram,
  type Program,
  type Provider,
  type RunOptions,
  runProgram,
  type Runtime,
  type RuntimeOptions,
} from "./program.ts";
export {
  checkParams,
  countElements,
  loadParams,
  type ParamStore,
  saveParams,
  zerosFor,
} from "./params.ts";
export {
  parseSafetensors,
  readSafetensorsFile,
  type Safetensors,
  type SerializeOptions,
  serializeSafetensors,
  writeSafetensorsFile,
} from "./safetensors.ts";
export {
  createTrainer,
  STEP_KEY,
  type StepResult,
  type Trainer,
  type TrainerOptions,
  trainerStep,
  trainStep,
} from "./trainer.ts";
