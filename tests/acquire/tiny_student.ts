/**
 * Tiny students for the score-based acquisition tests: a byte-level tokenizer (every character
 * one token) and a one-layer Llama with random weights, fast enough to score in milliseconds.
 */

import type { TaskRecord } from "../../lib/data/mod.ts";
import {
  createModel,
  initWeights,
  type LanguageModel,
  llamaConfigFromHf,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { createRuntime, type Runtime } from "../../lib/runtime/mod.ts";
import { llama2cToTokenizerJson, type Tokenizer, tokenizerFromJson } from "../../lib/text/mod.ts";
import type { AcquireContext } from "../../lib/acquire/mod.ts";

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

/** A one-layer Llama over `tok` with weights drawn from `seed` (std 0.3: far from uniform). */
export function tinyStudent(seed: number, tok: Tokenizer = byteTokenizer()): LanguageModel {
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
