import assert from "node:assert/strict";
import { interleavedToHalf, readLlama2c } from "../../lib/model/llama2c.ts";
import { sharedFile } from "../shared_data.ts";

const model = await sharedFile("models/stories260K.bin");

Deno.test({
  name: "the stories260K checkpoint reads with its header's shapes and Hugging Face names",
  ignore: !model,
  fn: async () => {
    const { config: c, tensors } = readLlama2c(await Deno.readFile(model!), model!);
    assert.deepEqual(
      [
        c.hiddenSize,
        c.intermediateSize,
        c.numHiddenLayers,
        c.numAttentionHeads,
        c.numKeyValueHeads,
        c.vocabSize,
        c.maxPositionEmbeddings,
      ],
      [64, 172, 5, 8, 4, 512, 512],
    );
    assert.equal(c.tieWordEmbeddings, true);
    assert.deepEqual(tensors.get("model.layers.4.self_attn.k_proj.weight")!.shape, [32, 64]);
    assert.deepEqual(tensors.get("model.layers.0.mlp.down_proj.weight")!.shape, [64, 172]);
    assert.equal(tensors.has("lm_head.weight"), false);
  },
});

Deno.test("a truncated checkpoint names the expected and actual sizes", () => {
  const bytes = new Uint8Array(28 + 40);
  const v = new DataView(bytes.buffer);
  [64, 172, 5, 8, 4, 512, 512].forEach((x, i) => v.setInt32(4 * i, x, true));
  assert.throws(
    () => readLlama2c(bytes, "cut.bin"),
    /Cannot read llama2.c checkpoint cut.bin: expected 1056540 bytes .* but the file has 68/,
  );
});

Deno.test("permuting q/k rows turns interleaved RoPE into rotate-half RoPE", () => {
  // One head of width 6 over inputs of width 3: apply each convention to W·x and compare.
  const hd = 6, inDim = 3, pos = 5;
  const w = Float32Array.from({ length: hd * inDim }, (_, i) => Math.sin(i + 1));
  const x = [0.3, -1.2, 0.7];
  const matvec = (m: Float32Array) =>
    Array.from({ length: hd }, (_, r) => x.reduce((s, xi, k) => s + m[r * inDim + k] * xi, 0));
  const freq = (i: number) => Math.pow(10000, (-2 * i) / hd);
  const q = matvec(w);
  const interleaved = [...q];
  for (let i = 0; i < hd / 2; i++) {
    const [a, b] = [q[2 * i], q[2 * i + 1]], t = pos * freq(i);
    interleaved[2 * i] = a * Math.cos(t) - b * Math.sin(t);
    interleaved[2 * i + 1] = a * Math.sin(t) + b * Math.cos(t);
  }
  const p = matvec(interleavedToHalf(w, 1, hd, inDim));
  const half = [...p];
  for (let i = 0; i < hd / 2; i++) {
    const [a, b] = [p[i], p[i + hd / 2]], t = pos * freq(i);
    half[i] = a * Math.cos(t) - b * Math.sin(t);
    half[i + hd / 2] = a * Math.sin(t) + b * Math.cos(t);
  }
  // The same rotated values, in the permuted order.
  for (let i = 0; i < hd / 2; i++) {
    assert.ok(Math.abs(half[i] - interleaved[2 * i]) < 1e-6);
    assert.ok(Math.abs(half[i + hd / 2] - interleaved[2 * i + 1]) < 1e-6);
  }
});
