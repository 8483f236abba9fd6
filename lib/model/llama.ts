/**
 * The Llama-family decoder as a graph builder: RMSNorm, RoPE (rotate-half, Hugging Face
 * convention), grouped-query attention with an optional KV cache, SwiGLU MLP; optional q/k/v
 * biases (Qwen2) and q/k RMSNorm (Qwen3). Every program over a model (training, scoring,
 * decoding, embedding) calls `decoder` on the same named weights.
 *
 * Shape letters: B batch, Tq new tokens, Tk keys (past + new), D width, H heads, Hkv kv heads,
 * R = H / Hkv query heads per kv head, Hd head width, F MLP width, V vocab.
 *
 * @module
 */

import {
  add,
  cast,
  concat,
  cos,
  type DType,
  gather,
  type Graph,
  greaterOrEqual,
  type HostTensor,
  linear,
  matMul,
  mul,
  neg,
  range,
  reshape,
  rmsNorm,
  rotaryEmbedding,
  shapeOf,
  silu,
  sin,
  slice,
  softmax,
  sub,
  tensor,
  transpose,
  unsqueeze,
  type Value,
} from "../graph/mod.ts";
import { type LlamaConfig, llamaParamShapes } from "./config.ts";

/** Named weights as graph values (inputs fed from a store, or constants for export). */
export type Weights = Record<string, Value>;

/** Declares every weight as a graph input named as in Hugging Face. */
export function weightInputs(g: Graph, c: LlamaConfig, dtype: DType = "float32"): Weights {
  const w: Weights = {};
  for (const [name, shape] of llamaParamShapes(c)) w[name] = g.input(name, dtype, shape);
  return w;
}

/** Embeds every weight of a store as a constant (for a self-contained exported model). */
export function weightConstants(g: Graph, c: LlamaConfig, store: Map<string, HostTensor>): Weights {
  const w: Weights = {};
  for (const name of llamaParamShapes(c).keys()) w[name] = g.constant(store.get(name)!);
  return w;
}

/** The KV cache of one layer: (B,Hkv,T,Hd) each. */
export interface LayerCache {
  readonly key: Value;
  readonly value: Value;
}

/** What the decoder reads besides weights. */
export interface DecoderInputs {
  /** Token ids (B,Tq) int64. */
  readonly ids: Value;
  /** Positions (B,Tq) int64, for RoPE. */
  readonly positions: Value;
  /** 1 for real tokens, 0 for padding, over past and new tokens (B,Tk) int64. */
  readonly attentionMask: Value;
  /** The cache of earlier tokens, one per layer; absent for a full-sequence pass. */
  readonly past?: readonly LayerCache[];
  /**
   * Attend to `past` and the new tokens in two parts, never joining them: each layer's returned
   * cache is then the new tokens' keys and values only, and the caller extends its own cache.
   * A decoder's whole cache as an output costs ONNX Runtime a copy into fresh memory every step,
   * more than the step's compute for hundreds of short rows. @default false
   */
  readonly splitCache?: boolean;
  /**
   * Use ONNX Runtime's fused RotaryEmbedding (one node instead of seven per projection, which is
   * most of a small model's per-token decode time). Inference only: it has no gradient rule,
   * and positions must be below `maxPositionEmbeddings`. @default false
   */
  readonly contribOps?: boolean;
}

/** RoPE for one projection: the plain-op tables, or the contrib op's caches and positions. */
type Rope =
  | { readonly kind: "tables"; readonly cos: Value; readonly sin: Value }
  | {
    readonly kind: "contrib";
    readonly cos: Value;
    readonly sin: Value;
    readonly positions: Value;
  };

/** Inverse RoPE frequencies θ^(−2i/Hd), i < Hd/2, as a constant. */
function inverseFrequencies(g: Graph, c: LlamaConfig, dtype: DType): Value {
  const half = c.headDim / 2;
  const data = Array.from({ length: half }, (_, i) => Math.pow(c.ropeTheta, (-2 * i) / c.headDim));
  return cast(g.constant(tensor("float64", [half], data)), dtype);
}

/** cos and sin of the rotation angles, (B,1,Tq,Hd), shared by all layers. */
function ropeTables(positions: Value, c: LlamaConfig, dtype: DType): { cos: Value; sin: Value } {
  const g = positions.graph;
  // HF computes angles in float32 from float32 positions; the same here keeps logits identical.
  const angles = mul(unsqueeze(cast(positions, dtype), [-1]), inverseFrequencies(g, c, dtype)); // (B,Tq,Hd/2)
  const full = unsqueeze(concat([angles, angles], -1), [1]); // (B,1,Tq,Hd)
  return { cos: cos(full), sin: sin(full) };
}

/**
 * cos and sin caches (P,Hd/2) for ONNX Runtime's RotaryEmbedding, row p for position p, computed
 * as HF does: angles in float32, then cos and sin.
 */
function ropeCaches(g: Graph, c: LlamaConfig, dtype: DType): { cos: Value; sin: Value } {
  const half = c.headDim / 2, rows = c.maxPositionEmbeddings;
  const cosData = new Float32Array(rows * half), sinData = new Float32Array(rows * half);
  for (let i = 0; i < half; i++) {
    const inv = Math.fround(Math.pow(c.ropeTheta, (-2 * i) / c.headDim));
    for (let p = 0; p < rows; p++) {
      const angle = Math.fround(p * inv);
      cosData[p * half + i] = Math.cos(angle);
      sinData[p * half + i] = Math.sin(angle);
    }
  }
  return {
    cos: cast(g.constant(tensor("float32", [rows, half], cosData)), dtype),
    sin: cast(g.constant(tensor("float32", [rows, half], sinData)), dtype),
  };
}

/** Rotate-half RoPE on (B,heads,Tq,Hd): x·cos + [−x₂, x₁]·sin. */
function applyRope(x: Value, t: Rope, hd: number): Value {
  if (t.kind === "contrib") return rotaryEmbedding(x, t.positions, t.cos, t.sin);
  const x1 = slice(x, [0], [hd / 2], [3]);
  const x2 = slice(x, [hd / 2], [hd], [3]);
  return add(mul(x, t.cos), mul(concat([neg(x2), x1], -1), t.sin));
}

/**
 * Additive attention bias (B,1,1,Tq,Tk): 0 where query i may see key j (causal by index, with
 * the new tokens at the end of the keys, and the key not padding), −1e9 elsewhere.
 */
function attentionBias(attentionMask: Value, tq: Value, dtype: DType): Value {
  const g = attentionMask.graph;
  const one = g.constant(tensor("int64", [], [1]));
  const tk = gather(shapeOf(attentionMask), one); // scalar Tk
  const zero = g.constant(tensor("int64", [], [0]));
  const keyIdx = range(zero, tk, one); // (Tk)
  const queryIdx = range(sub(tk, tq), tk, one); // (Tq): the last Tq key positions
  const causal = cast(greaterOrEqual(unsqueeze(queryIdx, [1]), unsqueeze(keyIdx, [0])), dtype); // (Tq,Tk)
  const keys = reshape(cast(attentionMask, dtype), [0, 1, 1, 1, -1]); // (B,1,1,1,Tk)
  const allowed = mul(causal, keys); // (B,1,1,Tq,Tk)
  return mul(sub(allowed, 1), 1e9);
}

function attentionBlock(
  x: Value,
  w: (n: string) => Value,
  wOpt: (n: string) => Value | undefined,
  c: LlamaConfig,
  rope: Rope,
  bias: Value,
  past: LayerCache | undefined,
  splitCache = false,
): { out: Value; cache: LayerCache } {
  const { numAttentionHeads: h, numKeyValueHeads: hkv, headDim: hd } = c;
  const heads = (name: string, n: number) => {
    let y = reshape(linear(x, w(`${name}_proj.weight`), wOpt(`${name}_proj.bias`)), [0, 0, n, hd]); // (B,Tq,n,Hd)
    const norm = wOpt(`${name}_norm.weight`);
    if (norm) y = rmsNorm(y, norm, c.rmsNormEps);
    return transpose(y, [0, 2, 1, 3]); // (B,n,Tq,Hd)
  };
  const q = applyRope(heads("q", h), rope, hd);
  let k = applyRope(heads("k", hkv), rope, hd);
  let v = heads("v", hkv);
  // Grouped-query attention without copying keys: queries grouped as (B,Hkv,R,Tq,Hd) against
  // keys (B,Hkv,1,Tk,Hd); MatMul broadcasts over R.
  const q5 = reshape(q, [0, hkv, h / hkv, -1, hd]);
  const keysT = (x: Value) => transpose(unsqueeze(x, [2]), [0, 1, 2, 4, 3]);
  let ctx: Value; // (B,Hkv,R,Tq,Hd)
  if (past && splitCache) {
    // Scores against the past and the new keys, one softmax over both, and each part's values
    // weighted by its own share: the same attention, without a joined (B,Hkv,Tk,Hd) cache.
    const tp = gather(shapeOf(past.key), x.graph.constant(tensor("int64", [1], [2]))); // (1)
    const scores = add(
      mul(concat([matMul(q5, keysT(past.key)), matMul(q5, keysT(k))], -1), 1 / Math.sqrt(hd)),
      bias,
    ); // (B,Hkv,R,Tq,Tk)
    const p = softmax(scores, -1);
    const end = x.graph.constant(tensor("int64", [1], [Number.MAX_SAFE_INTEGER]));
    const zero = x.graph.constant(tensor("int64", [1], [0]));
    ctx = add(
      matMul(slice(p, zero, tp, [-1]), unsqueeze(past.value, [2])),
      matMul(slice(p, tp, end, [-1]), unsqueeze(v, [2])),
    );
  } else {
    if (past) {
      k = concat([past.key, k], 2); // (B,Hkv,Tk,Hd)
      v = concat([past.value, v], 2);
    }
    const scores = add(mul(matMul(q5, keysT(k)), 1 / Math.sqrt(hd)), bias); // (B,Hkv,R,Tq,Tk)
    ctx = matMul(softmax(scores, -1), unsqueeze(v, [2]));
  }
  const merged = reshape(transpose(reshape(ctx, [0, h, -1, hd]), [0, 2, 1, 3]), [0, 0, h * hd]); // (B,Tq,H·Hd)
  return {
    out: linear(merged, w("o_proj.weight"), wOpt("o_proj.bias")),
    cache: { key: k, value: v },
  };
}

/**
 * Runs the decoder blocks: final-normed hidden states (B,Tq,D) and the updated cache per layer.
 */
export function decoder(
  weights: Weights,
  c: LlamaConfig,
  inp: DecoderInputs,
): { hidden: Value; cache: LayerCache[] } {
  const g = inp.ids.graph;
  const embed = weights["model.embed_tokens.weight"];
  const dtype = embed.dtype;
  let x = gather(embed, inp.ids); // (B,Tq,D)
  const rope: Rope = inp.contribOps
    ? { kind: "contrib", ...ropeCaches(g, c, dtype), positions: inp.positions }
    : { kind: "tables", ...ropeTables(inp.positions, c, dtype) };
  const one = g.constant(tensor("int64", [], [1]));
  const tq = gather(shapeOf(inp.ids), one);
  const bias = attentionBias(inp.attentionMask, tq, dtype);
  const cache: LayerCache[] = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    const w = (n: string) => weights[`${p}.self_attn.${n}`] ?? weights[`${p}.${n}`];
    const wOpt = (n: string): Value | undefined => weights[`${p}.self_attn.${n}`];
    x = g.scope(`layers.${l}`, () => {
      const a = attentionBlock(
        rmsNorm(x, weights[`${p}.input_layernorm.weight`], c.rmsNormEps),
        w,
        wOpt,
        c,
        rope,
        bias,
        inp.past?.[l],
        inp.splitCache ?? false,
      );
      cache.push(a.cache);
      const x1 = add(x, a.out);
      const h = rmsNorm(x1, weights[`${p}.post_attention_layernorm.weight`], c.rmsNormEps);
      const mlp = linear(
        mul(
          silu(linear(h, weights[`${p}.mlp.gate_proj.weight`])),
          linear(h, weights[`${p}.mlp.up_proj.weight`]),
        ),
        weights[`${p}.mlp.down_proj.weight`],
      ); // (B,Tq,D)
      return add(x1, mlp);
    });
  }
  return { hidden: rmsNorm(x, weights["model.norm.weight"], c.rmsNormEps), cache };
}

/** Logits (B,Tq,V) from final hidden states. */
export function lmHead(weights: Weights, c: LlamaConfig, hidden: Value): Value {
  const w = c.tieWordEmbeddings ? weights["model.embed_tokens.weight"] : weights["lm_head.weight"];
  return matMul(hidden, transpose(w)); // (B,Tq,V)
}
