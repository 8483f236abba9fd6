/**
 * The llama2.c checkpoint format (legacy, version 0): a header of seven int32 — dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: an unshared classifier
 * follows), seq_len — then float32 arrays in a fixed order.
 *
 * Each matrix is a PyTorch `nn.Linear` weight, (out_features, in_features) row-major: llama2.c's
 * `matmul(xout, x, w, n, d)` computes xout (d,) = W (d,n) @ x (n,), and calls it with
 * wq as (n_heads·Hd, dim), w1 as (hidden, dim), w2 as (dim, hidden). Hugging Face keeps the same
 * layout, so matrices are copied as they are, only renamed.
 *
 * llama2.c rotates interleaved pairs (2i, 2i+1) of each head; Hugging Face Llama rotates halves
 * (i, i + Hd/2). Reading permutes the rows of q_proj and k_proj per head so a decoder using the
 * Hugging Face convention computes the same function.
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/mod.ts";
import { type LlamaConfig, llamaConfigFromHf } from "./config.ts";
import type { HfLlamaConfig } from "./hf_config.ts";

/** A checkpoint converted to Hugging Face names and `config.json` fields. */
export interface Llama2cCheckpoint {
  readonly config: HfLlamaConfig;
  readonly tensors: Map<string, HostTensor<"float32">>;
}

/** The seven header numbers, as stored (vocab made positive, its sign in `sharedClassifier`). */
export interface Llama2cHeader {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly vocabSize: number;
  readonly seqLen: number;
  /** vocab_size was positive: the classifier is the embedding, and no wcls follows. */
  readonly sharedClassifier: boolean;
}

const HEADER_BYTES = 28;
/** "ak42" little-endian: the magic of llama2.c's versioned exports (version 1 and later). */
const VERSIONED_MAGIC = 0x616b3432;

/**
 * Reorders the rows of a (heads·Hd, in) projection from interleaved-pair RoPE order to
 * rotate-half order: within each head, new row j takes old row 2j (j < Hd/2) or 2(j − Hd/2) + 1.
 * The pair (2i, 2i+1) that llama2.c rotates together thus lands on rows (i, i + Hd/2), the pair
 * Hugging Face's `rotate_half` rotates, with the same frequency index i.
 *
 * @example One head of width 4 over inputs of width 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { interleavedToHalf } from "./llama2c.ts";
 * const rows = interleavedToHalf(Float32Array.from([0, 1, 2, 3]), 1, 4, 1);
 * assert.deepEqual([...rows], [0, 2, 1, 3]);
 * ```
 */
export function interleavedToHalf(
  w: Float32Array,
  heads: number,
  headDim: number,
  inDim: number,
): Float32Array {
  if (w.length !== heads * headDim * inDim || headDim % 2 !== 0) {
    throw new RangeError(
      `Cannot permute RoPE rows: ${w.length} values do not form ${heads} heads of ${headDim} (even) rows of ${inDim}`,
    );
  }
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < headDim; j++) {
      const old = j < half ? 2 * j : 2 * (j - half) + 1;
      const src = (h * headDim + old) * inDim;
      out.set(w.subarray(src, src + inDim), (h * headDim + j) * inDim);
    }
  }
  return out;
}

/** Reads and checks the 28-byte header. `source` names the file in error messages. */
export function readLlama2cHeader(bytes: Uint8Array, source = "<bytes>"): Llama2cHeader {
  const fail = (why: string): never => {
    throw new Error(`Cannot read llama2.c checkpoint ${source}: ${why}`);
  };
  if (bytes.length < HEADER_BYTES) {
    fail(`${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (i: number) => view.getInt32(4 * i, true);
  if (view.getUint32(0, true) === VERSIONED_MAGIC) {
    fail(
      `it is a versioned llama2.c export (magic "ak42", version ${
        at(1)
      }); only the legacy format (export.py --version 0) is read`,
    );
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = Array.from(
    { length: 7 },
    (_, i) => at(i),
  );
  const fields = {
    dim,
    hidden_dim: hiddenDim,
    n_layers: nLayers,
    n_heads: nHeads,
    n_kv_heads: nKvHeads,
    vocab_size: Math.abs(rawVocab),
    seq_len: seqLen,
  };
  for (const [k, v] of Object.entries(fields)) {
    if (!(v > 0)) fail(`header field '${k}' is ${v}; is this a llama2.c checkpoint?`);
  }
  if (dim % nHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    fail(`dim ${dim} does not split into ${nHeads} heads of even width`);
  }
  if (nHeads % nKvHeads !== 0) {
    fail(`n_kv_heads ${nKvHeads} does not divide n_heads ${nHeads}`);
  }
  return {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(rawVocab),
    seqLen,
    sharedClassifier: rawVocab > 0,
  };
}

/** Float counts of the arrays in file order; `freqs` is freq_cis_real and _imag together. */
function arraySizes(h: Llama2cHeader) {
  const hd = h.dim / h.nHeads;
  const qDim = h.nHeads * hd, kvDim = h.nKvHeads * hd, L = h.nLayers;
  return {
    embed: h.vocabSize * h.dim,
    rmsAtt: L * h.dim,
    wq: L * qDim * h.dim,
    wk: L * kvDim * h.dim,
    wv: L * kvDim * h.dim,
    wo: L * h.dim * qDim,
    rmsFfn: L * h.dim,
    w1: L * h.hiddenDim * h.dim,
    w2: L * h.dim * h.hiddenDim,
    w3: L * h.hiddenDim * h.dim,
    rmsFinal: h.dim,
    freqs: 2 * h.seqLen * (hd / 2),
    wcls: h.sharedClassifier ? 0 : h.vocabSize * h.dim,
  };
}

/** The exact byte size of a legacy checkpoint with this header. */
export function llama2cFileSize(h: Llama2cHeader): number {
  return HEADER_BYTES + 4 * Object.values(arraySizes(h)).reduce((a, b) => a + b, 0);
}

/**
 * Reads a llama2.c checkpoint into Hugging Face tensor names and `config.json` fields. The
 * precomputed RoPE tables (freq_cis) are checked for size and skipped: the decoder computes them
 * from `rope_theta`. `source` names the file in error messages.
 *
 * @example Read the shared stories260K model, if present
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLlama2cCheckpoint } from "./llama2c.ts";
 * const dir = Deno.env.get("ACQSYNTH_SHARED_DATA") ?? "../shared/data";
 * const path = `${dir}/models/stories260K.bin`;
 * if (await Deno.stat(path).then(() => true, () => false)) {
 *   const { config, tensors } = readLlama2cCheckpoint(await Deno.readFile(path), path);
 *   assert.equal(config.hidden_size, 64);
 *   assert.deepEqual(tensors.get("model.layers.0.self_attn.k_proj.weight")!.shape, [32, 64]);
 * }
 * ```
 */
export function readLlama2cCheckpoint(bytes: Uint8Array, source = "<bytes>"): Llama2cCheckpoint {
  const h = readLlama2cHeader(bytes, source);
  const expected = llama2cFileSize(h);
  if (bytes.length !== expected) {
    throw new Error(
      `Cannot read llama2.c checkpoint ${source}: expected ${expected} bytes for dim ${h.dim}, hidden ${h.hiddenDim}, ` +
        `${h.nLayers} layers, ${h.nHeads} heads, ${h.nKvHeads} kv heads, vocab ${h.vocabSize}, seq ${h.seqLen}` +
        `${h.sharedClassifier ? "" : " with a classifier"}, but the file has ${bytes.length}`,
    );
  }
  const sizes = arraySizes(h);
  // A view when the floats are 4-byte aligned in memory, else one copy to align them.
  const start = bytes.byteOffset + HEADER_BYTES;
  const all = start % 4 === 0
    ? new Float32Array(bytes.buffer, start, (bytes.length - HEADER_BYTES) / 4)
    : new Float32Array(bytes.slice(HEADER_BYTES).buffer);
  let at = 0;
  const take = (n: number) => all.subarray(at, at += n);
  const embed = take(sizes.embed), rmsAtt = take(sizes.rmsAtt);
  const wq = take(sizes.wq), wk = take(sizes.wk), wv = take(sizes.wv), wo = take(sizes.wo);
  const rmsFfn = take(sizes.rmsFfn);
  const w1 = take(sizes.w1), w2 = take(sizes.w2), w3 = take(sizes.w3);
  const rmsFinal = take(sizes.rmsFinal);
  take(sizes.freqs);
  const wcls = take(sizes.wcls);

  const { dim, hiddenDim: hidden, nLayers, nHeads, nKvHeads, vocabSize: vocab } = h;
  const hd = dim / nHeads, qDim = nHeads * hd, kvDim = nKvHeads * hd;
  const config: HfLlamaConfig = {
    model_type: "llama",
    vocab_size: vocab,
    hidden_size: dim,
    intermediate_size: hidden,
    num_hidden_layers: nLayers,
    num_attention_heads: nHeads,
    num_key_value_heads: nKvHeads,
    head_dim: hd,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: h.seqLen,
    tie_word_embeddings: h.sharedClassifier,
    bos_token_id: 1,
    eos_token_id: 2,
    attention_bias: false,
  };
  const t = new Map<string, HostTensor<"float32">>();
  // Each tensor gets its own copy, so none keeps the whole file alive.
  const put = (name: string, shape: number[], data: Float32Array) =>
    t.set(name, tensor("float32", shape, data.slice()));
  const layer = (block: Float32Array, l: number, n: number) => block.subarray(l * n, (l + 1) * n);
  put("model.embed_tokens.weight", [vocab, dim], embed);
  for (let l = 0; l < nLayers; l++) {
    const p = `model.layers.${l}`;
    put(`${p}.input_layernorm.weight`, [dim], layer(rmsAtt, l, dim));
    const q = interleavedToHalf(layer(wq, l, qDim * dim), nHeads, hd, dim);
    t.set(`${p}.self_attn.q_proj.weight`, tensor("float32", [qDim, dim], q));
    const k = interleavedToHalf(layer(wk, l, kvDim * dim), nKvHeads, hd, dim);
    t.set(`${p}.self_attn.k_proj.weight`, tensor("float32", [kvDim, dim], k));
    put(`${p}.self_attn.v_proj.weight`, [kvDim, dim], layer(wv, l, kvDim * dim));
    put(`${p}.self_attn.o_proj.weight`, [dim, qDim], layer(wo, l, dim * qDim));
    put(`${p}.post_attention_layernorm.weight`, [dim], layer(rmsFfn, l, dim));
    put(`${p}.mlp.gate_proj.weight`, [hidden, dim], layer(w1, l, hidden * dim));
    put(`${p}.mlp.down_proj.weight`, [dim, hidden], layer(w2, l, dim * hidden));
    put(`${p}.mlp.up_proj.weight`, [hidden, dim], layer(w3, l, hidden * dim));
  }
  put("model.norm.weight", [dim], rmsFinal);
  if (!h.sharedClassifier) put("lm_head.weight", [vocab, dim], wcls);
  return { config, tensors: t };
}

/**
 * Reads a llama2.c checkpoint with its config already validated and converted to the decoder's
 * {@link LlamaConfig} (what `loadModel` uses).
 */
export function readLlama2c(
  bytes: Uint8Array,
  source = "<bytes>",
): { config: LlamaConfig; tensors: Map<string, HostTensor<"float32">> } {
  const { config, tensors } = readLlama2cCheckpoint(bytes, source);
  return { config: llamaConfigFromHf(config), tensors };
}
