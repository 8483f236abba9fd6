/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Half-precision tensors
 * (F16, BF16) are widened to float32 on read, since the engine computes in float32 or float64.
 *
 * @module
 */

import { type DType, type HostTensor, sizeOf, type TensorArray } from "../graph/tensor.ts";

/** Storage dtypes this reader knows, and the engine dtype each becomes. */
const READ_AS: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: "float32", bytes: 4 },
  F64: { dtype: "float64", bytes: 8 },
  F16: { dtype: "float32", bytes: 2 },
  BF16: { dtype: "float32", bytes: 2 },
  I64: { dtype: "int64", bytes: 8 },
  I32: { dtype: "int32", bytes: 4 },
  BOOL: { dtype: "bool", bytes: 1 },
  U8: { dtype: "bool", bytes: 1 },
};

const WRITE_AS: Record<DType, string> = {
  float32: "F32",
  float64: "F64",
  int64: "I64",
  int32: "I32",
  bool: "BOOL",
};

/** Exact float16 → float32 (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 → float16 bits, rounding to nearest even. */
export function f32ToF16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** What a parsed file holds. */
export interface Safetensors {
  readonly tensors: Map<string, HostTensor>;
  readonly metadata: Record<string, string>;
}

/**
 * Parses safetensors bytes. `source` names the file in error messages.
 *
 * @example Round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { parseSafetensors, serializeSafetensors } from "./safetensors.ts";
 * const bytes = serializeSafetensors(new Map([["w", tensor("float32", [2], [1.5, -2])]]));
 * assert.ok(parseSafetensors(bytes).tensors.get("w")!.data[1] === -2);
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, source = "<bytes>"): Safetensors {
  const fail = (why: string): never => {
    throw new Error(`Cannot read safetensors ${source}: ${why}`);
  };
  if (bytes.length < 8) {
    fail(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.length) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, HostTensor>();
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const info = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const kind = READ_AS[info.dtype ?? ""];
    if (!kind) {
      fail(
        `tensor '${name}' has dtype '${info.dtype}' (supported: ${
          Object.keys(READ_AS).join(", ")
        })`,
      );
    }
    if (!Array.isArray(info.shape) || info.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(info.shape)}`);
    }
    const [b, e] = info.data_offsets ?? [NaN, NaN];
    const need = sizeOf(info.shape!) * kind.bytes;
    if (!(Number.isInteger(b) && Number.isInteger(e) && b >= 0 && e <= dataLen && e - b === need)) {
      fail(
        `tensor '${name}' has data_offsets [${b}, ${e}] but shape [${info.shape}] of ${info.dtype} needs ${need} bytes within ${dataLen}`,
      );
    }
    ranges.push([b, e, name]);
    tensors.set(
      name,
      decode(bytes.subarray(dataStart + b, dataStart + e), info.dtype!, info.shape!),
    );
  }
  ranges.sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      fail(`tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
    }
  }
  return { tensors, metadata };
}

function decode(raw: Uint8Array, dtype: string, shape: number[]): HostTensor {
  // Copy into an aligned buffer: the data section need not be aligned to the element size.
  const buf = raw.slice().buffer;
  const n = sizeOf(shape);
  let data: TensorArray;
  switch (dtype) {
    case "F32":
      data = new Float32Array(buf);
      break;
    case "F64":
      data = new Float64Array(buf);
      break;
    case "I64":
      data = new BigInt64Array(buf);
      break;
    case "I32":
      data = new Int32Array(buf);
      break;
    case "F16": {
      const h = new Uint16Array(buf);
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = f16ToF32(h[i]);
      break;
    }
    case "BF16": {
      const h = new Uint16Array(buf);
      const u = new Uint32Array(n);
      for (let i = 0; i < n; i++) u[i] = h[i] << 16;
      data = new Float32Array(u.buffer);
      break;
    }
    default:
      data = new Uint8Array(buf);
  }
  return { dtype: READ_AS[dtype].dtype, shape, data } as HostTensor;
}

/** Options of {@link serializeSafetensors}. */
export interface SerializeOptions {
  /** Store float tensors as float16; others keep their dtype. @default false */
  readonly half?: boolean;
}

/** Serialises tensors (sorted by name) with optional string metadata. */
export function serializeSafetensors(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
  options: SerializeOptions = {},
): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).sort((
    [a],
    [b],
  ) => (a < b ? -1 : 1));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    let blob: Uint8Array;
    let dtype = WRITE_AS[t.dtype];
    if (options.half && (t.dtype === "float32" || t.dtype === "float64")) {
      const h = new Uint16Array(t.data.length);
      for (let i = 0; i < h.length; i++) h[i] = f32ToF16(t.data[i] as number);
      blob = new Uint8Array(h.buffer);
      dtype = "F16";
    } else {
      blob = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Reads a safetensors file. */
export async function readSafetensorsFile(path: string): Promise<Safetensors> {
  return parseSafetensors(await Deno.readFile(path), path);
}

/** Writes a safetensors file atomically: to `path.tmp`, then renamed over `path`. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
  options?: SerializeOptions,
): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeFile(tmp, serializeSafetensors(tensors, metadata, options));
  await Deno.rename(tmp, path);
}
