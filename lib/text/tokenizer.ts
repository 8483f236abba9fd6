/**
 * Tokenizers, loaded offline with `@huggingface/transformers` from a `tokenizer.json` (and
 * `tokenizer_config.json` when present), or converted on the fly from a llama2.c `.bin`.
 *
 * @module
 */

import { PreTrainedTokenizer } from "@huggingface/transformers";
import {
  countLlama2cPieces,
  llama2cToTokenizerJson,
  readLlama2cTokenizer,
} from "./llama2c_tokenizer.ts";

/** A tokenizer as the toolkit uses it. */
export interface Tokenizer {
  /** Number of token ids (the largest id + 1). */
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  /** The JSON objects it was built from (written out when a model folder is saved). */
  readonly json: { tokenizer: Record<string, unknown>; config: Record<string, unknown> };
  /** Token ids of `text`; a BOS is prepended when `addBos` (default: the tokenizer's own rule). */
  encode(text: string, options?: { addBos?: boolean }): number[];
  /** Text of token ids, special tokens dropped unless `keepSpecial`. */
  decode(ids: readonly number[], options?: { keepSpecial?: boolean }): string;
  /** The underlying transformers.js tokenizer (chat templates and the rest of its API). */
  readonly hf: PreTrainedTokenizer;
}

/** Builds a tokenizer from `tokenizer.json` and `tokenizer_config.json` objects. */
export function tokenizerFromJson(
  tokenizer: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Tokenizer {
  const hf = new PreTrainedTokenizer(tokenizer, config);
  const model = tokenizer.model as { vocab?: Record<string, number> | [string, number][] };
  const ids: number[] = Array.isArray(model.vocab)
    ? model.vocab.map((_, i) => i)
    : Object.values(model.vocab ?? {});
  for (const t of (tokenizer.added_tokens ?? []) as { id: number }[]) ids.push(t.id);
  const vocabSize = ids.reduce((a, b) => Math.max(a, b), -1) + 1;
  const bosId = hf.bos_token_id ?? null;
  const eosId = hf.eos_token_id ?? null;
  return {
    vocabSize,
    bosId,
    eosId,
    json: { tokenizer, config },
    hf,
    encode(text, options = {}) {
      const { addBos } = options;
      const out = hf.encode(text, { add_special_tokens: addBos ?? true }) as number[];
      if (addBos === true && bosId !== null && out[0] !== bosId) return [bosId, ...out];
      return out;
    },
    decode(ids, options = {}) {
      return hf.decode([...ids], { skip_special_tokens: !options.keepSpecial });
    },
  };
}

/**
 * Loads a tokenizer from a folder (holding `tokenizer.json`), a `tokenizer.json` path, or a
 * llama2.c `.bin` tokenizer.
 *
 * @example Load the shared stories tokenizer, if present
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./tokenizer.ts";
 * const path = "../shared/data/models/tok512.bin";
 * if (await Deno.stat(path).then(() => true, () => false)) {
 *   const tok = await loadTokenizer(path);
 *   assert.ok(tok.decode(tok.encode("Once upon a time")) === "Once upon a time");
 * }
 * ```
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const info = await Deno.stat(path).catch(() => {
    throw new Error(`Cannot load tokenizer: '${path}' does not exist`);
  });
  if (info.isFile && path.endsWith(".bin")) {
    const bytes = await Deno.readFile(path);
    const { tokenizer, config } = llama2cToTokenizerJson(
      readLlama2cTokenizer(bytes, countLlama2cPieces(bytes), path),
    );
    return tokenizerFromJson(tokenizer, config);
  }
  const file = info.isDirectory ? `${path.replace(/\/$/, "")}/tokenizer.json` : path;
  const dir = file.slice(0, file.lastIndexOf("/") + 1) || "./";
  let tokenizer: Record<string, unknown>;
  try {
    tokenizer = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new Error(`Cannot load tokenizer: ${file}: ${(e as Error).message}`);
  }
  const config = await Deno.readTextFile(`${dir}tokenizer_config.json`).then(
    JSON.parse,
    () => ({}),
  );
  return tokenizerFromJson(tokenizer, config);
}

/**
 * Checks a tokenizer against a model's vocabulary size: more token ids than the model has rows is
 * an error; fewer is allowed (models often pad their embedding), reported as a note.
 */
export function checkTokenizerMatchesModel(tok: Tokenizer, vocabSize: number): string | undefined {
  if (tok.vocabSize > vocabSize) {
    throw new Error(
      `Tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${vocabSize}: they do not belong together`,
    );
  }
  return tok.vocabSize < vocabSize
    ? `tokenizer has ${tok.vocabSize} tokens, the model ${vocabSize} rows; the extra rows are never produced by encoding`
    : undefined;
}
