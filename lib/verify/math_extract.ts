/**
 * The final answer of a model's output, taken whole: the last `\boxed{…}`; else the latest of
 * `Final Answer:`, `####` and "the answer is" (up to the end of the expression that follows);
 * else, in prose, the last math span or number. Every step is a constant number of passes over
 * the text, so extraction is linear in its length.
 *
 * @module
 */

import { extractBoxed } from "../text/mod.ts";

/** The longest extracted answer; a longer stretch is not an answer. */
const MAX_EXTRACT = 4000;

const MARKERS = ["final answer:", "####", "answer is", "answer is:", "answer:"];

/** Where `$` occurs in `s` from `from` on, not escaped as `\$` (a dollar sign of text). */
function dollarAfter(s: string, from: number): number {
  let i = s.indexOf("$", from);
  while (i > 0 && s[i - 1] === "\\") i = s.indexOf("$", i + 1);
  return i;
}

/** Where an unescaped `$` last occurs in `s` at or before `from`, looking back at most `span`. */
function dollarBefore(s: string, from: number, span: number): number {
  let i = s.lastIndexOf("$", from);
  while (i > 0 && s[i - 1] === "\\" && from - i < span) i = s.lastIndexOf("$", i - 2);
  return i;
}

/** A `$…$`, `\(…\)` or `\[…\]` span at the start of `s` (after spaces): its inside and end. */
function leadingMath(s: string): { inner: string; end: number } | null {
  const t = s.length - s.trimStart().length;
  const pairs: [string, string][] = [["$$", "$$"], ["\\[", "\\]"], ["\\(", "\\)"], ["$", "$"]];
  for (const [open, close] of pairs) {
    if (!s.startsWith(open, t)) continue;
    const end = close === "$" ? dollarAfter(s, t + 1) : s.indexOf(close, t + open.length);
    if (end < 0 || end - t > MAX_EXTRACT) return null;
    const inner = s.slice(t + open.length, end);
    // "$18 and $20": dollar signs of prose, not a math span.
    if (open === "$" && /^\d[\d,.]*\s+[A-Za-z]{2,}/.test(inner)) return null;
    return { inner, end: end + close.length };
  }
  return null;
}

/**
 * The expression at the start of `s`: everything up to the line's end, a sentence end (a period,
 * `!` or `?` followed by space or the end, outside braces), or the first plain word of two
 * letters or more outside braces (prose resuming); "and"/"or" between two pieces of math are kept
 * as list separators.
 */
function leadingExpression(s: string): string {
  const m = leadingMath(s);
  if (m) {
    // "$x = 2$ and $x = 3$": consecutive spans joined by a comma, "and" or "or" form one list.
    const spans = [m.inner];
    let at = m.end;
    for (;;) {
      const sep = /^\s*(?:,|and|or|,\s*and|,\s*or)\s*/.exec(s.slice(at, at + 16));
      const next = sep ? leadingMath(s.slice(at + sep[0].length)) : null;
      if (!sep || !next || at > MAX_EXTRACT) break;
      spans.push(next.inner);
      at += sep[0].length + next.end;
    }
    return spans.join(", ");
  }
  let depth = 0;
  let i = 0;
  const n = Math.min(s.length, MAX_EXTRACT);
  while (i < n) {
    const c = s[i];
    if (c === "\n") break;
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === "." || c === "!" || c === "?") && !/\d/.test(s[i + 1] ?? "")) {
      break;
    } else if (c === "\\") {
      let j = i + 1;
      while (j < n && /[A-Za-z]/.test(s[j])) j++;
      i = Math.max(j, i + 2);
      continue;
    } else if (depth === 0 && /[A-Za-z]/.test(c) && !/[A-Za-z]/.test(s[i - 1] ?? "")) {
      let j = i;
      while (j < n && /[A-Za-z]/.test(s[j])) j++;
      const word = s.slice(i, j);
      if (word.length >= 2 && !(word === "or" || word === "and")) break;
      i = j;
      continue;
    }
    i++;
  }
  // A trailing "and"/"or", comma or colon with nothing after it belongs to the prose.
  let end = i;
  for (;;) {
    while (end > 0 && /[\s,:;=]/.test(s[end - 1])) end--;
    const w = s.slice(Math.max(0, end - 4), end);
    if (/(?:^|[^A-Za-z])and$/.test(w)) end -= 3;
    else if (/(?:^|[^A-Za-z])or$/.test(w)) end -= 2;
    else break;
  }
  return s.slice(0, end).trim();
}

/** "2 + 3 = 5" states 5; "x = 5" and "x^2 + y^2 = 1" are kept whole (equations). */
function stated(expr: string): string {
  const eq = expr.lastIndexOf("=");
  if (eq < 0) return expr.trim();
  const lhs = expr.slice(0, eq).replace(/\\[A-Za-z]+/g, "");
  return (/[A-Za-z]/.test(lhs) ? expr : expr.slice(eq + 1)).trim();
}

/** The last number-like token of prose (sign, digits with separators, decimals, a/b, %). */
function lastNumber(text: string): string | null {
  const re = /-?\d[\d,]*(?:\.\d+)?(?:\/\d+)?%?|-?\.\d+%?/g;
  let last: string | null = null;
  for (const m of text.matchAll(re)) last = m[0];
  return last ? last.replace(/,$/, "") : null;
}

/**
 * The whole final answer a text states, or null when it states none.
 *
 * @example Whole expressions, never a prefix
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractMathAnswer } from "./math_extract.ts";
 * assert.equal(extractMathAnswer("The answer is \\frac{14}{3}."), "\\frac{14}{3}");
 * assert.equal(extractMathAnswer("So the answer is 6-5i."), "6-5i");
 * assert.equal(extractMathAnswer("3 + 4 = 7\n#### 7"), "7");
 * ```
 */
export function extractMathAnswer(text: string): string | null {
  const boxed = extractBoxed(text);
  if (boxed !== null) return boxed.trim() && boxed.length <= MAX_EXTRACT ? boxed.trim() : null;
  const lower = text.toLowerCase();
  let at = -1, marker = "";
  for (const mk of MARKERS) {
    const k = lower.lastIndexOf(mk);
    if (k > at) [at, marker] = [k, mk];
  }
  if (at >= 0) {
    let rest = text.slice(at + marker.length, at + marker.length + MAX_EXTRACT + 16);
    // "Final Answer: The final answer is $x$." (Minerva style).
    // Markdown emphasis ("**Final Answer:** **42**") is not part of the answer.
    rest = rest.replaceAll("**", "");
    rest = rest.replace(/^[\s:]*(?:the\s+(?:final\s+)?answer\s+is\s*:?)?/i, "");
    const said = leadingExpression(rest);
    // "The answer is a difficult one": an article, not an answer; read the prose instead.
    const article = /^[Aa]$/.test(said) &&
      /^\s*[Aa]\s+[A-Za-z]{2,}/.test(rest);
    if (said && !article) return stated(said) || null;
  }
  // Prose: the math span(s) that end the text ("… are $x = 2$ and $x = -3$."), else the last
  // number.
  let end = text.length;
  while (end > 0 && /[.\s]/.test(text[end - 1])) end--;
  for (const [close, open] of [["\\]", "\\["], ["\\)", "\\("], ["$", "$"]]) {
    const spans: string[] = [];
    let stop = end;
    while (spans.length < 32 && text.startsWith(close, stop - close.length)) {
      if (close === "$" && text[stop - 2] === "\\") break;
      const start = close === "$"
        ? dollarBefore(text, stop - 2, MAX_EXTRACT)
        : text.lastIndexOf(open, stop - close.length - 1);
      if (start < 0 || stop - start > MAX_EXTRACT) break;
      const inner = text.slice(start + open.length, stop - close.length).trim();
      spans.unshift(stated(inner));
      const sep = /\s*(?:,|\band|\bor|,\s*and|,\s*or)\s*$/.exec(
        text.slice(Math.max(0, start - 12), start),
      );
      if (!sep) break;
      stop = start - sep[0].length;
    }
    if (spans.length && spans.every((x) => x)) return spans.join(", ");
  }
  return lastNumber(text);
}
