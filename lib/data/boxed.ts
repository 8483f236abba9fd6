/**
 * `\boxed{…}` in LaTeX solutions: read by the MATH loader and by the math verifier.
 *
 * @module
 */

/**
 * The content of the last `\boxed{…}` (or `\fbox{…}`) in `text`, nested braces allowed; null when
 * there is none or its braces do not close.
 *
 * @example The last box wins, and inner braces are kept
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractBoxed } from "./boxed.ts";
 * assert.equal(extractBoxed("\\boxed{1} then \\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
 * assert.equal(extractBoxed("no box"), null);
 * ```
 */
export function extractBoxed(text: string): string | null {
  const at = Math.max(text.lastIndexOf("\\boxed{"), text.lastIndexOf("\\fbox{"));
  if (at < 0) return null;
  let i = text.indexOf("{", at) + 1;
  const start = i;
  for (let depth = 1; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(start, i);
  }
  return null;
}
