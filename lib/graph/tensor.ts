/**
 * Host tensors: concrete arrays with a dtype and a shape, the values that flow in and out of
 * graphs (constants, parameters, batches, program outputs).
 *
 * @module
 */

/** Element types the engine knows. `bool` is stored one byte per element (0 or 1). */
export type DType = "float32" | "float64" | "int64" | "int32" | "bool";

/** The typed array that holds each dtype. */
export type ArrayOf<D extends DType> = D extends "float32" ? Float32Array
  : D extends "float64" ? Float64Array
  : D extends "int64" ? BigInt64Array
  : D extends "int32" ? Int32Array
  : Uint8Array;

/** Any array a host tensor may hold. */
export type TensorArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** A concrete tensor in host memory, row-major. */
export interface HostTensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: ArrayOf<D>;
}

/** Whether a dtype carries gradients. */
export function isFloat(dtype: DType): dtype is "float32" | "float64" {
  return dtype === "float32" || dtype === "float64";
}

/** Number of elements of a concrete shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocates a zero-filled array of a dtype. */
export function allocate<D extends DType>(dtype: D, size: number): ArrayOf<D> {
  switch (dtype) {
    case "float32":
      return new Float32Array(size) as ArrayOf<D>;
    case "float64":
      return new Float64Array(size) as ArrayOf<D>;
    case "int64":
      return new BigInt64Array(size) as ArrayOf<D>;
    case "int32":
      return new Int32Array(size) as ArrayOf<D>;
    case "bool":
      return new Uint8Array(size) as ArrayOf<D>;
  }
  throw new TypeError(`Cannot allocate: unknown dtype '${dtype}'`);
}

/** The dtype whose array class matches `data`. */
export function dtypeOfArray(data: TensorArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

/**
 * Builds a host tensor, checking that the array length matches the shape.
 *
 * @example Make a 2x2 float32 matrix
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "./tensor.ts";
 * const t = tensor("float32", [2, 2], [1, 2, 3, 4]);
 * assert.ok(t.data[3] === 4);
 * ```
 */
export function tensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  values?: ArrayLike<number> | ArrayLike<bigint> | ArrayOf<D>,
): HostTensor<D> {
  const size = sizeOf(shape);
  let data: ArrayOf<D>;
  if (values === undefined) {
    data = allocate(dtype, size);
  } else if (ArrayBuffer.isView(values) && dtypeOfArray(values as TensorArray) === dtype) {
    data = values as ArrayOf<D>;
  } else {
    data = allocate(dtype, size);
    const src = values as ArrayLike<number | bigint>;
    if (dtype === "int64") {
      for (let i = 0; i < src.length; i++) (data as BigInt64Array)[i] = BigInt(src[i]);
    } else {
      for (let i = 0; i < src.length; i++) {
        (data as Float64Array)[i] = Number(src[i]);
      }
    }
  }
  if (data.length !== size) {
    throw new RangeError(
      `Cannot make tensor: shape [${shape}] holds ${size} elements but ${data.length} were given`,
    );
  }
  return { dtype, shape: [...shape], data };
}

/** A scalar host tensor. */
export function scalar<D extends DType>(dtype: D, value: number | bigint): HostTensor<D> {
  return tensor(dtype, [], [value] as ArrayLike<number>);
}
