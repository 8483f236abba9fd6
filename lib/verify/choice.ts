/**
 * Multiple-choice answers: the letter a free-text answer picks.
 *
 * @module
 */

/**
 * The option letter `text` chooses among `choices` (letter → option text): "B", "(B)", "B.",
 * "Answer: B", "B: Metformin", "the answer is B", or the option's text itself. Null when none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractChoice } from "./choice.ts";
 * assert.equal(extractChoice("The answer is (C).", { A: "x", B: "y", C: "z" }), "C");
 * ```
 */
export function extractChoice(
  text: string,
  choices: Readonly<Record<string, string>>,
): string | null {
  const letters = Object.keys(choices).join("");
  const t = text.trim();
  const patterns = [
    new RegExp(`answer(?: is)?\\s*[:：]?\\s*\\(?([${letters}])\\)?(?![A-Za-z])`, "i"),
    new RegExp(`^\\(?([${letters}])\\)?(?:[.:)\\s]|$)`),
    new RegExp(`\\(([${letters}])\\)`),
  ];
  for (const p of patterns) {
    const m = p.exec(t);
    if (m) return m[1].toUpperCase();
  }
  const low = t.toLowerCase();
  let best: string | null = null, bestLen = 0;
  for (const [k, v] of Object.entries(choices)) {
    const o = v.trim().toLowerCase();
    if (o && low.includes(o) && o.length > bestLen) [best, bestLen] = [k, o.length];
  }
  return best;
}
