import assert from "node:assert/strict";
import { llamaConfigFromHf } from "../../lib/model/config.ts";
import {
  interleavedToHalf,
  llama2cFileSize,
  readLlama2c,
  readLlama2cCheckpoint,
  readLlama2cHeader,
} from "../../lib/model/llama2c.ts";
import { sharedFile } from "../shared_data.ts";

const model = await sharedFile("models/stories260K.bin");

/**
 * A synthetic checkpoint whose every float is its own index in the float stream, so a test can
 * tell from a value exactly which bytes of the file a tensor came from.
 */
function indexedCheckpoint(header: number[]): Uint8Array {
  const [dim, hidden, layers, heads, kvHeads, vocab, seq] = header;
  const hd = dim / heads, kv = kvHeads * hd, v = Math.abs(vocab);
  const floats = v * dim + layers * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * dim * hidden) +
    dim + seq * hd + (vocab < 0 ? v * dim : 0);
  const bytes = new Uint8Array(28 + 4 * floats);
  const view = new DataView(bytes.buffer);
  header.forEach((x, i) => view.setInt32(4 * i, x, true));
  for (let i = 0; i < floats; i++) view.setFloat32(28 + 4 * i, i, true);
  return bytes;
}

Deno.test({
  name: "the stories260K checkpoint reads with its header's shapes and Hugging Face names",
  ignore: !model,
  fn: async () => {
    const bytes = await Deno.readFile(model!);
    const header = readLlama2cHeader(bytes, model!);
    assert.deepEqual(header, {
      dim: 64,
      hiddenDim: 172,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      vocabSize: 512,
      seqLen: 512,
      sharedClassifier: true,
    });
    assert.equal(llama2cFileSize(header), bytes.length, "the arrays consume the file exactly");
    const { config: c, tensors } = readLlama2cCheckpoint(bytes, model!);
    assert.deepEqual(c, {
      model_type: "llama",
      vocab_size: 512,
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 8,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      max_position_embeddings: 512,
      tie_word_embeddings: true,
      bos_token_id: 1,
      eos_token_id: 2,
      attention_bias: false,
    });
    const shapes = new Map([...tensors].map(([k, t]) => [k, t.shape]));
    assert.equal(shapes.size, 2 + 9 * 5, "embedding, final norm and nine tensors per layer");
    assert.deepEqual(shapes.get("model.embed_tokens.weight"), [512, 64]);
    assert.deepEqual(shapes.get("model.layers.4.self_attn.q_proj.weight"), [64, 64]);
    assert.deepEqual(shapes.get("model.layers.4.self_attn.k_proj.weight"), [32, 64]);
    assert.deepEqual(shapes.get("model.layers.4.self_attn.v_proj.weight"), [32, 64]);
    assert.deepEqual(shapes.get("model.layers.4.self_attn.o_proj.weight"), [64, 64]);
    assert.deepEqual(shapes.get("model.layers.0.mlp.gate_proj.weight"), [172, 64]);
    assert.deepEqual(shapes.get("model.layers.0.mlp.up_proj.weight"), [172, 64]);
    assert.deepEqual(shapes.get("model.layers.0.mlp.down_proj.weight"), [64, 172]);
    assert.deepEqual(shapes.get("model.norm.weight"), [64]);
    assert.equal(tensors.has("lm_head.weight"), false, "a shared classifier has no lm_head");
    for (const [k, t] of tensors) assert.ok(t.data.every(Number.isFinite), `${k} is finite`);
    // The camelCase form the decoder uses validates.
    assert.equal(readLlama2c(bytes, model!).config.tieWordEmbeddings, true);
  },
});

Deno.test({
  name: "the stories260K RoPE tables sit where the layout says and use theta 10000",
  ignore: !model,
  fn: async () => {
    // The skipped freq_cis tables are a check on every offset before them: they must hold
    // cos/sin(pos · 10000^(−2i/Hd)) exactly where the layout puts them.
    const bytes = await Deno.readFile(model!);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const [dim, hidden, L, vocab, seq, hd, kv] = [64, 172, 5, 512, 512, 8, 32];
    const before = vocab * dim + L * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * dim * hidden) +
      dim;
    const real = (p: number, i: number) => view.getFloat32(28 + 4 * (before + p * 4 + i), true);
    const imag = (p: number, i: number) =>
      view.getFloat32(28 + 4 * (before + seq * 4 + p * 4 + i), true);
    for (const p of [0, 1, 7, 300, 511]) {
      for (let i = 0; i < hd / 2; i++) {
        const angle = p * Math.pow(10000, (-2 * i) / hd);
        assert.ok(Math.abs(real(p, i) - Math.cos(angle)) < 1e-4, `cos at ${p}, ${i}`);
        assert.ok(Math.abs(imag(p, i) - Math.sin(angle)) < 1e-4, `sin at ${p}, ${i}`);
      }
    }
    // The final norm is the last array before the tables.
    const { tensors } = readLlama2cCheckpoint(bytes);
    const norm = tensors.get("model.norm.weight")!.data;
    assert.equal(norm[dim - 1], view.getFloat32(28 + 4 * (before - 1), true));
  },
});

Deno.test("an unshared checkpoint maps every array of the file to its Hugging Face tensor", () => {
  // dim 8, hidden 6, 2 layers, 2 heads of 4, 1 kv head, vocab 10 (negative: own classifier), seq 3
  const [dim, hid, L, H, Hkv, V, T] = [8, 6, 2, 2, 1, 10, 3];
  const hd = dim / H, kv = Hkv * hd;
  const bytes = indexedCheckpoint([dim, hid, L, H, Hkv, -V, T]);
  const { config, tensors } = readLlama2cCheckpoint(bytes, "x.bin");
  assert.equal(config.tie_word_embeddings, false);
  assert.equal(config.vocab_size, V);
  // Start of each array in the float stream, in file order.
  const sizes = [
    ["embed", V * dim],
    ["rmsAtt", L * dim],
    ["wq", L * dim * dim],
    ["wk", L * kv * dim],
    ["wv", L * kv * dim],
    ["wo", L * dim * dim],
    ["rmsFfn", L * dim],
    ["w1", L * hid * dim],
    ["w2", L * dim * hid],
    ["w3", L * hid * dim],
    ["rmsFinal", dim],
    ["freqs", T * hd],
    ["wcls", V * dim],
  ] as const;
  const start: Record<string, number> = {};
  let at = 0;
  for (const [k, n] of sizes) [start[k], at] = [at, at + n];
  const first = (name: string) => tensors.get(name)!.data[0];
  const last = (name: string) => tensors.get(name)!.data.at(-1);
  assert.equal(first("model.embed_tokens.weight"), start.embed);
  assert.equal(first("lm_head.weight"), start.wcls);
  assert.equal(last("lm_head.weight"), start.wcls + V * dim - 1);
  assert.equal(first("model.norm.weight"), start.rmsFinal);
  const l = 1; // the second layer: offsets by one layer's worth within each array
  const p = `model.layers.${l}`;
  assert.equal(first(`${p}.input_layernorm.weight`), start.rmsAtt + l * dim);
  assert.equal(first(`${p}.post_attention_layernorm.weight`), start.rmsFfn + l * dim);
  assert.equal(first(`${p}.self_attn.v_proj.weight`), start.wv + l * kv * dim);
  assert.equal(first(`${p}.self_attn.o_proj.weight`), start.wo + l * dim * dim);
  assert.equal(first(`${p}.mlp.gate_proj.weight`), start.w1 + l * hid * dim);
  assert.equal(first(`${p}.mlp.down_proj.weight`), start.w2 + l * dim * hid);
  assert.equal(first(`${p}.mlp.up_proj.weight`), start.w3 + l * hid * dim);
  // q and k: (out, in) rows, permuted per head. Row r of head h holds old row 2r or 2(r−2)+1.
  const q = tensors.get(`${p}.self_attn.q_proj.weight`)!;
  assert.deepEqual(q.shape, [dim, dim]);
  for (let h = 0; h < H; h++) {
    [0, 2, 1, 3].forEach((old, r) =>
      assert.equal(
        q.data[(h * hd + r) * dim + 5],
        start.wq + l * dim * dim + (h * hd + old) * dim + 5,
      )
    );
  }
  const k = tensors.get(`${p}.self_attn.k_proj.weight`)!;
  assert.deepEqual(k.shape, [kv, dim]);
  assert.deepEqual([...k.data.subarray(dim, dim + 2)], [
    start.wk + l * kv * dim + 2 * dim,
    start.wk + l * kv * dim + 2 * dim + 1,
  ]);
  // The camelCase conversion accepts it.
  assert.equal(llamaConfigFromHf(config).numKeyValueHeads, 1);
});

Deno.test("a truncated or foreign checkpoint names the expected and actual sizes", () => {
  const bytes = new Uint8Array(28 + 40);
  const v = new DataView(bytes.buffer);
  [64, 172, 5, 8, 4, 512, 512].forEach((x, i) => v.setInt32(4 * i, x, true));
  assert.throws(
    () => readLlama2cCheckpoint(bytes, "cut.bin"),
    /Cannot read llama2.c checkpoint cut.bin: expected 1056540 bytes for dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512, seq 512, but the file has 68/,
  );
  const long = indexedCheckpoint([8, 6, 1, 2, 2, 10, 3]);
  const extra = new Uint8Array(long.length + 4);
  extra.set(long);
  assert.throws(() => readLlama2cCheckpoint(extra, "x"), /expected \d+ bytes .* has \d+/);
  assert.throws(() => readLlama2cCheckpoint(new Uint8Array(10), "s"), /shorter than the 28-byte/);
  const versioned = new Uint8Array(256);
  new DataView(versioned.buffer).setUint32(0, 0x616b3432, true);
  new DataView(versioned.buffer).setInt32(4, 2, true);
  assert.throws(() => readLlama2cCheckpoint(versioned, "v2.bin"), /magic "ak42", version 2/);
  const odd = new Uint8Array(28);
  [64, 172, 5, 3, 1, 512, 512].forEach((x, i) => new DataView(odd.buffer).setInt32(4 * i, x, true));
  assert.throws(() => readLlama2cCheckpoint(odd, "o"), /dim 64 does not split into 3 heads/);
  const zero = new Uint8Array(28);
  assert.throws(() => readLlama2cCheckpoint(zero, "z"), /header field 'dim' is 0/);
});

/** RoPE as llama2.c applies it: rotate pairs (2i, 2i+1) of each head by pos·θ^(−2i/Hd). */
function ropeInterleaved(x: number[], heads: number, hd: number, pos: number): number[] {
  const y = [...x];
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      const t = pos * Math.pow(10000, (-2 * i) / hd), o = h * hd;
      const [a, b] = [x[o + 2 * i], x[o + 2 * i + 1]];
      y[o + 2 * i] = a * Math.cos(t) - b * Math.sin(t);
      y[o + 2 * i + 1] = a * Math.sin(t) + b * Math.cos(t);
    }
  }
  return y;
}

/** RoPE as Hugging Face applies it: x·cos + rotate_half(x)·sin, pairs (i, i + Hd/2). */
function ropeRotateHalf(x: number[], heads: number, hd: number, pos: number): number[] {
  const y = [...x];
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      const t = pos * Math.pow(10000, (-2 * i) / hd), o = h * hd;
      const [a, b] = [x[o + i], x[o + i + hd / 2]];
      y[o + i] = a * Math.cos(t) - b * Math.sin(t);
      y[o + i + hd / 2] = a * Math.sin(t) + b * Math.cos(t);
    }
  }
  return y;
}

Deno.test("permuting q/k rows turns interleaved RoPE into rotate-half RoPE", () => {
  // Three heads of width 8 over inputs of width 5, random weights and input, several positions.
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const heads = 3, hd = 8, inDim = 5;
  const w = Float32Array.from({ length: heads * hd * inDim }, rand);
  const wPermuted = interleavedToHalf(w, heads, hd, inDim);
  const matvec = (m: Float32Array, x: number[]) =>
    Array.from(
      { length: heads * hd },
      (_, r) => x.reduce((s, xi, k) => s + m[r * inDim + k] * xi, 0),
    );
  // Attention only sees dot products q·k between heads, so compare those: they must agree.
  for (const [posQ, posK] of [[0, 0], [3, 1], [17, 9], [200, 5]]) {
    const xq = Array.from({ length: inDim }, rand), xk = Array.from({ length: inDim }, rand);
    const qa = ropeInterleaved(matvec(w, xq), heads, hd, posQ);
    const ka = ropeInterleaved(matvec(w, xk), heads, hd, posK);
    const qb = ropeRotateHalf(matvec(wPermuted, xq), heads, hd, posQ);
    const kb = ropeRotateHalf(matvec(wPermuted, xk), heads, hd, posK);
    for (let h = 0; h < heads; h++) {
      let dotA = 0, dotB = 0;
      for (let j = 0; j < hd; j++) {
        dotA += qa[h * hd + j] * ka[h * hd + j];
        dotB += qb[h * hd + j] * kb[h * hd + j];
      }
      assert.ok(
        Math.abs(dotA - dotB) < 1e-9,
        `head ${h} at (${posQ}, ${posK}): ${dotA} vs ${dotB}`,
      );
    }
    // And elementwise: the rotated vectors are the same values, permuted within each head.
    for (let h = 0; h < heads; h++) {
      for (let j = 0; j < hd; j++) {
        const old = j < hd / 2 ? 2 * j : 2 * (j - hd / 2) + 1;
        assert.ok(Math.abs(qb[h * hd + j] - qa[h * hd + old]) < 1e-9);
      }
    }
  }
  assert.throws(() => interleavedToHalf(w, 2, hd, inDim), /do not form 2 heads of 8/);
});
