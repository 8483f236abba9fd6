/**
 * The one weight initialiser of a Llama-family model: normal(0, std) for embeddings and
 * projections, with the residual-output projections (`o_proj`, `down_proj`) scaled by
 * 1/sqrt(2·layers) so the residual stream's variance does not grow with depth (GPT-2's rule);
 * ones for RMSNorm weights, zeros for biases. Each tensor draws from its own named stream of the
 * one RNG, so a tensor's values depend only on the seed and its name.
 *
 * @module
 */

import { tensor } from "../graph/mod.ts";
import type { Rng } from "../run/mod.ts";
import type { ParamStore } from "../runtime/mod.ts";
import { type LlamaConfig, llamaParamShapes } from "./config.ts";

/** Options of {@link initWeights}. */
export interface InitOptions {
  /** Standard deviation of embeddings and projections. @default 0.02 */
  readonly std?: number;
  /** Scale `o_proj` and `down_proj` by 1/sqrt(2·layers). @default true */
  readonly scaledResidual?: boolean;
  /** Element type of every tensor (float64 for finite-difference tests). @default "float32" */
  readonly dtype?: "float32" | "float64";
}

/**
 * A fresh store of every weight `config` names, drawn from `rng`'s child streams (`rng` itself
 * is not advanced).
 *
 * @example Norms are ones, projections have the asked spread
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/rng.ts";
 * import { llamaConfigFromHf } from "./config.ts";
 * import { initWeights } from "./init.ts";
 * const c = llamaConfigFromHf({ vocab_size: 64, hidden_size: 32, intermediate_size: 64,
 *   num_hidden_layers: 2, num_attention_heads: 4 });
 * const store = initWeights(c, createRng(0));
 * assert.ok(store.get("model.norm.weight")!.data.every((x) => x === 1));
 * const w = store.get("model.embed_tokens.weight")!.data as Float32Array;
 * const sd = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
 * assert.ok(Math.abs(sd - 0.02) < 0.002);
 * assert.deepEqual(store.get("lm_head.weight")!.data, initWeights(c, createRng(0)).get("lm_head.weight")!.data);
 * ```
 */
export function initWeights(config: LlamaConfig, rng: Rng, options: InitOptions = {}): ParamStore {
  const { std = 0.02, scaledResidual = true, dtype = "float32" } = options;
  if (!(std >= 0) || !Number.isFinite(std)) {
    throw new RangeError(
      `Cannot initialise weights: 'std' must be a finite number ≥ 0: current value is ${std}`,
    );
  }
  const residualStd = scaledResidual ? std / Math.sqrt(2 * config.numHiddenLayers) : std;
  const store: ParamStore = new Map();
  for (const [name, shape] of llamaParamShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
    if (name.endsWith("norm.weight")) data.fill(1);
    else if (!name.endsWith(".bias")) {
      const s = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")
        ? residualStd
        : std;
      const r = rng.split(name);
      for (let i = 0; i < size; i++) data[i] = r.normal(0, s);
    }
    store.set(name, tensor(dtype, shape, data));
  }
  return store;
}
