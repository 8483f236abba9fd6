/**
 * What a Llama-family config costs: its parameter count and the floating-point operations per
 * token of a forward pass or a training step. FLOPs count matrix products only (2 per
 * multiply-add), the usual convention; a training step is the forward plus a backward of twice
 * the forward.
 *
 * @module
 */

import { type LlamaConfig, llamaParamShapes } from "./config.ts";

/**
 * The number of weights of a config (embeddings, projections, norms, biases; a tied output
 * projection counted once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { llamaConfigFromHf } from "./config.ts";
 * import { countParams } from "./size.ts";
 * const c = llamaConfigFromHf({ vocab_size: 10, hidden_size: 4, intermediate_size: 8,
 *   num_hidden_layers: 1, num_attention_heads: 2, tie_word_embeddings: true });
 * // embed 40 + norms 4·3 + q,k,v,o 4·16 + gate,up,down 3·32
 * assert.equal(countParams(c), 40 + 12 + 64 + 96);
 * ```
 */
export function countParams(config: LlamaConfig): number {
  let n = 0;
  for (const shape of llamaParamShapes(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Options of {@link flopsPerToken}. */
export interface FlopsOptions {
  /** Count a training step (forward + backward = 3× the forward). @default false */
  readonly training?: boolean;
  /**
   * Sequence length the attention products run over (they grow with it). Attention is counted
   * as computed, full T×T products under the causal mask.
   * @default config.maxPositionEmbeddings
   */
  readonly seqLen?: number;
}

/**
 * FLOPs per token of a forward pass (or a training step) of a config: q, k, v, o projections,
 * the SwiGLU MLP, QKᵀ and AV over `seqLen` positions, and the output projection.
 *
 * @example Training is three forward passes
 * ```ts
 * import assert from "node:assert/strict";
 * import { llamaConfigFromHf } from "./config.ts";
 * import { flopsPerToken } from "./size.ts";
 * const c = llamaConfigFromHf({ vocab_size: 10, hidden_size: 4, intermediate_size: 8,
 *   num_hidden_layers: 1, num_attention_heads: 2 });
 * // 2·(q,k,v,o 64 + MLP 96 + lm_head 40) + 2·2·T·H·Hd with T = 3
 * const forward = flopsPerToken(c, { seqLen: 3 });
 * assert.equal(forward, 2 * (64 + 96 + 40) + 4 * 3 * 4);
 * assert.equal(flopsPerToken(c, { seqLen: 3, training: true }), 3 * forward);
 * ```
 */
export function flopsPerToken(config: LlamaConfig, options: FlopsOptions = {}): number {
  const { training = false, seqLen = config.maxPositionEmbeddings } = options;
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new RangeError(
      `Cannot count FLOPs: 'seqLen' must be a positive integer: current value is ${seqLen}`,
    );
  }
  const {
    hiddenSize: d,
    intermediateSize: f,
    numAttentionHeads: h,
    numKeyValueHeads: hkv,
    headDim: hd,
  } = config;
  const proj = 2 * d * (2 * h * hd + 2 * hkv * hd); // q, o and k, v
  const mlp = 2 * 3 * d * f;
  const attn = 2 * 2 * seqLen * h * hd; // QKᵀ and AV
  const forward = config.numHiddenLayers * (proj + mlp + attn) + 2 * d * config.vocabSize;
  return training ? 3 * forward : forward;
}
