/**
 * Tokenizers, built offline with `@huggingface/transformers` from a `tokenizer.json` (and
 * `tokenizer_config.json` when present), or converted on the fly from a llama2.c `.bin`.
 *
 * Why the constructor and not `AutoTokenizer.from_pretrained`: `new PreTrainedTokenizer(json,
 * config)` takes the two JSON objects and touches neither the network, the cache nor the
 * library's global `env` (module-level settings such as `allowRemoteModels` and
 * `localModelPath`, which would have to be mutated). Files are read here with `Deno`, so a
 * missing file is our own clear error. `AutoTokenizer` would only add the choice of a subclass by
 * `tokenizer_class`; for Llama that subclass just sets `padding_side = "left"`, which this
 * wrapper never uses (batching pads ids itself).
 *
 * @module
 */

import { PreTrainedTokenizer } from "@huggingface/transformers";
import {
  countLlama2cPieces,
  llama2cToTokenizerJson,
  readLlama2cTokenizer,
  type TokenizerFiles,
} from "./llama2c_tokenizer.ts";

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Prepend BOS. `true` adds it even when the tokenizer's post-processor would not; `false`
   * adds no special tokens at all. @default the tokenizer's own rule (its post-processor)
   */
  readonly addBos?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, …) from the text. @default true */
  readonly skipSpecial?: boolean;
}

/** A tokenizer as the toolkit uses it. */
export interface Tokenizer {
  /** Number of token ids (the largest id + 1). */
  readonly vocabSize: number;
  /** Id of the beginning-of-sequence token, or null when the tokenizer has none. */
  readonly bosId: number | null;
  /** Id of the end-of-sequence token, or null when the tokenizer has none. */
  readonly eosId: number | null;
  /** The JSON objects it was built from (written out when a model folder is saved). */
  readonly json: TokenizerFiles;
  /** Token ids of `text`. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Text of token ids (an empty list gives ""). */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The vocabulary piece of one id as stored (e.g. "▁time", "<0x0A>", "</s>"). */
  tokenToString(id: number): string;
  /** The underlying transformers.js tokenizer (chat templates and the rest of its API). */
  readonly hf: PreTrainedTokenizer;
}

/**
 * Builds a tokenizer from `tokenizer.json` and `tokenizer_config.json` objects, offline.
 *
 * @example A converted llama2.c vocabulary of bytes and a space
 * ```ts
 * import assert from "node:assert/strict";
 * import { llama2cToTokenizerJson } from "./llama2c_tokenizer.ts";
 * import { tokenizerFromJson } from "./tokenizer.ts";
 * const bytes = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`);
 * const { tokenizer, config } = llama2cToTokenizerJson(
 *   ["<unk>", "<s>", "</s>", ...bytes, " "].map((piece) => ({ piece, score: 0 })),
 * );
 * const tok = tokenizerFromJson(tokenizer, config);
 * assert.deepEqual(tok.encode("hi"), [1, 259, 3 + 0x68, 3 + 0x69]);
 * assert.equal(tok.decode(tok.encode("hi")), "hi");
 * ```
 */
export function tokenizerFromJson(
  tokenizer: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Tokenizer {
  let hf: PreTrainedTokenizer;
  try {
    hf = new PreTrainedTokenizer(tokenizer, config);
  } catch (e) {
    throw new Error(`Cannot build tokenizer from tokenizer.json: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const model = tokenizer.model as { vocab?: Record<string, number> | [string, number][] };
  const ids: number[] = Array.isArray(model.vocab)
    ? model.vocab.map((_, i) => i)
    : Object.values(model.vocab ?? {});
  for (const t of (tokenizer.added_tokens ?? []) as { id: number }[]) ids.push(t.id);
  const vocabSize = ids.reduce((a, b) => Math.max(a, b), -1) + 1;
  const bosId = hf.bos_token_id ?? null;
  const eosId = hf.eos_token_id ?? null;
  const inner = (hf as unknown as { _tokenizer: { id_to_token(id: number): string | undefined } })
    ._tokenizer;
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
      const { skipSpecial = true } = options;
      // transformers.js throws on an empty list; an empty generation is an empty string.
      if (ids.length === 0) return "";
      return hf.decode([...ids], { skip_special_tokens: skipSpecial });
    },
    tokenToString(id) {
      const piece = Number.isInteger(id) ? inner.id_to_token(id) : undefined;
      if (piece === undefined) {
        throw new RangeError(
          `Cannot look up token: id must be an integer in [0, ${vocabSize}): current value is ${id}`,
        );
      }
      return piece;
    },
  };
}

/**
 * Loads a tokenizer from a folder (holding `tokenizer.json`, and `tokenizer_config.json` when
 * present), a `tokenizer.json` path, or a llama2.c `.bin` tokenizer (converted with
 * `llama2cToTokenizerJson`; its piece count is read from the file).
 *
 * @example Load the shared stories tokenizer, if present
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./tokenizer.ts";
 * const dir = Deno.env.get("ACQSYNTH_SHARED_DATA") ?? "../shared/data";
 * const path = `${dir}/models/tok512.bin`;
 * if (await Deno.stat(path).then(() => true, () => false)) {
 *   const tok = await loadTokenizer(path);
 *   assert.equal(tok.decode(tok.encode("Once upon a time")), "Once upon a time");
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
  let config: Record<string, unknown> = {};
  const configFile = `${dir}tokenizer_config.json`;
  const configText = await Deno.readTextFile(configFile).catch(() => undefined);
  if (configText !== undefined) {
    try {
      config = JSON.parse(configText);
    } catch (e) {
      throw new Error(`Cannot load tokenizer: ${configFile}: ${(e as Error).message}`);
    }
  }
  return tokenizerFromJson(tokenizer, config);
}

/**
 * Checks a tokenizer against a model's vocabulary size: more token ids than the model has rows is
 * an error; fewer is allowed (models often pad their embedding) and returns a note to show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTokenizerMatchesModel, type Tokenizer } from "./tokenizer.ts";
 * const tok = { vocabSize: 512 } as Tokenizer;
 * assert.equal(checkTokenizerMatchesModel(tok, 512), undefined);
 * assert.throws(() => checkTokenizerMatchesModel(tok, 500), /has 512 tokens but the model's vocab_size is 500/);
 * ```
 */
export function checkTokenizerMatchesModel(
  tok: Pick<Tokenizer, "vocabSize">,
  vocabSize: number,
): string | undefined {
  if (tok.vocabSize > vocabSize) {
    throw new Error(
      `Tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${vocabSize}: they do not belong together`,
    );
  }
  return tok.vocabSize < vocabSize
    ? `tokenizer has ${tok.vocabSize} tokens, the model ${vocabSize} rows; the extra rows are never produced by encoding`
    : undefined;
}
