/**
 * The fields of a Hugging Face Llama-family `config.json`, as the file spells them (snake_case).
 * This is the boundary type: readers of foreign formats (llama2.c) produce it, and
 * `llamaConfigFromHf` in `config.ts` validates it and converts it to the camelCase
 * `LlamaConfig` the decoder uses. This file imports nothing, so any layer may use it.
 *
 * @module
 */

/**
 * A Llama-family `config.json`. Fields marked optional have Hugging Face defaults; any other key
 * a real file carries (`architectures`, `torch_dtype`, …) is allowed and kept.
 *
 * @example The config of the llama2.c stories260K model
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HfLlamaConfig } from "./hf_config.ts";
 * const c: HfLlamaConfig = {
 *   model_type: "llama", vocab_size: 512, hidden_size: 64, intermediate_size: 172,
 *   num_hidden_layers: 5, num_attention_heads: 8, num_key_value_heads: 4,
 * };
 * assert.equal(c.hidden_size / c.num_attention_heads, 8);
 * ```
 */
export interface HfLlamaConfig {
  /** Family: "llama", "mistral", "qwen2", "qwen3". */
  readonly model_type: string;
  /** V: rows of the embedding (and of `lm_head`). */
  readonly vocab_size: number;
  /** D: model width. */
  readonly hidden_size: number;
  /** F: SwiGLU hidden width. */
  readonly intermediate_size: number;
  /** Number of decoder blocks. */
  readonly num_hidden_layers: number;
  /** H: query heads. */
  readonly num_attention_heads: number;
  /** Hkv: key/value heads. @default num_attention_heads */
  readonly num_key_value_heads?: number;
  /** Hd: head width. @default hidden_size / num_attention_heads */
  readonly head_dim?: number;
  /** ε of every RMSNorm. @default 1e-6 */
  readonly rms_norm_eps?: number;
  /** RoPE base θ. @default 10000 */
  readonly rope_theta?: number;
  /** Longest context. @default 2048 */
  readonly max_position_embeddings?: number;
  /** `lm_head` is the embedding matrix (no `lm_head.weight` tensor). @default false */
  readonly tie_word_embeddings?: boolean;
  /** Bias on q, k, v and o projections (Llama). @default false */
  readonly attention_bias?: boolean;
  /** Must be "silu" for this decoder. @default "silu" */
  readonly hidden_act?: string;
  /** null or `{rope_type: "default"}` for this decoder. @default null */
  readonly rope_scaling?: Record<string, unknown> | null;
  readonly bos_token_id?: number;
  readonly eos_token_id?: number | number[];
  readonly pad_token_id?: number;
  readonly architectures?: readonly string[];
  readonly torch_dtype?: string;
  /** Any other key a `config.json` carries. */
  readonly [key: string]: unknown;
}
