/**
 * What a model says about given text: per-token log-probs, entropies and top-1/top-2 margins,
 * mean-pooled hidden states, and per-example gradient norms. These are the student-side
 * measurements acquisition functions are made of.
 *
 * @module
 */

import { Graph, type HostTensor, logSoftmax, tensor } from "../graph/mod.ts";
import { compile, type Program, runProgram } from "../runtime/mod.ts";
import { type PackedBatch, packSequences } from "./batch.ts";
import { decoder, lmHead, weightInputs } from "./llama.ts";
import { embedProgram, type LanguageModel, scoreProgram, weightFeeds } from "./model.ts";
import { llamaParamShapes } from "./config.ts";
import { buildGradGraph, buildGradNormGraph, buildGradSketchGraph } from "./programs.ts";

/**
 * Runs `prog` over `sequences` in packed batches of `batchSize`, feeding only the weights the
 * program takes (the pooling program stops before the output layer, so an untied lm_head is not
 * one of its inputs) and `targets` where it takes them; `read` gets each batch's outputs, its
 * packing and the index of its first sequence.
 */
async function runBatches(
  model: LanguageModel,
  prog: Program,
  sequences: readonly (readonly number[])[],
  batchSize: number,
  read: (out: Record<string, HostTensor>, batch: PackedBatch, first: number) => void,
): Promise<void> {
  const inputs = new Set(prog.signature.inputs.map((s) => s.name));
  const weights = Object.fromEntries(
    Object.entries(weightFeeds(model)).filter(([name]) => inputs.has(name)),
  );
  for (let first = 0; first < sequences.length; first += batchSize) {
    const b = packSequences(sequences.slice(first, first + batchSize));
    const feeds: Record<string, HostTensor> = {
      ...weights,
      input_ids: b.input_ids,
      attention_mask: b.attention_mask,
      position_ids: b.position_ids,
    };
    if (inputs.has("targets")) feeds.targets = b.targets;
    read(await runProgram(prog, feeds), b, first);
  }
}

/** Scores of one sequence: entry t describes the prediction of token t + 1. */
export interface TokenScores {
  /** log p(token t+1 | tokens ≤ t). */
  readonly logprobs: number[];
  /** Entropy (nats) of the next-token distribution at t. */
  readonly entropies: number[];
  /** p(top-1) − p(top-2) of the next-token distribution at t. */
  readonly margins: number[];
}

/**
 * Scores token sequences (each including its prompt) in batches of `batchSize`.
 *
 * @example Score a sequence (needs a loaded model)
 * ```ts ignore
 * const [s] = await scoreTokens(model, [[1, 403, 407]]);
 * console.log(s.logprobs); // two numbers: log p(403 | 1), log p(407 | 1 403)
 * ```
 */
export async function scoreTokens(
  model: LanguageModel,
  sequences: readonly (readonly number[])[],
  options: { batchSize?: number } = {},
): Promise<TokenScores[]> {
  const { batchSize = 16 } = options;
  const prog = await scoreProgram(model);
  const out: TokenScores[] = [];
  await runBatches(model, prog, sequences, batchSize, (r, b) => {
    b.lengths.forEach((length, k) => {
      const take = (name: string) =>
        Array.from((r[name].data as Float32Array).subarray(k * b.width, k * b.width + length - 1));
      out.push({
        logprobs: take("token_logprobs"),
        entropies: take("entropy"),
        margins: take("margin"),
      });
    });
  });
  return out;
}

/** Mean-pooled final hidden states of each sequence: one vector of width D per sequence. */
export async function embedSequences(
  model: LanguageModel,
  sequences: readonly (readonly number[])[],
  options: { batchSize?: number } = {},
): Promise<Float32Array[]> {
  const { batchSize = 16 } = options;
  const prog = await embedProgram(model);
  const d = model.config.hiddenSize;
  const out: Float32Array[] = [];
  await runBatches(model, prog, sequences, batchSize, (r, b) => {
    const pooled = r.pooled.data as Float32Array;
    for (let k = 0; k < b.lengths.length; k++) out.push(pooled.slice(k * d, (k + 1) * d));
  });
  return out;
}

/** One example for gradient norms: tokens and the per-token loss weights of its targets. */
export interface GradExample {
  readonly tokens: readonly number[];
  /** Weight of predicting token t + 1 at position t (length tokens − 1); default: mean over all. */
  readonly weights?: readonly number[];
}

/** Options of {@link gradientNorms} and {@link gradientVectors}. */
export interface GradientOptions {
  /** Parameters to take the gradient of (e.g. `["lm_head.weight"]`). @default all */
  readonly subset?: readonly string[];
  /**
   * Examples per ONNX Runtime call. Each holds its own copy of the gradient (B × the subset's
   * parameters), so the default keeps that copy under about 256 MB, at most 16 examples.
   * @default min(16, 64M / parameters in the subset)
   */
  readonly batchSize?: number;
}

/** The compiled per-example gradient program for `subset`, once per model. */
function gradientProgram(
  model: LanguageModel,
  kind: "gradnorm" | "grad",
  names: readonly string[],
  subset: readonly string[] | undefined,
): Promise<Program> {
  const key = `${kind}:${subset?.join(",") ?? "*"}`;
  let p = model.programs.get(key);
  if (!p) {
    const build = kind === "gradnorm" ? buildGradNormGraph : buildGradGraph;
    const { graph, outputs } = build(model.config, names);
    p = compile(model.runtime, graph, outputs);
    model.programs.set(key, p);
  }
  return p;
}

/**
 * Runs a per-example gradient program over `examples` in batches of similar length (sorted by
 * length, so little of each batch is padding): `read` gets each batch's outputs, the indices
 * (into `examples`) of its rows, and the per-example gradient's size.
 */
async function runGradientBatches(
  model: LanguageModel,
  prog: Program,
  examples: readonly GradExample[],
  names: readonly string[],
  batchSize: number | undefined,
  what: string,
  read: (out: Record<string, HostTensor>, rows: number[]) => void,
  extra: Record<string, HostTensor> = {},
): Promise<void> {
  const size = names.reduce((s, n) => s + model.store.get(n)!.data.length, 0);
  const b = batchSize ?? Math.max(1, Math.min(16, Math.floor(64 * 2 ** 20 / size)));
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(
      `Cannot compute ${what}: 'batchSize' must be an integer ≥ 1: current value is ${b}`,
    );
  }
  const lossWeights = examples.map((ex, i) => {
    const n = ex.tokens.length - 1;
    if (n < 1) {
      throw new Error(`Cannot compute ${what} of example ${i}: it needs at least 2 tokens`);
    }
    const w = ex.weights ?? Array(n).fill(1 / n);
    if (w.length !== n) {
      throw new RangeError(
        `Cannot compute ${what} of example ${i}: ${w.length} weights for ${n} targets`,
      );
    }
    return w;
  });
  const order = examples.map((_, i) => i).sort((x, y) =>
    examples[x].tokens.length - examples[y].tokens.length
  );
  const weights = weightFeeds(model);
  for (let first = 0; first < order.length; first += b) {
    const rows = order.slice(first, first + b);
    const packed = packSequences(rows.map((i) => examples[i].tokens));
    const lw = new Float32Array(rows.length * packed.width); // 0 on padding and the last token
    rows.forEach((i, r) => lw.set(lossWeights[i], r * packed.width));
    read(
      await runProgram(prog, {
        ...weights,
        ...extra,
        input_ids: packed.input_ids,
        attention_mask: packed.attention_mask,
        position_ids: packed.position_ids,
        targets: packed.targets,
        loss_weights: tensor("float32", [rows.length, packed.width], lw),
      }),
      rows,
    );
  }
}

/**
 * The L2 norm of each example's loss gradient, over all parameters or the named `subset`
 * (e.g. `["lm_head.weight"]`): the "gradient magnitude" acquisition signal. Examples run in
 * batches, each example's gradient kept its own (see `buildGradNormGraph`).
 */
export async function gradientNorms(
  model: LanguageModel,
  examples: readonly GradExample[],
  options: GradientOptions = {},
): Promise<number[]> {
  const names = options.subset ?? [...llamaParamShapes(model.config).keys()];
  const prog = await gradientProgram(model, "gradnorm", names, options.subset);
  const out: number[] = Array(examples.length);
  await runGradientBatches(
    model,
    prog,
    examples,
    names,
    options.batchSize,
    "gradient norm",
    (r, rows) => rows.forEach((i, k) => out[i] = Number(r.grad_norm.data[k])),
  );
  return out;
}

/**
 * The gradient of each example's loss as one flat vector: the gradients of the parameters in
 * `subset` order (all parameters in the model's weight order by default), each flattened
 * row-major and concatenated. The "gradient vector" behind influence-style scores; its norm is
 * what {@link gradientNorms} returns. Examples run in batches like `gradientNorms`.
 *
 * @example The gradient of a tiny random model: one float per parameter, its norm the gradient norm
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { countParams, createModel, gradientNorms, gradientVectors, initWeights, llamaConfigFromHf } from "./mod.ts";
 * const config = llamaConfigFromHf({
 *   vocab_size: 12, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1,
 *   num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 16,
 * });
 * const model = createModel(config, initWeights(config, createRng(1)), createRuntime({ threads: 1 }));
 * const [g] = await gradientVectors(model, [{ tokens: [1, 7, 3] }]);
 * const [norm] = await gradientNorms(model, [{ tokens: [1, 7, 3] }]);
 * assert.equal(g.length, countParams(config));
 * assert.ok(Math.abs(Math.hypot(...g) - norm) < 1e-4 * norm);
 * ```
 */
export async function gradientVectors(
  model: LanguageModel,
  examples: readonly GradExample[],
  options: GradientOptions = {},
): Promise<Float32Array[]> {
  const names = options.subset ?? [...llamaParamShapes(model.config).keys()];
  const prog = await gradientProgram(model, "grad", names, options.subset);
  const sizes = names.map((n) => model.store.get(n)!.data.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  const out: Float32Array[] = Array(examples.length);
  await runGradientBatches(
    model,
    prog,
    examples,
    names,
    options.batchSize,
    "gradient",
    (r, rows) => {
      rows.forEach((i, k) => {
        const flat = new Float32Array(total);
        let at = 0;
        names.forEach((name, j) => {
          const g = r[`grad.${name}`].data as Float32Array;
          flat.set(g.subarray(k * sizes[j], (k + 1) * sizes[j]), at);
          at += sizes[j];
        });
        out[i] = flat;
      });
    },
  );
  return out;
}

/** A CountSketch: input coordinate i goes to output `bucket[i]` (< `dim`) with sign `sign[i]`. */
export interface GradientSketch {
  readonly dim: number;
  readonly bucket: Int32Array;
  /** ±1 per input coordinate. */
  readonly sign: Int8Array;
}

/**
 * Each example's loss gradient (as {@link gradientVectors} flattens it) projected by a
 * CountSketch inside the program: sketch[k] = Σ_{i: bucket[i] = k} sign[i] · g[i], summed in
 * float32. What influence-style scores need, without copying out a full gradient per example.
 *
 * @example The sketch is the projection of the full gradient vector
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { countParams, createModel, gradientSketches, gradientVectors, initWeights, llamaConfigFromHf } from "./mod.ts";
 * const config = llamaConfigFromHf({
 *   vocab_size: 12, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1,
 *   num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 16,
 * });
 * const model = createModel(config, initWeights(config, createRng(1)), createRuntime({ threads: 1 }));
 * const n = countParams(config);
 * const bucket = Int32Array.from({ length: n }, (_, i) => (i * 7) % 5);
 * const sign = Int8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
 * const [s] = await gradientSketches(model, [{ tokens: [1, 7, 3] }], { dim: 5, bucket, sign });
 * const [g] = await gradientVectors(model, [{ tokens: [1, 7, 3] }]);
 * const want = new Float64Array(5);
 * g.forEach((x, i) => want[bucket[i]] += sign[i] * x);
 * want.forEach((x, k) => assert.ok(Math.abs(s[k] - x) < 1e-5));
 * ```
 */
export async function gradientSketches(
  model: LanguageModel,
  examples: readonly GradExample[],
  sketch: GradientSketch,
  options: GradientOptions = {},
): Promise<Float32Array[]> {
  const names = options.subset ?? [...llamaParamShapes(model.config).keys()];
  const n = names.reduce((s, name) => s + model.store.get(name)!.data.length, 0);
  if (sketch.bucket.length !== n || sketch.sign.length !== n) {
    throw new RangeError(
      `Cannot sketch gradients: the sketch takes ${sketch.bucket.length} coordinates (signs ${sketch.sign.length}) but the gradient has ${n}`,
    );
  }
  const key = `gradsketch:${sketch.dim}:${options.subset?.join(",") ?? "*"}`;
  let p = model.programs.get(key);
  if (!p) {
    const { graph, outputs } = buildGradSketchGraph(model.config, sketch.dim, names);
    p = compile(model.runtime, graph, outputs);
    model.programs.set(key, p);
  }
  const prog = await p;
  const extra = {
    sketch_bucket: tensor("int32", [n], sketch.bucket),
    sketch_sign: tensor("float32", [n], Float32Array.from(sketch.sign)),
  };
  const out: Float32Array[] = Array(examples.length);
  await runGradientBatches(
    model,
    prog,
    examples,
    names,
    options.batchSize,
    "gradient sketch",
    (r, rows) => {
      const data = r.sketch.data as Float32Array;
      rows.forEach((i, k) => out[i] = data.slice(k * sketch.dim, (k + 1) * sketch.dim));
    },
    extra,
  );
  return out;
}

/**
 * The full next-token distribution at every position of each sequence, as log-probs: for a
 * sequence of L tokens, L − 1 rows of V values, row t (`subarray(t * V, (t + 1) * V)`) being
 * log p(· | tokens ≤ t). What committee disagreement (BALD) needs, where per-token summaries
 * (log-prob, entropy, margin) are not enough. `from[i]` drops the rows before position
 * `from[i]` of sequence i (the prompt's), so only the rows asked for are copied out.
 *
 * @example Each row is a distribution, and its entry at the next token is scoreTokens' log-prob
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel, scoreDistributions, scoreTokens } from "./mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const seq = model.tokenizer!.encode("Q: 1 + 1?\nA: 2");
 * const [rows] = await scoreDistributions(model, [seq]);
 * const [s] = await scoreTokens(model, [seq]);
 * const v = model.config.vocabSize;
 * assert.equal(rows.length, (seq.length - 1) * v);
 * for (let t = 0; t < seq.length - 1; t++) {
 *   const row = rows.subarray(t * v, (t + 1) * v);
 *   assert.ok(Math.abs(row.reduce((a, x) => a + Math.exp(x), 0) - 1) < 1e-4);
 *   assert.ok(Math.abs(row[seq[t + 1]] - s.logprobs[t]) < 1e-4);
 * }
 * ```
 */
export async function scoreDistributions(
  model: LanguageModel,
  sequences: readonly (readonly number[])[],
  options: { batchSize?: number; from?: readonly number[] } = {},
): Promise<Float32Array[]> {
  const { batchSize = 16, from } = options;
  if (from && from.length !== sequences.length) {
    throw new RangeError(
      `Cannot score distributions: 'from' must hold one position per sequence (${sequences.length}): current length is ${from.length}`,
    );
  }
  let p = model.programs.get("distributions");
  if (!p) {
    const g = new Graph();
    const w = weightInputs(g, model.config);
    const seq = {
      ids: g.input("input_ids", "int64", ["B", "T"]),
      attentionMask: g.input("attention_mask", "int64", ["B", "T"]),
      positions: g.input("position_ids", "int64", ["B", "T"]),
    };
    const { hidden } = decoder(w, model.config, seq);
    const lp = logSoftmax(lmHead(w, model.config, hidden), -1); // (B,T,V)
    // Log-probs, not probabilities: entropies of them stay exact where p underflows.
    p = compile(model.runtime, g, { logprobs: lp }, { name: "distributions" });
    model.programs.set("distributions", p);
  }
  const prog = await p;
  const v = model.config.vocabSize;
  const out: Float32Array[] = [];
  await runBatches(model, prog, sequences, batchSize, (r, b, first) => {
    const lp = r.logprobs.data as Float32Array;
    b.lengths.forEach((length, k) => {
      const start = Math.min(Math.max(from?.[first + k] ?? 0, 0), length - 1);
      out.push(lp.slice((k * b.width + start) * v, (k * b.width + length - 1) * v));
    });
  });
  return out;
}
