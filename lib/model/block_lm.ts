/**
 * A small pre-norm transformer language model (learned positions, RMSNorm, causal multi-head
 * attention, SiLU MLP, tied output embedding), built from `lib/graph/nn.ts`. The engine's demo,
 * tests and benchmark train it; the Llama-family decoder lives in `llama.ts`.
 *
 * Shapes: B batch, T sequence (fixed per program), D width, H heads, F MLP width, V vocab.
 *
 * @module
 */

import type { Graph, Value } from "../graph/ir.ts";
import {
  attention,
  causalMask,
  linear,
  mergeHeads,
  rmsNorm,
  silu,
  splitHeads,
  tokenNll,
} from "../graph/nn.ts";
import { add, gather, matMul, mul, reduceMean, transpose } from "../graph/ops.ts";
import { type DType, type HostTensor, tensor } from "../graph/tensor.ts";

/** Size of a block LM. */
export interface BlockLmConfig {
  /** Vocabulary size V. */
  readonly vocab: number;
  /** Model width D. */
  readonly width: number;
  /** Attention heads H (must divide D). */
  readonly heads: number;
  /** MLP hidden width F. */
  readonly hidden: number;
  /** Number of blocks. */
  readonly layers: number;
  /** Sequence length T the program is built for. */
  readonly seq: number;
  /** @default "float32" */
  readonly dtype?: DType;
}

/** Parameter names and shapes of a block LM. */
export function blockLmShapes(c: BlockLmConfig): Record<string, number[]> {
  const s: Record<string, number[]> = {
    "embed": [c.vocab, c.width],
    "pos": [c.seq, c.width],
    "norm": [c.width],
  };
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}`;
    s[`${p}.attn_norm`] = [c.width];
    for (const w of ["q", "k", "v", "o"]) s[`${p}.${w}`] = [c.width, c.width];
    s[`${p}.mlp_norm`] = [c.width];
    s[`${p}.gate`] = [c.hidden, c.width];
    s[`${p}.up`] = [c.hidden, c.width];
    s[`${p}.down`] = [c.width, c.hidden];
  }
  return s;
}

/** Random initial parameters (normal, σ = 0.02; norms at 1), from a seed. */
export function initBlockLm(c: BlockLmConfig, seed: number): Map<string, HostTensor> {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const store = new Map<string, HostTensor>();
  for (const [name, shape] of Object.entries(blockLmShapes(c))) {
    const n = shape.reduce((p, q) => p * q, 1);
    const isNorm = name.endsWith("norm");
    const std = name.endsWith(".o") || name.endsWith(".down")
      ? 0.02 / Math.sqrt(2 * c.layers)
      : 0.02;
    store.set(
      name,
      tensor(
        c.dtype ?? "float32",
        shape,
        Array.from({ length: n }, () => (isNorm ? 1 : std * normal())),
      ),
    );
  }
  return store;
}

/** Declares the parameters as graph inputs. */
export function blockLmInputs(g: Graph, c: BlockLmConfig): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, shape] of Object.entries(blockLmShapes(c))) {
    out[name] = g.input(name, c.dtype ?? "float32", shape);
  }
  return out;
}

/** Logits (B,T,V) of token ids (B,T). */
export function blockLmLogits(p: Record<string, Value>, tokens: Value, c: BlockLmConfig): Value {
  const g = tokens.graph;
  let x = add(gather(p.embed, tokens), p.pos); // (B,T,D)
  const mask = causalMask(x, c.seq);
  for (let l = 0; l < c.layers; l++) {
    const q = (n: string) => p[`layers.${l}.${n}`];
    x = g.scope(`layers.${l}`, () => {
      const h = rmsNorm(x, q("attn_norm"), 1e-5);
      const heads = (w: string) => splitHeads(linear(h, q(w)), c.heads); // (B,H,T,Hd)
      const a = mergeHeads(attention(heads("q"), heads("k"), heads("v"), mask)); // (B,T,D)
      const x1 = add(x, linear(a, q("o")));
      const h2 = rmsNorm(x1, q("mlp_norm"), 1e-5);
      const m = linear(mul(silu(linear(h2, q("gate"))), linear(h2, q("up"))), q("down")); // (B,T,D)
      return add(x1, m);
    });
  }
  return matMul(rmsNorm(x, p.norm, 1e-5), transpose(p.embed)); // (B,T,V)
}

/** Mean next-token cross-entropy of `targets` (B,T) given `tokens` (B,T). */
export function blockLmLoss(
  p: Record<string, Value>,
  tokens: Value,
  targets: Value,
  c: BlockLmConfig,
): Value {
  return reduceMean(tokenNll(blockLmLogits(p, tokens, c), targets));
}
