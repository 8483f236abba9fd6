/**
 * Tiny students for the score-based acquisition tests: a byte-level tokenizer (every character
 * one token) and a one-layer Llama with random weights, fast enough to score in milliseconds.
 */

import type { TaskRecord } from "../../lib/data/mod.ts";
import { type HostTensor, tensor } from "../../lib/graph/mod.ts";
import {
  cacheNames,
  createModel,
  decodeProgram,
  initWeights,
  type LanguageModel,
  llamaConfigFromHf,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { createRuntime, runProgram, type Runtime } from "../../lib/runtime/mod.ts";
import { llama2cToTokenizerJson, type Tokenizer, tokenizerFromJson } from "../../lib/text/mod.ts";
import type { AcquireContext, Candidate } from "../../lib/acquire/mod.ts";

export const runtime: Runtime = createRuntime({ threads: 1 });

/** `<unk> <s> </s>`, the 256 bytes, then `▁` (SentencePiece's space): 260 ids. */
export function byteTokenizer(extra: string[] = []): Tokenizer {
  const bytes = Array.from(
    { length: 256 },
    (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`,
  );
  const { tokenizer, config } = llama2cToTokenizerJson(
    ["<unk>", "<s>", "</s>", ...bytes, "▁", ...extra].map((piece) => ({ piece, score: 0 })),
  );
  return tokenizerFromJson(tokenizer, config);
}

/**
 * A one-layer Llama over `tok` with weights drawn from `seed` (std 0.3) and the lm_head scaled
 * by `sharpness`, so next-token distributions range from spread to peaked (margins near 1).
 */
export function tinyStudent(
  seed: number,
  tok: Tokenizer = byteTokenizer(),
  sharpness = 8,
): LanguageModel {
  const config = llamaConfigFromHf({
    vocab_size: tok.vocabSize,
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    max_position_embeddings: 128,
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
  });
  const store = initWeights(config, createRng(seed), { std: 0.3, scaledResidual: false });
  const head = store.get("lm_head.weight")!;
  store.set("lm_head.weight", {
    ...head,
    data: (head.data as Float32Array).map((x) => x * sharpness),
  });
  return createModel(config, store, runtime, tok);
}

/** The same model with an all-zero lm_head: every next-token distribution is uniform. */
export function uniformStudent(tok: Tokenizer = byteTokenizer()): LanguageModel {
  const m = tinyStudent(0, tok);
  const head = m.store.get("lm_head.weight")!;
  m.store.set("lm_head.weight", { ...head, data: new Float32Array(head.data.length) });
  return m;
}

/** A context around `student` (no embedder use in these tests). */
export function contextFor(
  student: LanguageModel,
  extra: Partial<AcquireContext> = {},
): AcquireContext {
  return {
    student,
    seeds: [],
    embedder: { name: "unused", embed: () => Promise.reject(new Error("no embedder here")) },
    rng: createRng(5),
    cache: new Map(),
    ...extra,
  };
}

/** A small arithmetic record. */
export function mathRecord(question: string, answer: string, reasoning = "so"): TaskRecord {
  return {
    id: question,
    domain: "math",
    answerKind: "number",
    question,
    reasoning,
    answer,
    meta: {},
  };
}

/** Two word problems with reasoning, the records most score tests use. */
export const RECORDS: readonly TaskRecord[] = [
  mathRecord("2+2?", "4", "2 + 2 = 4."),
  mathRecord("Is 9 odd?", "1", "9 is odd."),
];

/** A batch of those two around a candidate that did not parse (its score must be null). */
export const BATCH: readonly Candidate[] = [
  { text: "a", record: RECORDS[0] },
  { text: "broken", record: null },
  { text: "b", record: RECORDS[1] },
];

/**
 * log p(· | tokens ≤ t) for every position t < L − 1, by a route independent of the scoring
 * program: the KV-cache decoder's prefill logits (weights baked in, fused RoPE), normalised here
 * in float64.
 */
export async function independentLogProbs(
  model: LanguageModel,
  tokens: readonly number[],
): Promise<number[][]> {
  const c = model.config;
  const program = await decodeProgram(model);
  const t = tokens.length;
  const feeds: Record<string, HostTensor> = {
    input_ids: tensor("int64", [1, t], tokens),
    attention_mask: tensor("int64", [1, t], tokens.map(() => 1)),
    position_ids: tensor("int64", [1, t], tokens.map((_, i) => i)),
  };
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const empty = tensor("float32", [1, c.numKeyValueHeads, 0, c.headDim]);
    feeds[cacheNames(l).pastKey] = empty;
    feeds[cacheNames(l).pastValue] = empty;
  }
  const out = await runProgram(program, feeds);
  const logits = out.logits.data as Float32Array;
  const v = c.vocabSize;
  const rows: number[][] = [];
  for (let i = 0; i < t - 1; i++) {
    const row = Array.from(logits.subarray(i * v, (i + 1) * v));
    const top = Math.max(...row);
    const lse = top + Math.log(row.reduce((s, x) => s + Math.exp(x - top), 0));
    rows.push(row.map((x) => x - lse));
  }
  return rows;
}

/** p(top-1) − p(top-2) of a log-prob row, by sorting. */
export function rowMargin(row: readonly number[]): number {
  const p = row.map(Math.exp).sort((a, b) => b - a);
  return p[0] - p[1];
}

/** −Σ p log p of a log-prob row. */
export function rowEntropy(row: readonly number[]): number {
  return -row.reduce((s, lp) => s + Math.exp(lp) * lp, 0);
}

/** The plain mean. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * A bigram student that writes a known chain: attention and MLP outputs are zero, so the logits
 * after token x are lm_head · rmsnorm(embed[x]); each character of `chain`'s keys gets its own
 * hidden direction, and lm_head puts `logit` on its successor (40: probability ≈ 1), 0 elsewhere.
 */
export function chainStudent(
  chain: Readonly<Record<string, string>>,
  logit = 40,
): LanguageModel {
  const m = tinyStudent(0);
  const tok = m.tokenizer!;
  const d = m.config.hiddenSize, v = m.config.vocabSize;
  const id = (ch: string) => {
    const ids = tok.encode(ch, { addBos: false });
    return ids[ids.length - 1];
  };
  for (const [name, t] of m.store) {
    if (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")) {
      m.store.set(name, { ...t, data: new Float32Array(t.data.length) });
    }
  }
  const embed = new Float32Array(v * d), head = new Float32Array(v * d);
  Object.keys(chain).forEach((from, slot) => {
    embed[id(from) * d + slot] = 1; // rmsnorm scales it to sqrt(d) = 4
    head[id(chain[from]) * d + slot] = logit / Math.sqrt(d);
  });
  m.store.set("model.embed_tokens.weight", tensor("float32", [v, d], embed));
  m.store.set("lm_head.weight", tensor("float32", [v, d], head));
  return m;
}
