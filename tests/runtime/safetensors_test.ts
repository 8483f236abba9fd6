import assert from "node:assert/strict";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import {
  f16ToF32,
  f32ToF16,
  parseSafetensors,
  serializeSafetensors,
} from "../../lib/runtime/safetensors.ts";
import { loadParams, saveParams } from "../../lib/runtime/params.ts";

Deno.test("safetensors round-trips every dtype through a file", async () => {
  const store = new Map<string, HostTensor>([
    ["a.f32", tensor("float32", [2, 2], [1, -2.5, 3e-8, 65504])],
    ["b.f64", tensor("float64", [3], [Math.PI, -1e300, 0])],
    ["c.i64", tensor("int64", [2], [-(2n ** 62n), 7n])],
    ["d.i32", tensor("int32", [1], [-5])],
    ["e.bool", tensor("bool", [3], [1, 0, 1])],
    ["f.scalar", tensor("float32", [], [4])],
  ]);
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await saveParams(path, store, { note: "x" });
  const back = await loadParams(path);
  assert.deepEqual([...back.keys()].sort(), [...store.keys()].sort());
  for (const [k, t] of store) {
    assert.equal(back.get(k)!.dtype, t.dtype);
    assert.deepEqual(back.get(k)!.shape, t.shape);
    assert.deepEqual([...back.get(k)!.data as ArrayLike<unknown> as number[]], [
      ...t.data as ArrayLike<unknown> as number[],
    ]);
  }
  const raw = await Deno.readFile(path);
  const headerLen = Number(new DataView(raw.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0, "data section is 8-byte aligned");
  assert.equal(parseSafetensors(raw).metadata.note, "x");
});

Deno.test("float16 and bfloat16 decode to the exact float32 values", () => {
  // Bit patterns from the IEEE 754 binary16 definition.
  const cases: [number, number][] = [
    [0x3c00, 1],
    [0xc100, -2.5],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x0000, 0],
  ];
  for (const [bits, v] of cases) {
    assert.equal(f16ToF32(bits), v);
    assert.equal(f32ToF16(v), bits);
  }
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00, "a tie rounds to even");
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02, "a tie rounds to even (up)");
  // bfloat16 is the top half of a float32: 0x3FC0 = 1.5, 0xC2F7 = −123.5
  const header = JSON.stringify({ x: { dtype: "BF16", shape: [2], data_offsets: [0, 4] } });
  const bytes = new Uint8Array(8 + header.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(new TextEncoder().encode(header), 8);
  bytes.set([0xc0, 0x3f, 0xf7, 0xc2], 8 + header.length);
  assert.deepEqual([...parseSafetensors(bytes).tensors.get("x")!.data as Float32Array], [
    1.5,
    -123.5,
  ]);
  const half = parseSafetensors(
    serializeSafetensors({ w: tensor("float32", [2], [0.5, -3]) }, undefined, { half: true }),
  );
  assert.deepEqual([...half.tensors.get("w")!.data as Float32Array], [0.5, -3]);
});

Deno.test("a corrupt safetensors file names the tensor and the problem", () => {
  const header = JSON.stringify({
    "model.norm.weight": { dtype: "F32", shape: [4], data_offsets: [0, 12] },
  });
  const bytes = new Uint8Array(8 + header.length + 12);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(new TextEncoder().encode(header), 8);
  assert.throws(
    () => parseSafetensors(bytes, "m.safetensors"),
    /Cannot read safetensors m.safetensors: tensor 'model.norm.weight' has data_offsets \[0, 12\] but shape \[4\] of F32 needs 16 bytes/,
  );
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => parseSafetensors(bad, "x"), /header length 1000 runs past the end/);
});
