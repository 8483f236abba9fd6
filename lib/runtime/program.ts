/**
 * Compiled programs: an ONNX Runtime session plus the signature it was built with, and the one
 * function (`runProgram`) through which every session run goes.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import {
  type Dim,
  type DType,
  dtypeOfArray,
  type Graph,
  type HostTensor,
  type ProgramSignature,
  type TensorArray,
  toOnnx,
  type Value,
} from "../graph/mod.ts";

/** Execution providers the runtime can ask ONNX Runtime for. */
export type Provider = "cpu" | "cuda" | "webgpu";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** Execution provider. @default "cpu" */
  provider?: Provider;
  /** Intra-op threads; 0 lets ONNX Runtime choose (one per core). @default 0 */
  threads?: number;
  /** CUDA / WebGPU device index. @default 0 */
  deviceId?: number;
}

/** A runtime: provider settings and the cache of programs compiled under them. */
export interface Runtime {
  readonly provider: Provider;
  readonly threads: number;
  readonly deviceId: number;
  /** Compiled programs keyed by a hash of their ONNX bytes. */
  readonly cache: Map<string, Promise<Program>>;
}

/** A compiled program: a session and what it reads and writes. */
export interface Program {
  /** What the program is for (`decode`, `score`, `train-step`); named in every error. @default "unnamed" */
  readonly name: string;
  readonly session: ort.InferenceSession;
  readonly signature: ProgramSignature;
  readonly runtime: Runtime;
  /** ONNX bytes, kept so the program can be saved or inspected. */
  readonly onnx: Uint8Array;
}

/**
 * Creates a runtime. Fails with a clear message when the provider is not in this build of
 * onnxruntime-node (checked again at the first compile, where a missing device shows up).
 *
 * @example A CPU runtime with two threads
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRuntime } from "./program.ts";
 * const rt = createRuntime({ threads: 2 });
 * assert.ok(rt.provider === "cpu");
 * ```
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const { provider = "cpu", threads = 0, deviceId = 0 } = options;
  if (!["cpu", "cuda", "webgpu"].includes(provider)) {
    throw new RangeError(
      `Cannot create runtime: 'provider' must be one of cpu, cuda, webgpu: current value is '${provider}'`,
    );
  }
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(
      `Cannot create runtime: 'threads' must be a non-negative integer: current value is ${threads}`,
    );
  }
  const supported = ort.listSupportedBackends().map((b) => b.name);
  if (provider !== "cpu" && !supported.includes(provider)) {
    throw new Error(
      `Cannot create runtime: provider '${provider}' is not in this onnxruntime-node build (it has: ${
        supported.join(", ")
      }). For CUDA, onnxruntime-node must be installed with its CUDA provider on a machine with a GPU.`,
    );
  }
  return { provider, threads, deviceId, cache: new Map() };
}

const PROVIDER_HINT: Record<Provider, string> = {
  cpu: "",
  cuda:
    " with provider 'cuda' (onnxruntime-node needs its CUDA provider library, which its install " +
    "script downloads, plus a CUDA device and driver; use provider 'cpu' otherwise)",
  webgpu:
    " with provider 'webgpu' (it needs a Vulkan-capable GPU and driver; use provider 'cpu' otherwise)",
};

async function hashBytes(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function sessionOptions(
  rt: Runtime,
  float64 = false,
  spin = true,
): ort.InferenceSession.SessionOptions {
  // WebGPU takes no device index here; it picks the adapter itself.
  const providers: ort.InferenceSession.ExecutionProviderConfig[] = rt.provider === "cuda"
    ? [{ name: "cuda", deviceId: rt.deviceId } as ort.InferenceSession.ExecutionProviderConfig]
    : [rt.provider];
  return {
    executionProviders: providers,
    // ONNX Runtime's extended fusions (e.g. x·σ(x) → QuickGelu) have float32 kernels only, so
    // float64 programs (gradient checks) get the basic, type-preserving optimisations.
    graphOptimizationLevel: float64 ? "basic" : "all",
    intraOpNumThreads: rt.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    ...(spin ? {} : { extra: { session: { intra_op: { allow_spinning: "0" } } } }),
  };
}

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Reuse a session compiled from the same ONNX bytes on this runtime. @default true */
  readonly cache?: boolean;
  /** The program's name, used in every error message about it. @default "unnamed" */
  readonly name?: string;
  /**
   * Let ONNX Runtime's worker threads spin between runs. Spinning saves a wake-up when runs
   * follow each other closely (training); a program run in a loop with host work between runs
   * (a decoder choosing tokens) should not spin: on a 2-core machine the spinning thread takes the
   * core the host work needs. @default true
   */
  readonly spin?: boolean;
}

/**
 * Compiles the part of `graph` that computes `outputs` into a program, reusing a cached one
 * when the same ONNX bytes were compiled before on this runtime.
 *
 * @example Compile and run y = x + 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "../graph/ir.ts";
 * import { add } from "../graph/ops.ts";
 * import { tensor } from "../graph/tensor.ts";
 * import { compile, createRuntime, runProgram } from "./program.ts";
 * const g = new Graph();
 * const x = g.input("x", "float32", ["N"]);
 * const prog = await compile(createRuntime(), g, { y: add(x, 1) });
 * const { y } = await runProgram(prog, { x: tensor("float32", [2], [1, 2]) });
 * assert.ok(y.data[1] === 3);
 * ```
 */
export async function compile(
  rt: Runtime,
  graph: Graph,
  outputs: Record<string, Value>,
  options: CompileOptions = {},
): Promise<Program> {
  const { cache = true, name = "unnamed", spin = true } = options;
  const { bytes, signature } = toOnnx(graph, outputs);
  const create = async (): Promise<Program> => {
    try {
      const float64 = signature.inputs.some((i) => i.dtype === "float64");
      const session = await ort.InferenceSession.create(bytes, sessionOptions(rt, float64, spin));
      return { name, session, signature, runtime: rt, onnx: bytes };
    } catch (e) {
      const where = PROVIDER_HINT[rt.provider];
      throw new Error(`Cannot compile program '${name}'${where}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  };
  // Programs with weights baked in change with every training step: caching them would keep
  // every version alive, so their owners (see lib/model/model.ts) manage them instead.
  if (!cache) return await create();
  const key = `${spin ? "" : "no-spin:"}${await hashBytes(bytes)}`;
  let p = rt.cache.get(key);
  if (!p) {
    p = create();
    p.catch(() => rt.cache.delete(key));
    rt.cache.set(key, p);
  }
  const program = await p;
  // The same bytes may be compiled under another name: share the session, keep this name.
  return program.name === name ? program : { ...program, name };
}

/** Loads an ONNX file or bytes as a program with the signature ONNX Runtime reports. */
export async function loadProgram(
  rt: Runtime,
  bytes: Uint8Array,
  signature: ProgramSignature,
  name = "loaded",
): Promise<Program> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(rt));
  return { name, session, signature, runtime: rt, onnx: bytes };
}

/** A feed: a host tensor or an ONNX Runtime tensor (e.g. an output of an earlier run). */
export type Feed = HostTensor | ort.Tensor;

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: "float32",
  float64: "float64",
  int64: "int64",
  int32: "int32",
  bool: "bool",
};

function isHost(f: Feed): f is HostTensor {
  return "dtype" in f;
}

function toOrt(f: Feed): ort.Tensor {
  if (!isHost(f)) return f;
  return new ort.Tensor(ORT_TYPE[f.dtype], f.data as never, f.shape as number[]);
}

function fromOrt(t: ort.Tensor): HostTensor {
  const data = t.data as TensorArray;
  const dtype = t.type === "bool" ? "bool" : dtypeOfArray(data);
  return {
    dtype,
    shape: [...t.dims],
    data:
      (t.type === "bool"
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : data) as never,
  };
}

function feedDtype(f: Feed): string {
  return isHost(f) ? f.dtype : f.type;
}

function feedShape(f: Feed): readonly number[] {
  return isHost(f) ? f.shape : f.dims;
}

/** Checks feeds against the signature: names, dtypes, ranks, fixed sizes, and consistent symbols. */
export function checkFeeds(
  signature: ProgramSignature,
  feeds: Record<string, Feed>,
  name = "unnamed",
): void {
  const bound = new Map<string, { size: number; input: string }>();
  for (const spec of signature.inputs) {
    const f = feeds[spec.name];
    if (f === undefined) {
      throw new Error(
        `Cannot run program '${name}': input '${spec.name}' is missing (expected ${spec.dtype} [${spec.shape}])`,
      );
    }
    if (feedDtype(f) !== spec.dtype) {
      throw new TypeError(
        `Cannot run program '${name}': input '${spec.name}' must be ${spec.dtype}: current dtype is ${
          feedDtype(f)
        }`,
      );
    }
    const shape = feedShape(f);
    if (shape.length !== spec.shape.length) {
      throw new RangeError(
        `Cannot run program '${name}': input '${spec.name}' must have shape [${spec.shape}]: current shape is [${shape}]`,
      );
    }
    spec.shape.forEach((d: Dim, i) => {
      const got = shape[i];
      if (typeof d === "number" && d !== got) {
        throw new RangeError(
          `Cannot run program '${name}': input '${spec.name}' must have shape [${spec.shape}]: current shape is [${shape}]`,
        );
      }
      if (typeof d === "string" && d !== "?") {
        const prev = bound.get(d);
        if (prev && prev.size !== got) {
          throw new RangeError(
            `Cannot run program '${name}': dimension '${d}' is ${prev.size} in input '${prev.input}' but ${got} in input '${spec.name}' (shape [${shape}])`,
          );
        }
        bound.set(d, { size: got, input: spec.name });
      }
    });
  }
  const known = new Set(signature.inputs.map((s) => s.name));
  for (const name of Object.keys(feeds)) {
    if (!known.has(name)) {
      throw new Error(
        `Cannot run program '${name}': '${name}' is not an input of this program (inputs: ${
          [...known].join(", ")
        })`,
      );
    }
  }
}

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** Outputs to fetch; all when omitted. */
  outputs?: readonly string[];
  /** Skip feed validation (for hot loops whose feeds were checked once). @default false */
  trusted?: boolean;
  /** Filled with the milliseconds spent inside ONNX Runtime's run, for overhead accounting. */
  timing?: { sessionMs: number };
}

/**
 * Runs a program: the one place every session run goes through. Feeds are checked against the
 * program's signature first, so a wrong name, dtype or shape is reported by input name; every
 * error names the program.
 *
 * @example A wrong shape is reported with the program's name and the input's
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph } from "../graph/ir.ts";
 * import { mul } from "../graph/ops.ts";
 * import { tensor } from "../graph/tensor.ts";
 * import { compile, createRuntime, runProgram } from "./program.ts";
 * const g = new Graph();
 * const x = g.input("x", "float32", [2]);
 * const prog = await compile(createRuntime({ threads: 1 }), g, { y: mul(x, x) }, { name: "square" });
 * assert.deepEqual([...(await runProgram(prog, { x: tensor("float32", [2], [3, 4]) })).y.data], [9, 16]);
 * await assert.rejects(
 *   () => runProgram(prog, { x: tensor("float32", [3]) }),
 *   /Cannot run program 'square': input 'x' must have shape \[2\]: current shape is \[3\]/,
 * );
 * ```
 */
export async function runProgram(
  program: Program,
  feeds: Record<string, Feed>,
  options: RunOptions = {},
): Promise<Record<string, HostTensor>> {
  if (!options.trusted) checkFeeds(program.signature, feeds, program.name);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const spec of program.signature.inputs) ortFeeds[spec.name] = toOrt(feeds[spec.name]);
  const names = options.outputs ?? program.signature.outputs.map((o) => o.name);
  let result: ort.InferenceSession.ReturnType;
  const t0 = performance.now();
  try {
    result = await program.session.run(ortFeeds, names as string[]);
    if (options.timing) options.timing.sessionMs = performance.now() - t0;
  } catch (e) {
    throw new Error(`Cannot run program '${program.name}': ${(e as Error).message}`, {
      cause: e,
    });
  }
  const out: Record<string, HostTensor> = {};
  for (const n of names) out[n] = fromOrt(result[n]);
  return out;
}
