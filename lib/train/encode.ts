/**
 * The one encoding of a prompt with its completion for training: token ids and the loss mask
 * that puts weight on the completion's targets only.
 *
 * @module
 */

import type { Tokenizer } from "../text/mod.ts";

/** Options of {@link encodeCompletion}. */
export interface EncodeCompletionOptions {
  /** Put BOS before the prompt (when the tokenizer has one). @default true */
  readonly addBos?: boolean;
  /** Put EOS after the completion, as a completion target (the model learns to stop). @default true */
  readonly addEos?: boolean;
}

/** A prompt and its completion as tokens, with a weight per target. */
export interface EncodedCompletion {
  /** BOS?, prompt, completion, EOS?. */
  readonly tokens: number[];
  /** weights[t] weighs the prediction of tokens[t + 1]: 1 on completion targets, 0 on prompt. */
  readonly weights: number[];
  /** Tokens of BOS and the prompt: tokens[promptTokens] is the completion's first token. */
  readonly promptTokens: number;
}

/**
 * The marker a SentencePiece-style tokenizer puts before every text it encodes (the "dummy
 * prefix"), read from its `tokenizer.json`; null when it puts none.
 */
function dummyPrefix(tok: Tokenizer): string | null {
  type Step = { type?: string; prepend?: string; normalizers?: Step[]; pretokenizers?: Step[] };
  type Meta = Step & { replacement?: string; prepend_scheme?: string; add_prefix_space?: boolean };
  const json = tok.json.tokenizer as { normalizer?: Step | null; pre_tokenizer?: Meta | null };
  const steps = (s: Step | null | undefined): Meta[] =>
    s
      ? [s, ...(s.normalizers ?? []).flatMap(steps), ...(s.pretokenizers ?? []).flatMap(steps)]
      : [];
  for (const s of steps(json.normalizer)) if (s.type === "Prepend" && s.prepend) return s.prepend;
  for (const s of steps(json.pre_tokenizer)) {
    if (
      s.type === "Metaspace" &&
      (s.prepend_scheme === "always" || s.prepend_scheme === "first" || s.add_prefix_space)
    ) return s.replacement ?? "▁";
  }
  return null;
}

/**
 * Ids of `text` as it continues earlier text: without the dummy prefix a SentencePiece-style
 * tokenizer adds to the start of every encoding. A text that starts with a space lets the prefix
 * stand for that space (the normalised string is then exactly the continuation's); any other
 * text loses the lone prefix token its encoding starts with.
 */
function continuationIds(tok: Tokenizer, text: string): number[] {
  if (text === "") return [];
  const marker = dummyPrefix(tok);
  if (marker === null) return tok.encode(text, { addBos: false });
  if (text.startsWith(" ")) return tok.encode(text.slice(1), { addBos: false });
  const ids = tok.encode(text, { addBos: false });
  // BPE never merged the lone marker, so the rest holds exactly the merges of `text` alone.
  if (ids.length > 0 && tok.tokenToString(ids[0]) === marker) return ids.slice(1);
  throw new Error(
    `Cannot encode completion: its first characters merge with the tokenizer's prefix '${marker}' into '${
      ids.length ? tok.tokenToString(ids[0]) : ""
    }': current value starts ${JSON.stringify(text.slice(0, 12))}`,
  );
}

/**
 * Encodes `prompt` and `completion` once each, as separate pieces, and joins the ids: BOS (if
 * asked) + prompt + completion + EOS (if asked). The loss mask comes from the join itself, so
 * no second encoding is needed to find the boundary.
 *
 * Pieces do not merge across the boundary: the completion's first token never fuses with the
 * prompt's last. That is what sampling sees too (the sampler encodes the prompt alone and the
 * model continues from its last token), so training on the split teaches exactly what is asked at
 * inference. For the students' `Q: … A:` format it changes nothing: the prompt ends in `A:` and
 * the completion starts with a space or a newline, which the default tokenizer never merges with
 * `:`; a test checks the split against one-piece encodings of every procedural family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { llama2cToTokenizerJson, tokenizerFromJson } from "../text/mod.ts";
 * import { encodeCompletion } from "./encode.ts";
 * const bytes = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`);
 * const { tokenizer, config } = llama2cToTokenizerJson(
 *   ["<unk>", "<s>", "</s>", ...bytes, "▁"].map((piece) => ({ piece, score: 0 })),
 * );
 * const tok = tokenizerFromJson(tokenizer, config);
 * const e = encodeCompletion(tok, "A:", " b");
 * // <s> ▁ A : | ▁ b </s>
 * assert.deepEqual(e.tokens, [1, 259, 3 + 0x41, 3 + 0x3a, 259, 3 + 0x62, 2]);
 * assert.equal(e.promptTokens, 4);
 * assert.deepEqual(e.weights, [0, 0, 0, 1, 1, 1]);
 * assert.equal(tok.decode(e.tokens), "A: b");
 * ```
 */
export function encodeCompletion(
  tokenizer: Tokenizer,
  prompt: string,
  completion: string,
  options: EncodeCompletionOptions = {},
): EncodedCompletion {
  const { addBos = true, addEos = true } = options;
  if (addEos && tokenizer.eosId === null) {
    throw new Error(
      "Cannot encode completion: 'addEos' is true but the tokenizer has no EOS token",
    );
  }
  const head = tokenizer.encode(prompt, { addBos: addBos && tokenizer.bosId !== null });
  const tail = [...continuationIds(tokenizer, completion), ...(addEos ? [tokenizer.eosId!] : [])];
  const tokens = [...head, ...tail];
  const weights = tokens.slice(1).map((_, t) => (t + 1 >= head.length ? 1 : 0));
  return { tokens, weights, promptTokens: head.length };
}
