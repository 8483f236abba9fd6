/**
 * Training a small SentencePiece-style BPE vocabulary on a corpus: words are split on spaces
 * (each word carrying its leading `▁`), then the most frequent adjacent pair is merged until the
 * vocabulary is full. The result is the same piece list the llama2.c conversion produces, so one
 * `tokenizer.json` writer serves both, and the merge order becomes the piece scores.
 *
 * @module
 */

import type { Llama2cPiece } from "./llama2c_tokenizer.ts";

const SPACE = "\u2581";

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** Total vocabulary size, specials and the 256 byte pieces included. @default 512 */
  readonly vocabSize?: number;
  /** Characters seen fewer times than this fall back to bytes. @default 2 */
  readonly minCharCount?: number;
  /**
   * Keep every digit its own piece (at most joined to the word-start `▁`), as Llama and Qwen
   * tokenizers do: numbers then read digit by digit, which small models learn arithmetic from far
   * more easily than from arbitrary multi-digit pieces. @default false
   */
  readonly splitDigits?: boolean;
}

/**
 * Learns pieces from `texts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainBpe } from "./bpe_train.ts";
 * const pieces = trainBpe(["the cat sat on the mat", "the cat ate"], { vocabSize: 280 });
 * assert.ok(pieces.some((p) => p.piece === " the"));
 * ```
 */
export function trainBpe(texts: readonly string[], options: TrainBpeOptions = {}): Llama2cPiece[] {
  const { vocabSize = 512, minCharCount = 2, splitDigits = false } = options;
  const allowed = (a: string, b: string) =>
    !splitDigits || !/\d/.test(a + b) || /^\u2581\d$/u.test(a + b);
  const base = 3 + 256;
  if (vocabSize <= base) {
    throw new RangeError(
      `Cannot train BPE: 'vocabSize' must exceed ${base}: current value is ${vocabSize}`,
    );
  }
  // Word frequencies, words as symbol arrays ("▁the" → ["▁","t","h","e"]).
  const wordCounts = new Map<string, number>();
  const charCounts = new Map<string, number>();
  for (const text of texts) {
    for (const w of (" " + text).replaceAll(" ", SPACE).split(/(?=\u2581)/u)) {
      if (!w) continue;
      wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
      for (const ch of w) charCounts.set(ch, (charCounts.get(ch) ?? 0) + 1);
    }
  }
  const chars = [...charCounts].filter(([, n]) => n >= minCharCount).sort((a, b) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : 1)
  ).map(([c]) => c);
  const known = new Set(chars);
  const words = [...wordCounts].map(([w, n]) => ({
    syms: [...w].map((c) => (known.has(c) ? c : "\0")),
    n,
  }));
  const merges: string[] = [];
  const budget = vocabSize - base - chars.length;
  for (let m = 0; m < budget; m++) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        if (syms[i] === "\0" || syms[i + 1] === "\0" || !allowed(syms[i], syms[i + 1])) continue;
        const k = syms[i] + "\u0001" + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + n);
      }
    }
    let best = "", bestN = 1;
    for (const [k, n] of pairs) {
      if (n > bestN || (n === bestN && best !== "" && k < best)) [best, bestN] = [k, n];
    }
    if (!best) break;
    const [a, b] = best.split("\u0001");
    merges.push(a + b);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  const hex = (i: number) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`;
  const pieces: Llama2cPiece[] = [
    { piece: "<unk>", score: 0 },
    { piece: "<s>", score: 0 },
    { piece: "</s>", score: 0 },
    ...Array.from({ length: 256 }, (_, i) => ({ piece: hex(i), score: 0 })),
  ];
  // Single characters rank below every merge; merges rank by when they were learned.
  chars.forEach((c) => pieces.push({ piece: c.replaceAll(SPACE, " "), score: -1e6 }));
  merges.forEach((p, i) => pieces.push({ piece: p.replaceAll(SPACE, " "), score: -i }));
  return pieces;
}
