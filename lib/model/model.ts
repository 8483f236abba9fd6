/**
 * A language model: its config, ONE parameter store, a runtime, an optional tokenizer, and the
 * programs compiled over them. Training replaces tensors in the store; the next scoring or
 * sampling call reads them, with no export or reload.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { Graph, HostTensor, Value } from "../graph/mod.ts";
import {
  checkParams,
  compile,
  type ParamStore,
  type Program,
  readSafetensorsFile,
  type Runtime,
} from "../runtime/mod.ts";
import { checkTokenizerMatchesModel, loadTokenizer, type Tokenizer } from "../text/mod.ts";
import { type LlamaConfig, llamaConfigFromHf, llamaParamShapes } from "./config.ts";
import { readLlama2c } from "./llama2c.ts";
import { weightConstants } from "./llama.ts";
import { buildDecodeGraph, buildEmbedGraph, buildScoreGraph } from "./programs.ts";

/** A loaded model. */
export interface LanguageModel {
  readonly config: LlamaConfig;
  readonly store: ParamStore;
  readonly runtime: Runtime;
  readonly tokenizer?: Tokenizer;
  /** Compiled programs by kind, filled on first use. */
  readonly programs: Map<string, Promise<Program>>;
}

/** The parameter specs of a config, for `checkParams`. */
export function paramSpecs(
  c: LlamaConfig,
): { name: string; dtype: "float32"; shape: number[] }[] {
  return [...llamaParamShapes(c)].map(([name, shape]) => ({
    name,
    dtype: "float32" as const,
    shape,
  }));
}

/** Wraps a config and store as a model, checking every tensor is present with its shape. */
export function createModel(
  config: LlamaConfig,
  store: ParamStore,
  runtime: Runtime,
  tokenizer?: Tokenizer,
): LanguageModel {
  checkParams(store, paramSpecs(config), "model weights");
  if (tokenizer) checkTokenizerMatchesModel(tokenizer, config.vocabSize);
  return { config, store, runtime, tokenizer, programs: new Map() };
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** A tokenizer path (folder, tokenizer.json or llama2.c .bin); defaults to the model folder's. */
  readonly tokenizer?: string;
}

/**
 * Loads a model from a Hugging Face folder (`config.json`, `model.safetensors` or shards listed in
 * `model.safetensors.index.json`, optional `tokenizer.json`), a weights file inside such a folder
 * (a `.safetensors` file or the shard index), or a llama2.c checkpoint (`.bin`).
 *
 * @example Load the project's default student and read its size
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { loadModel } from "./model.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * assert.equal(model.config.vocabSize, model.tokenizer!.vocabSize);
 * ```
 */
export async function loadModel(
  path: string,
  runtime: Runtime,
  options: LoadModelOptions = {},
): Promise<LanguageModel> {
  const info = await Deno.stat(path).catch(() => {
    throw new Error(`Cannot load model: '${path}' does not exist`);
  });
  let config: LlamaConfig;
  let store: ParamStore;
  let tokenizerPath = options.tokenizer;
  if (info.isFile && path.endsWith(".bin")) {
    const ck = readLlama2c(await Deno.readFile(path), path);
    config = ck.config;
    store = ck.tensors as ParamStore;
  } else {
    const dir = info.isDirectory ? path.replace(/(.)\/+$/, "$1") : dirname(path);
    const json = await Deno.readTextFile(join(dir, "config.json")).then(JSON.parse, (e) => {
      throw new Error(`Cannot load model: ${join(dir, "config.json")}: ${(e as Error).message}`);
    });
    config = llamaConfigFromHf(json);
    const { tensors, source } = await readWeights(info.isDirectory ? dir : path);
    store = tensors;
    // A tied checkpoint may carry lm_head anyway; drop the duplicate.
    if (config.tieWordEmbeddings) store.delete("lm_head.weight");
    for (const [k, t] of store) if (t.dtype !== "float32") store.set(k, toFloat32(t, k, source));
    if (!tokenizerPath && await exists(join(dir, "tokenizer.json"))) tokenizerPath = dir;
  }
  const tokenizer = tokenizerPath ? await loadTokenizer(tokenizerPath) : undefined;
  return createModel(config, store, runtime, tokenizer);
}

const SHARD_INDEX = "model.safetensors.index.json";

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/**
 * The weights of a folder (its `model.safetensors`, else the shards its index lists), of one
 * `.safetensors` file, or of a shard index file.
 */
async function readWeights(path: string): Promise<{ tensors: ParamStore; source: string }> {
  let index = path.endsWith(".index.json") ? path : undefined;
  if (!index && (await Deno.stat(path)).isDirectory) {
    const single = join(path, "model.safetensors");
    if (await exists(single)) path = single;
    else if (await exists(join(path, SHARD_INDEX))) index = join(path, SHARD_INDEX);
    else {
      throw new Error(
        `Cannot load model: ${path} holds neither model.safetensors nor ${SHARD_INDEX}`,
      );
    }
  }
  if (!index) return { tensors: (await readSafetensorsFile(path)).tensors, source: path };
  return { tensors: await readShards(index), source: index };
}

/** Reads every shard an index's `weight_map` names and checks each holds what the map says. */
async function readShards(index: string): Promise<ParamStore> {
  const json = await Deno.readTextFile(index).then(JSON.parse, (e) => {
    throw new Error(`Cannot load model: ${index}: ${(e as Error).message}`);
  });
  const map = json?.weight_map;
  if (!map || typeof map !== "object" || Object.keys(map).length === 0) {
    throw new Error(`Cannot load model: ${index}: 'weight_map' must map tensor names to files`);
  }
  const dir = dirname(index);
  const store: ParamStore = new Map();
  const files = [...new Set(Object.values(map as Record<string, unknown>))];
  for (const file of files) {
    if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
      throw new Error(
        `Cannot load model: ${index}: 'weight_map' values must be file names in the folder: current value is ${
          JSON.stringify(file)
        }`,
      );
    }
    const shard = join(dir, file);
    if (!(await exists(shard))) {
      throw new Error(`Cannot load model: ${index} lists shard '${file}', which does not exist`);
    }
    for (const [name, t] of (await readSafetensorsFile(shard)).tensors) {
      if (map[name] !== file) continue;
      store.set(name, t);
    }
  }
  for (const [name, file] of Object.entries(map)) {
    if (!store.has(name)) {
      throw new Error(`Cannot load model: ${index} puts '${name}' in '${file}', which lacks it`);
    }
  }
  return store;
}

function toFloat32(t: HostTensor, name: string, file: string): HostTensor {
  if (t.dtype !== "float64") {
    throw new Error(`Cannot load model: ${file}: tensor '${name}' is ${t.dtype}, not a float`);
  }
  return { dtype: "float32", shape: t.shape, data: Float32Array.from(t.data as Float64Array) };
}

async function cached(
  model: LanguageModel,
  key: string,
  build: () => { graph: Graph; outputs: Record<string, Value> },
) {
  let p = model.programs.get(key);
  if (!p) {
    const { graph, outputs } = build();
    p = compile(model.runtime, graph, outputs, { name: key });
    model.programs.set(key, p);
  }
  return await p;
}

/**
 * The KV-cache decoder program of a model, with the current weights baked in as constants:
 * ONNX Runtime pre-packs constant weights for its matrix kernels, which makes decoding about
 * twice as fast as feeding them. The program is rebuilt when any weight tensor in the store has
 * been replaced (a training step replaces them), so sampling always sees the latest weights.
 * `spin: false` builds one whose threads do not spin between runs (see `CompileOptions.spin`);
 * `hidden: true` one that also returns the last position's hidden state, `splitCache: true` one
 * that returns the new tokens' keys and values instead of the whole cache (see
 * `buildDecodeGraph`); each setting keeps its own program.
 */
export async function decodeProgram(
  model: LanguageModel,
  options: { spin?: boolean; hidden?: boolean; splitCache?: boolean } = {},
): Promise<Program> {
  const spin = options.spin ?? true;
  const hidden = options.hidden ?? false;
  const splitCache = options.splitCache ?? false;
  const key = `${spin ? "spin" : "rest"}/${hidden ? "hidden" : "logits"}/${
    splitCache ? "split" : "present"
  }`;
  const names = [...llamaParamShapes(model.config).keys()];
  const current = names.map((n) => model.store.get(n));
  const byKey = snapshots.get(model) ?? new Map<string, DecoderSnapshot>();
  snapshots.set(model, byKey);
  const snap = byKey.get(key);
  if (snap && snap.tensors.every((t, i) => t === current[i])) return await snap.program;
  if (snap) snap.program.then((p) => p.session.release()).catch(() => {});
  // The fused RoPE kernel is float32/float16 only; float64 models (gradient checks) keep plain ops.
  const contribOps = model.store.get("model.embed_tokens.weight")?.dtype === "float32";
  const { graph, outputs } = buildDecodeGraph(
    model.config,
    (g) => weightConstants(g, model.config, model.store),
    "float32",
    { contribOps, hidden, splitCache },
  );
  const program = compile(model.runtime, graph, outputs, { cache: false, name: "decode", spin });
  byKey.set(key, { tensors: current, program });
  return await program;
}

/** The weight tensors each model's decoder was built from, keyed by the model object itself. */
interface DecoderSnapshot {
  readonly tensors: (HostTensor | undefined)[];
  readonly program: Promise<Program>;
}
const snapshots = new WeakMap<
  LanguageModel,
  Map<string, DecoderSnapshot>
>();

/** The scoring program of a model. */
export function scoreProgram(model: LanguageModel): Promise<Program> {
  return cached(model, "score", () => buildScoreGraph(model.config));
}

/** The pooled-hidden-state program of a model. */
export function embedProgram(model: LanguageModel): Promise<Program> {
  return cached(model, "embed", () => buildEmbedGraph(model.config));
}

/** The weights as feeds (the store's tensors the programs read). */
export function weightFeeds(model: LanguageModel): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const name of llamaParamShapes(model.config).keys()) out[name] = model.store.get(name)!;
  return out;
}
