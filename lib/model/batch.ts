/**
 * Packing token sequences into the (B,T) int64 tensors full-sequence programs read: right padding,
 * attention mask, positions, and next-token targets.
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/mod.ts";

/** A packed batch. */
export interface PackedBatch {
  readonly input_ids: HostTensor<"int64">;
  readonly attention_mask: HostTensor<"int64">;
  readonly position_ids: HostTensor<"int64">;
  /** Next-token targets: targets[b][t] = ids[b][t+1]; 0 past the end (mask it out). */
  readonly targets: HostTensor<"int64">;
  /** 1 where a target exists (t + 1 < length), else 0, as float32. */
  readonly targetMask: HostTensor<"float32">;
  readonly lengths: number[];
  readonly width: number;
}

/**
 * Right-pads sequences to one width (the longest, or `width`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packSequences } from "./batch.ts";
 * const b = packSequences([[1, 5, 6], [1, 7]]);
 * assert.ok(b.targets.data[0] === 5n && b.targetMask.data[4] === 0);
 * ```
 */
export function packSequences(
  seqs: readonly (readonly number[])[],
  width?: number,
  pad = 0,
): PackedBatch {
  if (seqs.length === 0) throw new Error("Cannot pack an empty batch");
  const w = width ?? Math.max(...seqs.map((s) => s.length));
  seqs.forEach((s, i) => {
    if (s.length === 0) throw new Error(`Cannot pack sequence ${i}: it is empty`);
    if (s.length > w) {
      throw new RangeError(`Cannot pack sequence ${i}: ${s.length} tokens exceed the width ${w}`);
    }
  });
  const b = seqs.length;
  const ids = new BigInt64Array(b * w),
    mask = new BigInt64Array(b * w),
    pos = new BigInt64Array(b * w);
  const tgt = new BigInt64Array(b * w), tmask = new Float32Array(b * w);
  seqs.forEach((s, r) => {
    for (let t = 0; t < w; t++) {
      const i = r * w + t;
      const real = t < s.length;
      ids[i] = BigInt(real ? s[t] : pad);
      mask[i] = real ? 1n : 0n;
      pos[i] = BigInt(real ? t : 0);
      if (t + 1 < s.length) {
        tgt[i] = BigInt(s[t + 1]);
        tmask[i] = 1;
      }
    }
  });
  return {
    input_ids: tensor("int64", [b, w], ids),
    attention_mask: tensor("int64", [b, w], mask),
    position_ids: tensor("int64", [b, w], pos),
    targets: tensor("int64", [b, w], tgt),
    targetMask: tensor("float32", [b, w], tmask),
    lengths: seqs.map((s) => s.length),
    width: w,
  };
}
