/**
 * Near-duplicate detection by exact Jaccard similarity of word shingles, against a kept set (the
 * seed questions and the questions accepted so far). The set lives in an explicit state object
 * the caller owns and passes in; an inverted index from shingle to kept entries makes a lookup
 * cost the entries that share a shingle, not the whole set.
 *
 * @module
 */

/** The kept questions: their shingle sets and the index from shingle to entries. */
export interface DedupState {
  /** Words per shingle. */
  readonly shingle: number;
  /** Each kept text's shingle set, by entry number. */
  readonly kept: Set<string>[];
  /** Shingle → the entries that contain it. */
  readonly index: Map<string, number[]>;
}

/** Options of {@link createDedupState}. */
export interface DedupOptions {
  /** Words per shingle. @default 3 */
  readonly shingle?: number;
}

/**
 * The word shingles of a text: lower-cased words (letters, digits, `%`), `n` at a time; a text
 * shorter than `n` words is one shingle of all its words.
 *
 * @example Words three at a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { shingles } from "./dedup.ts";
 * assert.deepEqual([...shingles("Ann has 3 pens.", 3)], ["ann has 3", "has 3 pens"]);
 * assert.deepEqual([...shingles("Hi!", 3)], ["hi"]);
 * ```
 */
export function shingles(text: string, n: number): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}%]+/gu) ?? [];
  const out = new Set<string>();
  if (words.length === 0) return out;
  if (words.length < n) out.add(words.join(" "));
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(" "));
  return out;
}

/**
 * A kept set holding `texts`: usually the seed questions, written as `questionText(record)` so a
 * choice question's options count (the duplicate gate compares candidates that way).
 *
 * @example Seed questions
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDedupState } from "./dedup.ts";
 * const state = createDedupState(["Ann has 3 pens.", "Ben has 4 cups."]);
 * assert.equal(state.kept.length, 2);
 * ```
 */
export function createDedupState(texts: readonly string[], options: DedupOptions = {}): DedupState {
  const { shingle = 3 } = options;
  const state: DedupState = { shingle, kept: [], index: new Map() };
  for (const t of texts) keepText(state, t);
  return state;
}

/**
 * Adds a text to the kept set (an accepted sample).
 *
 * @example An accepted text is found again
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDedupState, keepText, nearestJaccard } from "./dedup.ts";
 * const state = createDedupState([]);
 * keepText(state, "Ann has 3 pens.");
 * assert.equal(nearestJaccard(state, "ann has 3 pens"), 1);
 * ```
 */
export function keepText(state: DedupState, text: string): void {
  const s = shingles(text, state.shingle);
  const at = state.kept.length;
  state.kept.push(s);
  for (const g of s) {
    const list = state.index.get(g);
    if (list) list.push(at);
    else state.index.set(g, [at]);
  }
}

/**
 * The largest Jaccard similarity between `text`'s shingles and any kept text's (0 when none
 * shares a shingle; an empty text is similar to nothing).
 *
 * @example Two of four shingles shared
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDedupState, nearestJaccard } from "./dedup.ts";
 * const state = createDedupState(["a b c d"], { shingle: 2 });
 * // {a b, b c, c d} against {a b, b c, c e}: 2 shared of 4.
 * assert.equal(nearestJaccard(state, "a b c e"), 0.5);
 * ```
 */
export function nearestJaccard(state: DedupState, text: string): number {
  const s = shingles(text, state.shingle);
  const shared = new Map<number, number>();
  for (const g of s) {
    for (const k of state.index.get(g) ?? []) shared.set(k, (shared.get(k) ?? 0) + 1);
  }
  let best = 0;
  for (const [k, inter] of shared) {
    best = Math.max(best, inter / (s.size + state.kept[k].size - inter));
  }
  return best;
}
