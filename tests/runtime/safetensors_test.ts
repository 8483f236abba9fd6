import assert from "node:assert/strict";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import {
  bf16ToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  parseSafetensors,
  readSafetensorsFile,
  serializeSafetensors,
  writeSafetensorsFile,
} from "../../lib/runtime/safetensors.ts";

/** Safetensors bytes with a hand-written header, for files the writer would never produce. */
function rawFile(header: unknown, data: number[] | Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + head.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
  bytes.set(head, 8);
  bytes.set(data, 8 + head.length);
  return bytes;
}

function values(t: HostTensor): unknown[] {
  return [...(t.data as ArrayLike<unknown>) as unknown[]];
}

Deno.test("safetensors round-trips every dtype through a file", async () => {
  const store = new Map<string, HostTensor>([
    ["e.bool", tensor("bool", [3], [1, 0, 1])],
    ["a.f32", tensor("float32", [2, 2], [1, -2.5, 3e-8, 65504])],
    ["b.f64", tensor("float64", [3], [Math.PI, -1e300, 0])],
    ["c.i64", tensor("int64", [2], [-(2n ** 62n), 7n])],
    ["d.i32", tensor("int32", [1], [-5])],
    ["f.scalar", tensor("float32", [], [4])],
    ["g.empty", tensor("float32", [0, 3])],
  ]);
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await writeSafetensorsFile(path, store, { note: "x" });
  const back = await readSafetensorsFile(path);
  assert.deepEqual([...back.tensors.keys()].sort(), [...store.keys()].sort());
  for (const [k, t] of store) {
    const b = back.tensors.get(k)!;
    assert.equal(b.dtype, t.dtype);
    assert.deepEqual(b.shape, t.shape);
    assert.deepEqual(values(b), values(t));
  }
  assert.deepEqual(back.metadata, { note: "x" });
  await assert.rejects(() => Deno.stat(`${path}.tmp`), Deno.errors.NotFound, "no temporary left");

  // Layout: data section 8-aligned, each tensor aligned to its item size, names sorted.
  const raw = await Deno.readFile(path);
  const headerLen = Number(new DataView(raw.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0, "data section is 8-byte aligned");
  const header = JSON.parse(new TextDecoder().decode(raw.subarray(8, 8 + headerLen)));
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  assert.deepEqual(names, [...names].sort());
  const item: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, BOOL: 1 };
  for (const n of names) {
    assert.equal(header[n].data_offsets[0] % item[header[n].dtype], 0, `${n} is aligned`);
  }
  await Deno.remove(path);
});

Deno.test("writing replaces an existing file and leaves it whole", async () => {
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await writeSafetensorsFile(path, { w: tensor("float32", [1], [1]) });
  await writeSafetensorsFile(path, { w: tensor("float32", [2], [2, 3]) });
  assert.deepEqual(values((await readSafetensorsFile(path)).tensors.get("w")!), [2, 3]);
  await assert.rejects(
    () => writeSafetensorsFile(`${path}.missing-dir/x.safetensors`, {}),
    /Cannot write safetensors .*x\.safetensors/,
  );
  await Deno.remove(path);
});

Deno.test("float16 converts to and from the IEEE 754 binary16 bit patterns", () => {
  const cases: [number, number][] = [
    [0x3c00, 1],
    [0xc100, -2.5],
    [0x7bff, 65504], // largest finite
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x3555, 0.333251953125], // nearest to 1/3
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x0000, 0],
    [0x8000, -0],
  ];
  for (const [bits, v] of cases) {
    assert.ok(Object.is(f16ToF32(bits), v), `decode 0x${bits.toString(16)}`);
    assert.equal(f32ToF16(v), bits, `encode ${v}`);
  }
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.ok(Number.isNaN(f16ToF32(f32ToF16(NaN))));
  assert.equal(f32ToF16(1 / 3), 0x3555);
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00, "a tie rounds to even (down)");
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02, "a tie rounds to even (up)");
  assert.equal(f32ToF16(65519), 0x7bff, "below the overflow midpoint stays finite");
  assert.equal(f32ToF16(65520), 0x7c00, "the overflow midpoint rounds to infinity");
  assert.equal(f32ToF16(2 ** -25), 0x0000, "half the smallest subnormal ties to zero");
  assert.equal(f32ToF16(3 * 2 ** -25), 0x0002, "1.5 subnormal steps ties to even");
  assert.equal(f32ToF16(1e-10), 0x0000, "underflow gives zero");
  assert.equal(f32ToF16(-(2 ** -14) * (1 - 2 ** -12)), 0x8400, "rounds up into the normals");
});

Deno.test("bfloat16 converts to and from its bit patterns", () => {
  const cases: [number, number][] = [
    [0x3f80, 1],
    [0xc020, -2.5],
    [0x3fc0, 1.5],
    [0xc2f7, -123.5],
    [0x477f, 65280],
    [0x0001, 2 ** -133], // smallest subnormal
    [0x0080, 2 ** -126], // smallest normal
    [0x7f7f, (2 - 2 ** -7) * 2 ** 127], // largest finite
    [0x7f80, Infinity],
    [0xff80, -Infinity],
  ];
  for (const [bits, v] of cases) {
    assert.equal(bf16ToF32(bits), v, `decode 0x${bits.toString(16)}`);
    assert.equal(f32ToBf16(v), bits, `encode ${v}`);
  }
  assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(NaN))));
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80, "a tie rounds to even (down)");
  assert.equal(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82, "a tie rounds to even (up)");
  assert.equal(f32ToBf16(65504), 0x4780, "65504 rounds to 65536");
  assert.equal(f32ToBf16(3.4028234663852886e38), 0x7f80, "float32 max overflows");
});

Deno.test("F16 and BF16 tensors read as float32 and half-precision writes round-trip", () => {
  // Little-endian bytes: F16 1.0 = 0x3C00, -2.5 = 0xC100; BF16 1.5 = 0x3FC0, −123.5 = 0xC2F7.
  const bytes = rawFile({
    h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
    b: { dtype: "BF16", shape: [2], data_offsets: [4, 8] },
  }, [0x00, 0x3c, 0x00, 0xc1, 0xc0, 0x3f, 0xf7, 0xc2]);
  const { tensors } = parseSafetensors(bytes);
  assert.equal(tensors.get("h")!.dtype, "float32");
  assert.deepEqual(values(tensors.get("h")!), [1, -2.5]);
  assert.deepEqual(values(tensors.get("b")!), [1.5, -123.5]);

  const store = {
    w: tensor("float32", [3], [0.5, -3, 1 / 3]),
    d: tensor("float64", [1], [65504]),
    i: tensor("int32", [1], [9]),
  };
  for (const dtype of ["float16", "bfloat16"] as const) {
    const back = parseSafetensors(serializeSafetensors(store, undefined, { dtype })).tensors;
    const code = dtype === "float16" ? f32ToF16 : f32ToBf16;
    const widen = dtype === "float16" ? f16ToF32 : bf16ToF32;
    assert.deepEqual(values(back.get("w")!), [0.5, -3, Math.fround(widen(code(1 / 3)))]);
    assert.equal(back.get("d")!.dtype, "float32");
    assert.equal(back.get("i")!.dtype, "int32", "integers keep their dtype");
  }
  const legacy = parseSafetensors(serializeSafetensors(store, undefined, { half: true }));
  assert.deepEqual(values(legacy.tensors.get("w")!).slice(0, 2), [0.5, -3]);
  assert.throws(
    () => serializeSafetensors(store, undefined, { dtype: "float8" as never }),
    /'dtype' must be float16 or bfloat16: current value is 'float8'/,
  );
});

Deno.test("a corrupt safetensors file names the file, the tensor and the problem", () => {
  const wrongSize = rawFile({
    "model.norm.weight": { dtype: "F32", shape: [4], data_offsets: [0, 12] },
  }, new Uint8Array(12));
  assert.throws(
    () => parseSafetensors(wrongSize, "m.safetensors"),
    /Cannot read safetensors m.safetensors: tensor 'model.norm.weight' has data_offsets \[0, 12\] but shape \[4\] of F32 needs 16 bytes/,
  );
  const outOfRange = rawFile({ w: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, [
    ...new Uint8Array(12),
  ]);
  assert.throws(
    () => parseSafetensors(outOfRange, "m.safetensors"),
    /tensor 'w' has data_offsets \[8, 16\] outside the data section of 12 bytes/,
  );
  const overlap = rawFile({
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
  }, new Uint8Array(8));
  assert.throws(
    () => parseSafetensors(overlap, "o"),
    /tensors 'a' \[0, 8\] and 'b' \[4, 8\] overlap/,
  );
  const dtype = rawFile({ w: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, [0]);
  assert.throws(() => parseSafetensors(dtype, "d"), /tensor 'w' has dtype 'F8_E4M3' \(supported:/);
  const shape = rawFile({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]);
  assert.throws(() => parseSafetensors(shape, "s"), /tensor 'w' has an invalid shape \[-1\]/);
  const offsets = rawFile({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, [0, 0, 0, 0]);
  assert.throws(() => parseSafetensors(offsets, "f"), /tensor 'w' has invalid data_offsets \[0\]/);
  const meta = rawFile({ __metadata__: { step: 3 } }, []);
  assert.throws(() => parseSafetensors(meta, "x"), /'__metadata__' entry 'step' is 3/);

  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => parseSafetensors(bad, "x"), /safetensors x: header length 1000 runs past/);
  const notJson = rawFile({}, []);
  notJson[8] = 0x41;
  assert.throws(
    () => parseSafetensors(notJson, "j"),
    /safetensors j: the header is not valid JSON/,
  );
  assert.throws(() => parseSafetensors(new Uint8Array(3), "t"), /the file has 3 bytes/);
});

Deno.test("serializing refuses a tensor whose data does not fill its shape", () => {
  const broken = { dtype: "float32", shape: [3], data: new Float32Array(2) } as HostTensor;
  assert.throws(
    () => serializeSafetensors({ w: broken }),
    /tensor 'w' has shape \[3\] \(3 elements\) but 2 values/,
  );
  assert.throws(
    () => serializeSafetensors({}, { step: 3 as unknown as string }),
    /metadata 'step' must be a string: current value is 3/,
  );
});
