/**
 * Stop strings: where generated text must end.
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
