/**
 * The llama2.c tokenizer format (int32 max token length, then per token: float32 score, int32
 * byte length, bytes) and its conversion to a Hugging Face `tokenizer.json`.
 *
 * llama2.c encodes by repeatedly merging the adjacent pair whose concatenation is the
 * highest-scoring vocabulary piece. A BPE whose merges are every split of a piece into two
 * pieces, ranked by the merged piece's score, reproduces that. SentencePiece conventions: ids 0-2
 * are `<unk>`, `<s>`, `</s>`; bytes fall back to `<0xXX>` pieces; a space is written `▁`, and one
 * is prepended to the text.
 *
 * @module
 */

/** One vocabulary entry. */
export interface Llama2cPiece {
  readonly piece: string;
  readonly score: number;
}

/** Reads a llama2.c tokenizer file holding `vocabSize` pieces. */
export function readLlama2cTokenizer(
  bytes: Uint8Array,
  vocabSize: number,
  source = "<bytes>",
): Llama2cPiece[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pieces: Llama2cPiece[] = [];
  const dec = new TextDecoder();
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (at + 8 > bytes.length) {
      throw new Error(
        `Cannot read llama2.c tokenizer ${source}: it ends after ${i} of ${vocabSize} tokens`,
      );
    }
    const score = view.getFloat32(at, true);
    const len = view.getInt32(at + 4, true);
    at += 8;
    if (len < 0 || at + len > bytes.length) {
      throw new Error(
        `Cannot read llama2.c tokenizer ${source}: token ${i} has a bad length ${len}`,
      );
    }
    pieces.push({ piece: dec.decode(bytes.subarray(at, at + len)), score });
    at += len;
  }
  if (at !== bytes.length) {
    throw new Error(
      `Cannot read llama2.c tokenizer ${source}: ${
        bytes.length - at
      } bytes remain after ${vocabSize} tokens (wrong vocabulary size?)`,
    );
  }
  return pieces;
}

/** Counts the pieces of a llama2.c tokenizer file (reads until the end). */
export function countLlama2cPieces(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 4, n = 0;
  while (at + 8 <= bytes.length) {
    at += 8 + view.getInt32(at + 4, true);
    n++;
  }
  return n;
}

const SPECIALS = ["<unk>", "<s>", "</s>"];
const SPACE = "\u2581";

/**
 * Converts llama2.c pieces to a `tokenizer.json` object and a `tokenizer_config.json` object.
 *
 * @example Tiny vocabulary
 * ```ts
 * import assert from "node:assert/strict";
 * import { llama2cToTokenizerJson } from "./llama2c_tokenizer.ts";
 * const pieces = ["<unk>", "<s>", "</s>", ...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`), " ", "a", " a"]
 *   .map((piece, i) => ({ piece, score: -i }));
 * const { tokenizer } = llama2cToTokenizerJson(pieces);
 * assert.ok((tokenizer.model as { merges: string[][] }).merges.length === 1);
 * ```
 */
export function llama2cToTokenizerJson(pieces: readonly Llama2cPiece[]): {
  tokenizer: Record<string, unknown>;
  config: Record<string, unknown>;
} {
  const vocab: Record<string, number> = {};
  const names = pieces.map((
    p,
    i,
  ) => (i < 3 || /^<0x[0-9A-F]{2}>$/.test(p.piece) ? p.piece : p.piece.replaceAll(" ", SPACE)));
  names.forEach((n, i) => {
    if (!(n in vocab)) vocab[n] = i;
  });
  const merges: { pair: [string, string]; score: number; id: number }[] = [];
  names.forEach((n, id) => {
    if (id < 3 || /^<0x[0-9A-F]{2}>$/.test(n)) return;
    const chars = [...n];
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join(""), right = chars.slice(k).join("");
      if (left in vocab && right in vocab) {
        merges.push({ pair: [left, right], score: pieces[id].score, id });
      }
    }
  });
  // Higher-scoring merged pieces merge first; ties keep vocabulary order.
  merges.sort((a, b) => b.score - a.score || a.id - b.id);
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "Prepend", prepend: SPACE }, {
        type: "Replace",
        pattern: { String: " " },
        content: SPACE,
      }],
    },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: SPACE }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map((m) => m.pair),
    },
  };
  const config = {
    tokenizer_class: "LlamaTokenizer",
    bos_token: "<s>",
    eos_token: "</s>",
    unk_token: "<unk>",
    add_bos_token: true,
    add_eos_token: false,
    model_max_length: 1_000_000,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer, config };
}
