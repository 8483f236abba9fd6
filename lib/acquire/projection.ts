/**
 * Random projection of long vectors (per-example gradients, ~1.7M floats) to a few thousand
 * dimensions, so inner products and cosines between them are cheap to keep and compare.
 *
 * The projection is a CountSketch (a sparse sign projection with one nonzero per input
 * coordinate): coordinate i goes to bucket h(i) ∈ [0, d) with sign s(i) = ±1, and
 * (Sx)ₖ = Σ_{i: h(i)=k} s(i)·xᵢ. It costs one pass over x and stores only h and s (5 bytes per
 * input coordinate), where a dense d × n Gaussian matrix would take 4·d·n bytes (14 GB for
 * n = 1.7M, d = 2048). It preserves inner products in the Johnson–Lindenstrauss sense:
 * E⟨Sx, Sy⟩ = ⟨x, y⟩ exactly, with Var⟨Sx, Sy⟩ = (1/d)·Σ_{i≠j}(xᵢ²yⱼ² + xᵢyᵢxⱼyⱼ)
 * ≤ 2‖x‖²‖y‖²/d, so the error of an inner product is about √(2/d)·‖x‖‖y‖ (≈ 0.031 for
 * d = 2048) or less, and a cosine is off by about that much. A vector's sketch is linear in it,
 * so the mean of sketches is the sketch of the mean, and Sx = ±Sy whenever x = ±y.
 *
 * @module
 */

import type { Rng } from "../run/mod.ts";

/** A CountSketch from `inputDim` to `dim` dimensions. */
export interface CountSketch {
  readonly inputDim: number;
  readonly dim: number;
  /** h(i): the output coordinate of input coordinate i. */
  readonly bucket: Int32Array;
  /** s(i): ±1. */
  readonly sign: Int8Array;
}

/**
 * A CountSketch with buckets and signs drawn from `rng` (pass a split stream, e.g.
 * `context.rng.split("influence:projection")`, so it does not depend on other draws).
 *
 * @example Projecting keeps inner products on average, and x and −x exactly opposite
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { countSketch, projectVector } from "./projection.ts";
 * const s = countSketch(10_000, 512, createRng(1));
 * const x = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i));
 * const px = projectVector(s, x);
 * const nx = projectVector(s, x.map((v) => -v));
 * assert.ok(px.every((v, k) => v === -nx[k]));
 * ```
 */
export function countSketch(inputDim: number, dim: number, rng: Rng): CountSketch {
  if (!Number.isInteger(inputDim) || inputDim < 1) {
    throw new RangeError(
      `Cannot build projection: 'inputDim' must be an integer ≥ 1: current value is ${inputDim}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `Cannot build projection: 'dim' must be an integer ≥ 1: current value is ${dim}`,
    );
  }
  const bucket = new Int32Array(inputDim);
  const sign = new Int8Array(inputDim);
  for (let i = 0; i < inputDim; i++) {
    const u = rng.next();
    bucket[i] = Math.floor(u * dim);
    sign[i] = rng.next() < 0.5 ? -1 : 1;
  }
  return { inputDim, dim, bucket, sign };
}

/** S·x, accumulated in float64. */
export function projectVector(sketch: CountSketch, x: ArrayLike<number>): Float64Array {
  if (x.length !== sketch.inputDim) {
    throw new RangeError(
      `Cannot project: the vector has ${x.length} entries but the projection takes ${sketch.inputDim}`,
    );
  }
  const out = new Float64Array(sketch.dim);
  const { bucket, sign } = sketch;
  for (let i = 0; i < x.length; i++) out[bucket[i]] += sign[i] * x[i];
  return out;
}

/** ⟨a, b⟩ / (‖a‖‖b‖); 0 when either is the zero vector (no direction to agree with). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb))) : 0;
}
