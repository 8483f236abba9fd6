/**
 * Cheap copies of a parameter store (weights or optimizer state) held in memory, and putting
 * them back: what an audit needs to train from the same start many times without reloading.
 *
 * @module
 */

import type { HostTensor } from "../graph/mod.ts";
import type { ParamStore } from "../runtime/mod.ts";

/** A copy of every tensor of a store, by name (each array copied, so later steps cannot touch it). */
export type StoreSnapshot = ReadonlyMap<string, HostTensor>;

function copyTensor(t: HostTensor): HostTensor {
  return { ...t, shape: [...t.shape], data: t.data.slice() } as HostTensor;
}

/**
 * Copies every tensor of `store` (the arrays themselves, not references).
 *
 * @example Snapshot, change, restore
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/mod.ts";
 * import { restoreStore, snapshotStore } from "./snapshot.ts";
 * const store = new Map([["w", tensor("float32", [2], [1, 2])]]);
 * const snap = snapshotStore(store);
 * store.set("w", tensor("float32", [2], [5, 6]));
 * restoreStore(store, snap);
 * assert.deepEqual([...store.get("w")!.data], [1, 2]);
 * ```
 */
export function snapshotStore(store: ParamStore): StoreSnapshot {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of store) out.set(name, copyTensor(t));
  return out;
}

/**
 * Puts a snapshot back into `store`: each tensor replaced by a fresh copy of the snapshot's (so
 * the snapshot stays intact for the next restore), and names the snapshot lacks removed.
 *
 * @example Restoring twice from one snapshot
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/mod.ts";
 * import { restoreStore, snapshotStore } from "./snapshot.ts";
 * const store = new Map([["w", tensor("float32", [1], [1])]]);
 * const snap = snapshotStore(store);
 * restoreStore(store, snap);
 * (store.get("w")!.data as Float32Array)[0] = 9; // an in-place change touches the copy only
 * restoreStore(store, snap);
 * assert.equal(store.get("w")!.data[0], 1);
 * ```
 */
export function restoreStore(store: ParamStore, snapshot: StoreSnapshot): void {
  for (const name of [...store.keys()]) if (!snapshot.has(name)) store.delete(name);
  for (const [name, t] of snapshot) store.set(name, copyTensor(t));
}

/**
 * Whether `store` holds exactly the snapshot's tensors: same names, dtypes, shapes and every
 * element bit for bit (so NaN equals NaN and 0 differs from −0).
 *
 * @example Bit-for-bit equality
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/mod.ts";
 * import { snapshotStore, storeEquals } from "./snapshot.ts";
 * const store = new Map([["w", tensor("float32", [1], [0])]]);
 * const snap = snapshotStore(store);
 * assert.ok(storeEquals(store, snap));
 * store.set("w", tensor("float32", [1], [-0]));
 * assert.ok(!storeEquals(store, snap));
 * ```
 */
export function storeEquals(store: ParamStore, snapshot: StoreSnapshot): boolean {
  if (store.size !== snapshot.size) return false;
  for (const [name, s] of snapshot) {
    const t = store.get(name);
    if (!t || t.dtype !== s.dtype || t.shape.join() !== s.shape.join()) return false;
    if (t.data.length !== s.data.length) return false;
    const a = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const b = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  }
  return true;
}
