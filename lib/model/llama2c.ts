/**
 * The llama2.c checkpoint format (legacy, version 0): a header of seven int32 — dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: an unshared classifier
 * follows), seq_len — then float32 weights in a fixed order, each matrix in (out, in) layout.
 *
 * llama2.c rotates interleaved pairs (2i, 2i+1) of each head; Hugging Face Llama rotates halves
 * (i, i + Hd/2). Reading permutes the rows of q_proj and k_proj per head so the decoder, which
 * uses the Hugging Face convention, computes the same function.
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/tensor.ts";
import { type LlamaConfig, llamaConfigFromHf } from "./config.ts";

/** A checkpoint converted to Hugging Face names. */
export interface Llama2cCheckpoint {
  readonly config: LlamaConfig;
  readonly tensors: Map<string, HostTensor<"float32">>;
}

/**
 * Reorders the rows of a (heads·Hd, in) projection from interleaved-pair RoPE order to
 * rotate-half order: within each head, new row j takes old row 2j (j < Hd/2) or 2(j − Hd/2) + 1.
 */
export function interleavedToHalf(
  w: Float32Array,
  heads: number,
  headDim: number,
  inDim: number,
): Float32Array {
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

/**
 * Reads a llama2.c checkpoint. `source` names the file in error messages.
 *
 * @example Read the shared stories260K model, if present
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLlama2c } from "./llama2c.ts";
 * const path = "../shared/data/models/stories260K.bin";
 * const exists = await Deno.stat(path).then(() => true, () => false);
 * if (exists) assert.ok(readLlama2c(await Deno.readFile(path)).config.hiddenSize === 64);
 * ```
 */
export function readLlama2c(bytes: Uint8Array, source = "<bytes>"): Llama2cCheckpoint {
  if (bytes.length < 28) {
    throw new Error(
      `Cannot read llama2.c checkpoint ${source}: ${bytes.length} bytes is shorter than the 28-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [dim, hidden, layers, heads, kvHeads, rawVocab, seqLen] = Array.from(
    { length: 7 },
    (_, i) => view.getInt32(4 * i, true),
  );
  const shared = rawVocab > 0;
  const vocab = Math.abs(rawVocab);
  for (
    const [k, v] of Object.entries({
      dim,
      hidden_dim: hidden,
      n_layers: layers,
      n_heads: heads,
      n_kv_heads: kvHeads,
      vocab_size: vocab,
      seq_len: seqLen,
    })
  ) {
    if (!(v > 0)) {
      throw new Error(
        `Cannot read llama2.c checkpoint ${source}: header field '${k}' is ${v}; is this a llama2.c file?`,
      );
    }
  }
  const hd = dim / heads;
  const kvDim = kvHeads * hd;
  const counts = {
    embed: vocab * dim,
    rmsAtt: layers * dim,
    wq: layers * dim * dim,
    wk: layers * dim * kvDim,
    wv: layers * dim * kvDim,
    wo: layers * dim * dim,
    rmsFfn: layers * dim,
    w1: layers * dim * hidden,
    w2: layers * hidden * dim,
    w3: layers * dim * hidden,
    rmsFinal: dim,
    freqs: seqLen * hd, // cos and sin tables, hd/2 each: recomputed by the decoder, skipped
    wcls: shared ? 0 : vocab * dim,
  };
  const floats = Object.values(counts).reduce((a, b) => a + b, 0);
  const expected = 28 + 4 * floats;
  if (bytes.length !== expected) {
    throw new Error(
      `Cannot read llama2.c checkpoint ${source}: expected ${expected} bytes for dim ${dim}, hidden ${hidden}, ${layers} layers, ` +
        `${heads} heads, ${kvHeads} kv heads, vocab ${vocab}, seq ${seqLen}${
          shared ? "" : " with a classifier"
        }, but the file has ${bytes.length}`,
    );
  }
  const all = new Float32Array(bytes.slice(28).buffer);
  let at = 0;
  const take = (n: number) => all.subarray(at, at += n);
  const part = (block: Float32Array, l: number, n: number) => block.slice(l * n, (l + 1) * n);
  const embed = take(counts.embed),
    rmsAtt = take(counts.rmsAtt),
    wq = take(counts.wq),
    wk = take(counts.wk);
  const wv = take(counts.wv),
    wo = take(counts.wo),
    rmsFfn = take(counts.rmsFfn),
    w1 = take(counts.w1);
  const w2 = take(counts.w2), w3 = take(counts.w3), rmsFinal = take(counts.rmsFinal);
  take(counts.freqs);
  const wcls = take(counts.wcls);

  const config = llamaConfigFromHf({
    model_type: "llama",
    vocab_size: vocab,
    hidden_size: dim,
    intermediate_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: hd,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: seqLen,
    tie_word_embeddings: shared,
    bos_token_id: 1,
    eos_token_id: 2,
  });
  const t = new Map<string, HostTensor<"float32">>();
  const put = (name: string, shape: number[], data: Float32Array) =>
    t.set(name, tensor("float32", shape, data.slice()));
  put("model.embed_tokens.weight", [vocab, dim], embed);
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    put(`${p}.input_layernorm.weight`, [dim], part(rmsAtt, l, dim));
    put(
      `${p}.self_attn.q_proj.weight`,
      [dim, dim],
      interleavedToHalf(part(wq, l, dim * dim), heads, hd, dim),
    );
    put(
      `${p}.self_attn.k_proj.weight`,
      [kvDim, dim],
      interleavedToHalf(part(wk, l, dim * kvDim), kvHeads, hd, dim),
    );
    put(`${p}.self_attn.v_proj.weight`, [kvDim, dim], part(wv, l, dim * kvDim));
    put(`${p}.self_attn.o_proj.weight`, [dim, dim], part(wo, l, dim * dim));
    put(`${p}.post_attention_layernorm.weight`, [dim], part(rmsFfn, l, dim));
    put(`${p}.mlp.gate_proj.weight`, [hidden, dim], part(w1, l, dim * hidden));
    put(`${p}.mlp.down_proj.weight`, [dim, hidden], part(w2, l, hidden * dim));
    put(`${p}.mlp.up_proj.weight`, [hidden, dim], part(w3, l, dim * hidden));
  }
  put("model.norm.weight", [dim], rmsFinal);
  if (!shared) put("lm_head.weight", [vocab, dim], wcls);
  return { config, tensors: t };
}
