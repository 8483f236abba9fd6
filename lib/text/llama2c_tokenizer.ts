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

/**
 * Reads a llama2.c tokenizer file holding `vocabSize` pieces (the model's vocab_size). The bytes
 * must hold exactly that many; `source` names the file in error messages.
 *
 * @example Two pieces
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLlama2cTokenizer } from "./llama2c_tokenizer.ts";
 * const bytes = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 97, 0, 0, 128, 191, 2, 0, 0, 0, 97, 98]);
 * assert.deepEqual(readLlama2cTokenizer(bytes, 2), [{ piece: "a", score: 0 }, { piece: "ab", score: -1 }]);
 * ```
 */
export function readLlama2cTokenizer(
  bytes: Uint8Array,
  vocabSize: number,
  source = "<bytes>",
): Llama2cPiece[] {
  const fail = (why: string): never => {
    throw new Error(`Cannot read llama2.c tokenizer ${source}: ${why}`);
  };
  if (!Number.isInteger(vocabSize) || vocabSize < 0) {
    fail(`'vocabSize' must be a non-negative integer: current value is ${vocabSize}`);
  }
  if (bytes.length < 4) fail(`${bytes.length} bytes is shorter than the 4-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxLen = view.getInt32(0, true);
  const pieces: Llama2cPiece[] = [];
  // fatal: a piece that is not UTF-8 would otherwise silently become U+FFFD.
  const dec = new TextDecoder("utf-8", { fatal: true });
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (at + 8 > bytes.length) fail(`it ends after ${i} of ${vocabSize} tokens`);
    const score = view.getFloat32(at, true);
    const len = view.getInt32(at + 4, true);
    at += 8;
    if (len < 0 || at + len > bytes.length) fail(`token ${i} has a bad length ${len}`);
    if (len > maxLen) fail(`token ${i} has ${len} bytes, more than the header's maximum ${maxLen}`);
    let piece = "";
    try {
      piece = dec.decode(bytes.subarray(at, at + len));
    } catch {
      fail(`token ${i} is not valid UTF-8`);
    }
    pieces.push({ piece, score });
    at += len;
  }
  if (at !== bytes.length) {
    fail(
      `${
        bytes.length - at
      } bytes remain after ${vocabSize} tokens (wrong vocabulary size? the file holds ${
        countLlama2cPieces(bytes)
      })`,
    );
  }
  return pieces;
}

/** Counts the pieces of a llama2.c tokenizer file (reads until the end or a bad length). */
export function countLlama2cPieces(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 4, n = 0;
  while (at + 8 <= bytes.length) {
    const len = view.getInt32(at + 4, true);
    if (len < 0 || at + 8 + len > bytes.length) break;
    at += 8 + len;
    n++;
  }
  return n;
}

/** SentencePiece's special pieces at ids 0, 1, 2 (llama2.c stores BOS/EOS as "\n<s>\n" etc.). */
const SPECIALS = ["<unk>", "<s>", "</s>"];
const SPACE = "\u2581";
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** The `tokenizer.json` and `tokenizer_config.json` objects of a converted vocabulary. */
export interface TokenizerFiles {
  /** Hugging Face `tokenizer.json` (BPE with byte fallback, SentencePiece conventions). */
  readonly tokenizer: Record<string, unknown>;
  /** Hugging Face `tokenizer_config.json` (special tokens, BOS added, no EOS). */
  readonly config: Record<string, unknown>;
}

/**
 * Converts llama2.c pieces to a Hugging Face `tokenizer.json` object (loadable by transformers.js
 * and by the Rust/Python `tokenizers`) and a `tokenizer_config.json` object.
 *
 * - ids 0, 1, 2 become the special tokens `<unk>`, `<s>`, `</s>` (whatever the file spells);
 *   pieces `<0x00>`…`<0xFF>` are the byte-fallback tokens.
 * - other pieces have ' ' written as '▁' (U+2581); the normalizer prepends '▁' and replaces
 *   spaces, as SentencePiece's dummy prefix does.
 * - merges: every split of a piece into two in-vocabulary pieces, ranked by the merged piece's
 *   score, highest first (ties: lower id first). BPE then applies, at each step, the pair whose
 *   merge has the best rank — llama2.c's "merge the adjacent pair whose concatenation scores
 *   highest". Two corners differ: when two different splits of one piece are both present,
 *   llama2.c takes the leftmost, BPE the better-ranked split; and a vocabulary without a " "
 *   piece encodes a space as the 3 UTF-8 bytes of '▁' rather than llama2.c's one byte 0x20
 *   (every SentencePiece vocabulary has the piece).
 * - decoder: '▁' → ' ', bytes fused back into UTF-8, one leading space stripped.
 *
 * @example Tiny vocabulary
 * ```ts
 * import assert from "node:assert/strict";
 * import { llama2cToTokenizerJson } from "./llama2c_tokenizer.ts";
 * const pieces = ["<unk>", "<s>", "</s>", ...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`), " ", "a", " a"]
 *   .map((piece, i) => ({ piece, score: -i }));
 * const { tokenizer } = llama2cToTokenizerJson(pieces);
 * assert.deepEqual((tokenizer.model as { merges: string[][] }).merges, [["\u2581", "a"]]);
 * ```
 */
export function llama2cToTokenizerJson(pieces: readonly Llama2cPiece[]): TokenizerFiles {
  if (pieces.length < 3) {
    throw new RangeError(
      `Cannot convert llama2.c tokenizer: it needs at least the 3 special pieces, but has ${pieces.length}`,
    );
  }
  const names = pieces.map((p, i) =>
    i < 3 ? SPECIALS[i] : BYTE_PIECE.test(p.piece) ? p.piece : p.piece.replaceAll(" ", SPACE)
  );
  // A null-prototype object: a piece named "constructor" or "__proto__" must be a plain key.
  const vocab: Record<string, number> = Object.create(null);
  names.forEach((n, i) => {
    if (!(n in vocab)) vocab[n] = i;
  });
  // Pieces that BPE may build: not specials, not byte tokens.
  const mergeable = new Set(names.filter((n, i) => i >= 3 && !BYTE_PIECE.test(n)));
  const merges: { pair: [string, string]; score: number; id: number }[] = [];
  names.forEach((n, id) => {
    if (id < 3 || BYTE_PIECE.test(n) || vocab[n] !== id) return;
    const chars = [...n];
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join(""), right = chars.slice(k).join("");
      if (mergeable.has(left) && mergeable.has(right)) {
        merges.push({ pair: [left, right], score: pieces[id].score, id });
      }
    }
  });
  merges.sort((a, b) => b.score - a.score || a.id - b.id);
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => special(content, id)),
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: SPACE },
        { type: "Replace", pattern: { String: " " }, content: SPACE },
      ],
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
      // Order matters: Strip acts on each token, so it must come after Fuse made one string.
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
    legacy: false,
    model_max_length: 1_000_000,
    clean_up_tokenization_spaces: false,
    added_tokens_decoder: Object.fromEntries(
      SPECIALS.map((content, id) => {
        const { id: _, ...rest } = special(content, id);
        return [String(id), rest];
      }),
    ),
  };
  return { tokenizer, config };
}
