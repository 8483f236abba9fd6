/**
 * The tiny default models' shapes, pretrained by `deno task pretrain` (see README for the recipe).
 *
 * @module
 */

import { type LlamaConfig, llamaConfigFromHf } from "./config.ts";

/** Names of the default models. */
export type DefaultModel = "generator" | "student";

/** Hugging Face configs of the default models (vocabulary of 512 BPE pieces). */
export const DEFAULT_MODEL_CONFIGS: Readonly<Record<DefaultModel, LlamaConfig>> = Object.freeze({
  // ~3.0M parameters: writes whole tagged problems.
  generator: llamaConfigFromHf({
    model_type: "llama",
    vocab_size: 512,
    hidden_size: 256,
    intermediate_size: 688,
    num_hidden_layers: 4,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
    rms_norm_eps: 1e-5,
    bos_token_id: 1,
    eos_token_id: 2,
  }),
  // ~1.7M parameters: answers questions; small enough to stay weak on the harder skills.
  student: llamaConfigFromHf({
    model_type: "llama",
    vocab_size: 512,
    hidden_size: 192,
    intermediate_size: 512,
    num_hidden_layers: 4,
    num_attention_heads: 6,
    num_key_value_heads: 2,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
    rms_norm_eps: 1e-5,
    bos_token_id: 1,
    eos_token_id: 2,
  }),
});

/** Where the committed default models live. */
export const DEFAULT_MODEL_DIR: string = new URL("../../data/models/", import.meta.url).pathname;
