/**
 * The Llama-family configuration: converted once from a Hugging Face `config.json` (snake_case)
 * to a typed, validated camelCase object, and back for export.
 *
 * @module
 */

/** Model families the decoder implements. */
export type ModelType = "llama" | "mistral" | "qwen2" | "qwen3";
const MODEL_TYPES: readonly ModelType[] = ["llama", "mistral", "qwen2", "qwen3"];

/** A Llama-family decoder's shape and numerics. */
export interface LlamaConfig {
  /** Which family (decides bias and q/k-norm defaults). */
  readonly modelType: ModelType;
  /** V: vocabulary size. */
  readonly vocabSize: number;
  /** D: model width. */
  readonly hiddenSize: number;
  /** F: SwiGLU hidden width. */
  readonly intermediateSize: number;
  /** Number of decoder blocks. */
  readonly numHiddenLayers: number;
  /** H: query heads. */
  readonly numAttentionHeads: number;
  /** Hkv: key/value heads (grouped-query attention when fewer than H). */
  readonly numKeyValueHeads: number;
  /** Hd: head width (D / H unless given). */
  readonly headDim: number;
  /** ε of every RMSNorm. */
  readonly rmsNormEps: number;
  /** RoPE base θ. */
  readonly ropeTheta: number;
  /** Longest context the model accepts. */
  readonly maxPositionEmbeddings: number;
  /** The output projection is the input embedding. */
  readonly tieWordEmbeddings: boolean;
  /** Biases on q, k, v projections (Qwen2; Llama's `attention_bias`). */
  readonly qkvBias: boolean;
  /** Bias on the output projection (Llama's `attention_bias`). */
  readonly oBias: boolean;
  /** RMSNorm on each query and key head before RoPE (Qwen3). */
  readonly qkNorm: boolean;
  /** Token ids, when the config names them. */
  readonly bosTokenId?: number;
  readonly eosTokenId?: number | number[];
  readonly padTokenId?: number;
}

/** A Hugging Face `config.json` as read from disk. */
export type HfConfigJson = Record<string, unknown>;

function field(
  json: HfConfigJson,
  key: string,
  check: (v: unknown) => boolean,
  what: string,
  fallback?: unknown,
) {
  const v = json[key] ?? fallback;
  if (v === undefined) {
    throw new Error(`Cannot read config.json: field '${key}' is missing (${what})`);
  }
  if (!check(v)) {
    throw new Error(
      `Cannot read config.json: field '${key}' must be ${what}: current value is ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const posNum = (v: unknown) => typeof v === "number" && v > 0;
const bool = (v: unknown) => typeof v === "boolean";

/**
 * Converts and validates a Hugging Face config. Unsupported values are errors that list what is
 * supported.
 *
 * @example A tiny Llama config
 * ```ts
 * import assert from "node:assert/strict";
 * import { llamaConfigFromHf } from "./config.ts";
 * const c = llamaConfigFromHf({ model_type: "llama", vocab_size: 32, hidden_size: 16, intermediate_size: 32,
 *   num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2 });
 * assert.ok(c.headDim === 4 && c.numKeyValueHeads === 2);
 * ```
 */
export function llamaConfigFromHf(json: HfConfigJson): LlamaConfig {
  const modelType = field(
    json,
    "model_type",
    (v) => MODEL_TYPES.includes(v as ModelType),
    `one of ${MODEL_TYPES.join(", ")}`,
    "llama",
  ) as ModelType;
  const hiddenSize = field(json, "hidden_size", posInt, "a positive integer") as number;
  const numAttentionHeads = field(
    json,
    "num_attention_heads",
    posInt,
    "a positive integer",
  ) as number;
  const numKeyValueHeads = field(
    json,
    "num_key_value_heads",
    posInt,
    "a positive integer",
    numAttentionHeads,
  ) as number;
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new Error(
      `Cannot read config.json: 'num_key_value_heads' must divide 'num_attention_heads' (${numAttentionHeads}): current value is ${numKeyValueHeads}`,
    );
  }
  const headDim = field(
    json,
    "head_dim",
    posInt,
    "a positive integer",
    hiddenSize / numAttentionHeads,
  ) as number;
  if (headDim % 2 !== 0) {
    throw new Error(
      `Cannot read config.json: 'head_dim' must be even for RoPE: current value is ${headDim}`,
    );
  }
  const act = json.hidden_act ?? "silu";
  if (act !== "silu") {
    throw new Error(
      `Cannot read config.json: 'hidden_act' must be "silu" (supported: silu): current value is ${
        JSON.stringify(act)
      }`,
    );
  }
  const scaling = json.rope_scaling as Record<string, unknown> | null | undefined;
  if (scaling && (scaling.rope_type ?? scaling.type) !== "default") {
    throw new Error(
      `Cannot read config.json: 'rope_scaling' is not supported (supported: null or {"rope_type": "default"}): current value is ${
        JSON.stringify(scaling)
      }`,
    );
  }
  if (json.use_sliding_window === true) {
    throw new Error(
      `Cannot read config.json: 'use_sliding_window' must be false (sliding-window attention is not supported)`,
    );
  }
  if (json.mlp_bias === true) {
    throw new Error(
      `Cannot read config.json: 'mlp_bias' must be false (MLP biases are not supported)`,
    );
  }
  const attentionBias = field(json, "attention_bias", bool, "true or false", false) as boolean;
  return {
    modelType,
    vocabSize: field(json, "vocab_size", posInt, "a positive integer") as number,
    hiddenSize,
    intermediateSize: field(json, "intermediate_size", posInt, "a positive integer") as number,
    numHiddenLayers: field(json, "num_hidden_layers", posInt, "a positive integer") as number,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: field(json, "rms_norm_eps", posNum, "a positive number", 1e-6) as number,
    ropeTheta: field(json, "rope_theta", posNum, "a positive number", 10000) as number,
    maxPositionEmbeddings: field(
      json,
      "max_position_embeddings",
      posInt,
      "a positive integer",
      2048,
    ) as number,
    tieWordEmbeddings: field(json, "tie_word_embeddings", bool, "true or false", false) as boolean,
    qkvBias: modelType === "qwen2" || attentionBias,
    oBias: attentionBias,
    qkNorm: modelType === "qwen3",
    bosTokenId: json.bos_token_id as number | undefined,
    eosTokenId: json.eos_token_id as number | number[] | undefined,
    padTokenId: json.pad_token_id as number | undefined,
  };
}

/** The Hugging Face `config.json` of a config (what transformers.js and transformers read). */
export function llamaConfigToHf(c: LlamaConfig): HfConfigJson {
  const archs: Record<ModelType, string> = {
    llama: "LlamaForCausalLM",
    mistral: "MistralForCausalLM",
    qwen2: "Qwen2ForCausalLM",
    qwen3: "Qwen3ForCausalLM",
  };
  return {
    architectures: [archs[c.modelType]],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    hidden_act: "silu",
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    max_position_embeddings: c.maxPositionEmbeddings,
    tie_word_embeddings: c.tieWordEmbeddings,
    ...(c.modelType === "llama" || c.modelType === "mistral" ? { attention_bias: c.oBias } : {}),
    ...(c.bosTokenId !== undefined ? { bos_token_id: c.bosTokenId } : {}),
    ...(c.eosTokenId !== undefined ? { eos_token_id: c.eosTokenId } : {}),
    ...(c.padTokenId !== undefined ? { pad_token_id: c.padTokenId } : {}),
    torch_dtype: "float32",
  };
}

/** Parameter names (Hugging Face) and shapes of a config. */
export function llamaParamShapes(c: LlamaConfig): Map<string, number[]> {
  const {
    hiddenSize: d,
    intermediateSize: f,
    numAttentionHeads: h,
    numKeyValueHeads: hkv,
    headDim: hd,
  } = c;
  const s = new Map<string, number[]>();
  s.set("model.embed_tokens.weight", [c.vocabSize, d]);
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    s.set(`${p}.input_layernorm.weight`, [d]);
    s.set(`${p}.self_attn.q_proj.weight`, [h * hd, d]);
    s.set(`${p}.self_attn.k_proj.weight`, [hkv * hd, d]);
    s.set(`${p}.self_attn.v_proj.weight`, [hkv * hd, d]);
    s.set(`${p}.self_attn.o_proj.weight`, [d, h * hd]);
    if (c.qkvBias) {
      s.set(`${p}.self_attn.q_proj.bias`, [h * hd]);
      s.set(`${p}.self_attn.k_proj.bias`, [hkv * hd]);
      s.set(`${p}.self_attn.v_proj.bias`, [hkv * hd]);
    }
    if (c.oBias) s.set(`${p}.self_attn.o_proj.bias`, [d]);
    if (c.qkNorm) {
      s.set(`${p}.self_attn.q_norm.weight`, [hd]);
      s.set(`${p}.self_attn.k_norm.weight`, [hd]);
    }
    s.set(`${p}.post_attention_layernorm.weight`, [d]);
    s.set(`${p}.mlp.gate_proj.weight`, [f, d]);
    s.set(`${p}.mlp.up_proj.weight`, [f, d]);
    s.set(`${p}.mlp.down_proj.weight`, [d, f]);
  }
  s.set("model.norm.weight", [d]);
  if (!c.tieWordEmbeddings) s.set("lm_head.weight", [c.vocabSize, d]);
  return s;
}
