/**
 * LaTeX text utilities shared by the data loaders and the verifiers: `\boxed{…}` in solutions (the MATH
 * loader reads gold answers with it, the math verifier final answers). A leaf: it imports nothing.
 *
 * @module
 */

/**
 * The content of the last `\boxed{…}` (or `\fbox{…}`) in `text`, nested braces allowed, or of
 * `\boxed 5` (one token, up to a space or `$`); null when there is none or its braces do not
 * close. One pass over the text.
 *
 * @example The last box wins, and inner braces are kept
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractBoxed } from "./latex.ts";
 * assert.equal(extractBoxed("\\boxed{1} then \\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
 * assert.equal(extractBoxed("so $\\boxed 5$."), "5");
 * assert.equal(extractBoxed("no box"), null);
 * ```
 */
export function extractBoxed(text: string): string | null {
  const boxed = text.lastIndexOf("\\boxed"), fbox = text.lastIndexOf("\\fbox");
  if (boxed < 0 && fbox < 0) return null;
  let i = boxed > fbox ? boxed + 6 : fbox + 5;
  if (/[A-Za-z]/.test(text[i] ?? "")) return null;
  while (text[i] === " ") i++;
  if (text[i] !== "{") {
    const m = /^[^\s${}]+/.exec(text.slice(i, i + 200));
    return m ? m[0] : null;
  }
  const start = ++i;
  for (let depth = 1; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(start, i);
  }
  return null;
}
