/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON naming each
 * tensor's dtype, shape and byte range (`data_offsets`, relative to the data section) plus an
 * optional `__metadata__` map of strings, then the raw little-endian data. Half-precision tensors
 * (F16, BF16) are widened to float32 on read, since the engine computes in float32 or float64;
 * on write, float tensors may be narrowed to either (round to nearest, ties to even).
 *
 * @module
 */

import { type DType, type HostTensor, sizeOf, type TensorArray } from "../graph/mod.ts";

/** Storage dtypes this reader knows, and the engine dtype each becomes. */
const READ_AS: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: "float32", bytes: 4 },
  F64: { dtype: "float64", bytes: 8 },
  F16: { dtype: "float32", bytes: 2 },
  BF16: { dtype: "float32", bytes: 2 },
  I64: { dtype: "int64", bytes: 8 },
  I32: { dtype: "int32", bytes: 4 },
  BOOL: { dtype: "bool", bytes: 1 },
  // The engine has no uint8; bytes are kept as they are in a "bool" (one byte per element) tensor.
  U8: { dtype: "bool", bytes: 1 },
};

const WRITE_AS: Record<DType, { name: string; bytes: number }> = {
  float32: { name: "F32", bytes: 4 },
  float64: { name: "F64", bytes: 8 },
  int64: { name: "I64", bytes: 8 },
  int32: { name: "I32", bytes: 4 },
  bool: { name: "BOOL", bytes: 1 },
};

/** Exact float16 bits → number (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Exact bfloat16 bits → number: a bfloat16 is the top half of a float32. */
export function bf16ToF32(h: number): number {
  const u = new Uint32Array([(h & 0xffff) << 16]);
  return new Float32Array(u.buffer)[0];
}

function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * Bits of the binary float with `expBits` exponent and `mantBits` fraction bits nearest to `x`
 * (ties to even). Works from the exact value of `x`, so a float64 input is rounded once, not
 * first to float32 and then again (double rounding).
 */
function toSmallFloatBits(x: number, expBits: number, mantBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const maxField = (1 << expBits) - 1;
  const emin = 1 - bias;
  if (Number.isNaN(x)) return (maxField << mantBits) | (1 << (mantBits - 1)); // quiet NaN
  const sign = x < 0 || Object.is(x, -0) ? 1 << (expBits + mantBits) : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | (maxField << mantBits);
  if (a < 2 ** emin) {
    // Subnormal: a multiple of 2^(emin − mantBits). Rounding up to 2^mantBits gives exactly the
    // smallest normal's encoding, so no special case is needed.
    return sign | roundHalfEven(a * 2 ** (mantBits - emin));
  }
  let e = Math.floor(Math.log2(a));
  // log2 may be off by one near powers of two; fix e so that 2^e ≤ a < 2^(e+1).
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let r = roundHalfEven((a / 2 ** e - 1) * 2 ** mantBits);
  if (r === 2 ** mantBits) {
    r = 0;
    e++;
  }
  if (e > bias) return sign | (maxField << mantBits);
  return sign | ((e + bias) << mantBits) | r;
}

/**
 * Number → float16 bits, rounding to nearest even; overflow gives ±Infinity.
 *
 * @example Known bit patterns
 * ```ts
 * import assert from "node:assert/strict";
 * import { f32ToF16 } from "./safetensors.ts";
 * assert.equal(f32ToF16(1), 0x3c00);
 * assert.equal(f32ToF16(-2.5), 0xc100);
 * assert.equal(f32ToF16(2 ** -24), 0x0001);
 * ```
 */
export function f32ToF16(x: number): number {
  return toSmallFloatBits(x, 5, 10);
}

/** Number → bfloat16 bits, rounding to nearest even; overflow gives ±Infinity. */
export function f32ToBf16(x: number): number {
  return toSmallFloatBits(x, 8, 7);
}

/** What a parsed file holds. */
export interface Safetensors {
  readonly tensors: Map<string, HostTensor>;
  readonly metadata: Record<string, string>;
}

/**
 * Parses safetensors bytes. `source` names the file in error messages. Every tensor is checked:
 * a known dtype, a valid shape, `data_offsets` inside the data section whose length is exactly
 * shape × item size, and no two tensors overlapping.
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
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    return fail(`the header is not a JSON object`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, HostTensor>();
  const metadata = readMetadata((header as Record<string, unknown>).__metadata__, fail);
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (raw === null || typeof raw !== "object") {
      fail(`tensor '${name}' has no {dtype, shape, data_offsets} entry`);
    }
    const info = raw as { dtype?: string; shape?: number[]; data_offsets?: unknown };
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
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isInteger)) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [b, e] = offsets as [number, number];
    const need = sizeOf(info.shape!) * kind.bytes;
    if (e - b !== need) {
      fail(
        `tensor '${name}' has data_offsets [${b}, ${e}] but shape [${info.shape}] of ${info.dtype} needs ${need} bytes`,
      );
    }
    if (b < 0 || e > dataLen) {
      fail(
        `tensor '${name}' has data_offsets [${b}, ${e}] outside the data section of ${dataLen} bytes`,
      );
    }
    if (e > b) ranges.push([b, e, name]); // an empty tensor overlaps nothing
    tensors.set(
      name,
      decode(bytes.subarray(dataStart + b, dataStart + e), info.dtype!, info.shape!),
    );
  }
  ranges.sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      fail(
        `tensors '${ranges[i - 1][2]}' [${ranges[i - 1][0]}, ${ranges[i - 1][1]}] and '${
          ranges[i][2]
        }' [${ranges[i][0]}, ${ranges[i][1]}] overlap`,
      );
    }
  }
  return { tensors, metadata };
}

function readMetadata(raw: unknown, fail: (why: string) => never): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) fail(`'__metadata__' is not an object`);
  for (const [k, v] of Object.entries(raw as object)) {
    if (typeof v !== "string") {
      fail(`'__metadata__' entry '${k}' is ${JSON.stringify(v)}, not a string`);
    }
  }
  return raw as Record<string, string>;
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
  /**
   * Store float tensors (float32, float64) in this half-precision format; other tensors keep
   * their dtype. Read back, they widen to float32. @default undefined (full precision)
   */
  readonly dtype?: "float16" | "bfloat16";
  /** Shorthand for `dtype: "float16"`. @default false */
  readonly half?: boolean;
}

/**
 * Serialises tensors with optional string metadata. Header keys are sorted by name; the header
 * is padded with spaces so the data section starts at a multiple of 8, and the data is laid out
 * by item size (largest first, then by name) so every tensor starts at a multiple of its own item
 * size with no gaps — the layout the Rust `safetensors` library also produces.
 *
 * @example Store float32 weights as bfloat16
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { parseSafetensors, serializeSafetensors } from "./safetensors.ts";
 * const bytes = serializeSafetensors({ w: tensor("float32", [2], [1, -2.5]) }, { format: "pt" }, { dtype: "bfloat16" });
 * const back = parseSafetensors(bytes);
 * assert.deepEqual([...back.tensors.get("w")!.data as Float32Array], [1, -2.5]);
 * assert.equal(back.metadata.format, "pt");
 * ```
 */
export function serializeSafetensors(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
  options: SerializeOptions = {},
): Uint8Array {
  const { half = false } = options;
  const narrow = options.dtype ?? (half ? "float16" : undefined);
  if (narrow !== undefined && narrow !== "float16" && narrow !== "bfloat16") {
    throw new RangeError(
      `Cannot write safetensors: 'dtype' must be float16 or bfloat16: current value is '${narrow}'`,
    );
  }
  const byName = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).sort((
    [a],
    [b],
  ) => (a < b ? -1 : a > b ? 1 : 0));
  const items = byName.map(([name, t]) => {
    if (name === "__metadata__") {
      throw new RangeError(`Cannot write safetensors: '__metadata__' is not a tensor name`);
    }
    if (t.data.length !== sizeOf(t.shape)) {
      throw new RangeError(
        `Cannot write safetensors: tensor '${name}' has shape [${t.shape}] (${
          sizeOf(t.shape)
        } elements) but ${t.data.length} values`,
      );
    }
    if (narrow && (t.dtype === "float32" || t.dtype === "float64")) {
      const toBits = narrow === "float16" ? f32ToF16 : f32ToBf16;
      const h = new Uint16Array(t.data.length);
      for (let i = 0; i < h.length; i++) h[i] = toBits(t.data[i] as number);
      const stored = narrow === "float16" ? "F16" : "BF16";
      return { name, t, dtype: stored, bytes: 2, blob: new Uint8Array(h.buffer) };
    }
    const w = WRITE_AS[t.dtype];
    const blob = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    return { name, t, dtype: w.name, bytes: w.bytes, blob };
  });
  const layout = [...items].sort((p, q) => q.bytes - p.bytes);
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const it of layout) {
    offsets.set(it.name, [offset, offset + it.blob.length]);
    offset += it.blob.length;
  }
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new TypeError(
          `Cannot write safetensors: metadata '${k}' must be a string: current value is ${
            JSON.stringify(v)
          }`,
        );
      }
    }
    header.__metadata__ = metadata;
  }
  for (const it of items) {
    header[it.name] = { dtype: it.dtype, shape: it.t.shape, data_offsets: offsets.get(it.name) };
  }
  let head = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((8 + head.length) % 8)) % 8;
  if (pad) head = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  const dataStart = 8 + head.length;
  for (const it of layout) out.set(it.blob, dataStart + offsets.get(it.name)![0]);
  return out;
}

/** Reads a safetensors file; errors name the file. */
export async function readSafetensorsFile(path: string): Promise<Safetensors> {
  return parseSafetensors(await Deno.readFile(path), path);
}

/**
 * Writes a safetensors file atomically: the bytes go to `path.tmp`, are flushed to disk, and the
 * temporary file is then renamed over `path`, so an interrupted save leaves the old file (or
 * none), never a truncated one.
 *
 * @example Save and read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../graph/tensor.ts";
 * import { readSafetensorsFile, writeSafetensorsFile } from "./safetensors.ts";
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await writeSafetensorsFile(path, { b: tensor("int32", [2], [3, 4]) });
 * assert.deepEqual([...(await readSafetensorsFile(path)).tensors.get("b")!.data as Int32Array], [3, 4]);
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
  options?: SerializeOptions,
): Promise<void> {
  const bytes = serializeSafetensors(tensors, metadata, options);
  const tmp = `${path}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let at = 0;
      while (at < bytes.length) at += await file.write(bytes.subarray(at));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`Cannot write safetensors ${path}: ${(e as Error).message}`, { cause: e });
  }
}
