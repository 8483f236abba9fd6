/**
 * Where generation ends: stop strings found incrementally in the decoded text, the part of the
 * text that is safe to stream (no stop string can still be forming in it), and end-of-sequence
 * token helpers.
 *
 * @module
 */

/**
 * The index in `text` where the earliest stop string begins, or -1. Only the part from `from` on
 * is searched (with room for a stop string that straddles it), so repeated checks stay cheap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findStop } from "./stop.ts";
 * assert.ok(findStop("answer: 4\nQ:", ["\nQ:"]) === 9);
 * ```
 */
export function findStop(text: string, stops: readonly string[], from = 0): number {
  let best = -1;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** What {@link checkStop} found. */
export interface StopCheck {
  /** A stop string occurs: generation should end. */
  readonly stopped: boolean;
  /** The text to keep: cut before the earliest stop string when stopped, else all of it. */
  readonly text: string;
  /** The stop string that matched (the longest of those starting at the cut). */
  readonly matched?: string;
}

/**
 * Checks the text generated so far against stop strings. `from` is how much of the text was
 * already checked on an earlier call (a stop string straddling that point is still found).
 *
 * @example Call after each decoded token
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStop } from "./stop.ts";
 * assert.deepEqual(checkStop("The answer is 4.", ["\n\n"]), { stopped: false, text: "The answer is 4." });
 * assert.deepEqual(checkStop("The answer is 4.\n\nQ:", ["\n\n", "Q:"], { from: 17 }), {
 *   stopped: true, text: "The answer is 4.", matched: "\n\n",
 * });
 * ```
 */
export function checkStop(
  text: string,
  stops: readonly string[],
  options: { from?: number } = {},
): StopCheck {
  const { from = 0 } = options;
  const at = findStop(text, stops, from);
  if (at < 0) return { stopped: false, text };
  let matched = "";
  for (const s of stops) if (s && text.startsWith(s, at) && s.length > matched.length) matched = s;
  return { stopped: true, text: text.slice(0, at), matched };
}

/**
 * How many leading characters of `text` can be shown now: all but the longest suffix that is the
 * beginning of some stop string (it may still grow into one). Text containing a stop string
 * should be cut with {@link checkStop} first.
 *
 * @example Hold back a possible start of "\nQ:"
 * ```ts
 * import assert from "node:assert/strict";
 * import { streamableLength } from "./stop.ts";
 * assert.equal(streamableLength("4 apples.\n", ["\nQ:"]), 9);
 * assert.equal(streamableLength("4 apples.", ["\nQ:"]), 9);
 * ```
 */
export function streamableLength(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(s.slice(0, k))) {
        hold = k;
        break;
      }
    }
  }
  return text.length - hold;
}

/**
 * The end-of-sequence ids of a config or tokenizer value (`eos_token_id` may be a number, a list,
 * or absent), deduplicated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eosIds } from "./stop.ts";
 * assert.deepEqual(eosIds([2, 7, 2]), [2, 7]);
 * assert.deepEqual(eosIds(null), []);
 * ```
 */
export function eosIds(value: number | readonly number[] | null | undefined): number[] {
  if (value === null || value === undefined) return [];
  const list = typeof value === "number" ? [value] : [...value];
  for (const id of list) {
    if (!Number.isInteger(id) || id < 0) {
      throw new RangeError(
        `Cannot use EOS ids: each must be an integer ≥ 0: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  return [...new Set(list)];
}

/**
 * Cuts generated tokens at the first end-of-sequence id (the EOS itself is dropped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutAtEos } from "./stop.ts";
 * assert.deepEqual(cutAtEos([5, 6, 2, 7], [2]), { tokens: [5, 6], ended: true });
 * ```
 */
export function cutAtEos(
  tokens: readonly number[],
  eos: readonly number[],
): { tokens: number[]; ended: boolean } {
  const i = tokens.findIndex((t) => eos.includes(t));
  return i < 0
    ? { tokens: [...tokens], ended: false }
    : { tokens: tokens.slice(0, i), ended: true };
}
