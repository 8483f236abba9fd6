/**
 * Parameter stores: named host tensors that programs read and that train steps replace, saved
 * to and loaded from safetensors. One store serves every program over the same model, so a
 * training step's new weights are what the next sampling call reads.
 *
 * @module
 */

import { type DType, type HostTensor, type Shape, tensor } from "../graph/mod.ts";
import { readSafetensorsFile, writeSafetensorsFile } from "./safetensors.ts";

/** Named tensors. A plain Map, so callers can iterate, copy and inspect it freely. */
export type ParamStore = Map<string, HostTensor>;

/** A store with every named tensor set to zeros of its spec. */
export function zerosFor(
  specs: readonly { name: string; dtype: DType; shape: Shape }[],
): ParamStore {
  const store: ParamStore = new Map();
  for (const s of specs) {
    if (s.shape.some((d) => typeof d !== "number")) {
      throw new Error(`Cannot allocate '${s.name}': its shape [${s.shape}] is not fully known`);
    }
    store.set(s.name, tensor(s.dtype, s.shape as number[]));
  }
  return store;
}

/**
 * Total number of elements in a store (or in the tensors whose names pass `filter`). For the
 * parameter count of a model config, see `countParams` in lib/model/size.ts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { countElements } from "./params.ts";
 * const store = new Map([["a", tensor("float32", [2, 3])], ["b.bias", tensor("float32", [4])]]);
 * assert.equal(countElements(store), 10);
 * assert.equal(countElements(store, (n) => !n.endsWith(".bias")), 6);
 * ```
 */
export function countElements(
  store: ParamStore,
  filter: (name: string) => boolean = () => true,
): number {
  let n = 0;
  for (const [k, t] of store) if (filter(k)) n += t.data.length;
  return n;
}

/**
 * Saves a store to a safetensors file (atomically: a crash never leaves a half-written file).
 *
 * @example Save and load
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { loadParams, saveParams } from "./params.ts";
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await saveParams(path, new Map([["w", tensor("float32", [2], [1, 2])]]));
 * assert.ok((await loadParams(path)).get("w")!.data[1] === 2);
 * ```
 */
export async function saveParams(
  path: string,
  store: ParamStore,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeSafetensorsFile(path, store, metadata);
}

/** Loads a store from a safetensors file. */
export async function loadParams(path: string): Promise<ParamStore> {
  const { tensors } = await readSafetensorsFile(path);
  return tensors;
}

/**
 * Checks that `store` holds exactly the tensors `specs` names, with their dtypes and shapes;
 * the error names every missing, unexpected and mismatched tensor.
 */
export function checkParams(
  store: ParamStore,
  specs: readonly { name: string; dtype: DType; shape: Shape }[],
  what = "parameters",
): void {
  const want = new Map(specs.map((s) => [s.name, s]));
  const missing = specs.filter((s) => !store.has(s.name)).map((s) => s.name);
  const unexpected = [...store.keys()].filter((k) => !want.has(k));
  const mismatched: string[] = [];
  for (const [k, t] of store) {
    const s = want.get(k);
    if (!s) continue;
    const shapeOk = s.shape.length === t.shape.length &&
      s.shape.every((d, i) => typeof d !== "number" || d === t.shape[i]);
    if (s.dtype !== t.dtype || !shapeOk) {
      mismatched.push(`'${k}' is ${t.dtype} [${t.shape}] but must be ${s.dtype} [${s.shape}]`);
    }
  }
  const parts: string[] = [];
  if (missing.length) parts.push(`missing: ${missing.join(", ")}`);
  if (unexpected.length) parts.push(`unexpected: ${unexpected.join(", ")}`);
  if (mismatched.length) parts.push(`mismatched: ${mismatched.join("; ")}`);
  if (parts.length) throw new Error(`Cannot use ${what}: ${parts.join("; ")}`);
}
