/**
 * A tiny random generator with the default models' tokenizer, and a reward table with one cheap
 * deterministic function, for tests of the GRPO loop that must run in a second or two.
 */
import type { AcquisitionFunction } from "../../lib/acquire/mod.ts";
import { generateTasks } from "../../lib/data/mod.ts";
import {
  createModel,
  initWeights,
  type LanguageModel,
  llamaConfigFromHf,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { loadTokenizer } from "../../lib/text/mod.ts";
import type { ShapeContext } from "../../lib/reward/mod.ts";

export const rt = createRuntime({ threads: 1 });
export const tok = await loadTokenizer(
  new URL("../../data/models/generator", import.meta.url).pathname,
);
export const tinyConfig = llamaConfigFromHf({
  vocab_size: 512,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  bos_token_id: 1,
  eos_token_id: 2,
});

/** A fresh tiny generator; the same seed gives the same weights. */
export function tinyGenerator(seed: number): LanguageModel {
  return createModel(tinyConfig, initWeights(tinyConfig, createRng(seed), { std: 0.3 }), rt, tok);
}

export const seeds = generateTasks({ family: "arithmetic", count: 6, seed: 2 });

/** Reward: the share of the text's characters that are digits (varies a lot between samples). */
const digits: AcquisitionFunction = {
  name: "digits",
  description: "share of digit characters",
  needs: [],
  score: (cands) =>
    Promise.resolve(
      cands.map((c) => (c.text.match(/\d/g)?.length ?? 0) / Math.max(1, c.text.length)),
    ),
};

/** A shaping context whose function table holds only `digits`. */
export function digitsContext(student: LanguageModel): ShapeContext {
  return {
    functions: { digits },
    acquire: {
      student,
      seeds,
      embedder: { name: "none", embed: (t) => Promise.resolve(t.map(() => new Float32Array(1))) },
      rng: createRng(0),
      cache: new Map(),
    },
  };
}
