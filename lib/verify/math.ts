/**
 * Math answers compared by value. {@link extractMathAnswer} takes the whole final answer from a
 * model's output; {@link mathEquivalent} parses both answers into typed values
 * ({@link parseMath}: scalar, equation, tuple, unordered list, interval, matrix, choice, text)
 * and compares them exactly: rationals as bigint fractions, irrational and symbolic expressions
 * by an exact zero test (see `math_value.ts`: exact arithmetic in ℚ(i), or rigorous intervals
 * at a precision set by a separation bound; no tolerance, so no crafted near-miss passes).
 *
 * Conventions, chosen to agree with the gold answers of GSM8K, SVAMP and MATH:
 * - a percentage equals its bare number and its fraction (`50\%` ≡ `50` ≡ `0.5`) when only one
 *   side has the sign; with both, the numbers must agree;
 * - units, `\text{…}` unit words, dollar signs and degree marks are dropped (`90^\circ` ≡ `90`);
 * - `1,000`, `1{,}000` and `1000` are one number, while `1, 000` is a list;
 * - `x = 3` equals `3`; `x=2, x=-3` equals `-3, 2`; sets and comma lists compare unordered,
 *   tuples `(a, b)` ordered; `[a, b)` is an interval (open and closed ends differ), `(a, b)` is
 *   the pair, which is also the open interval;
 * - `bmatrix` and `pmatrix` are the same matrix; `2\frac{1}{3}` is the mixed number 7/3;
 * - `(C)`, `\text{(C)}` and `\textbf{(C)}` are the choice C; symbols are case-sensitive; prose
 *   answers (words of three letters or more) compare as text, folding case only in ordinary
 *   words ("Monday" ≡ "monday", "ABC" ≢ "abc").
 *
 * Cost: extraction makes a constant number of passes over the output (a megabyte takes
 * milliseconds); answers over 2,000 characters are refused, since the LaTeX parser is superlinear
 * in nesting depth; one comparison spends at most a fixed work budget (about 0.1 s), and a
 * comparison it cannot finish is answered "unequal". Plain quantities (most GSM8K and SVAMP
 * answers) take a bigint fast path without the LaTeX parser.
 *
 * Library: `@cortex-js/compute-engine` parses the LaTeX (its raw MathJSON, with no canonical
 * rewriting or floating point). Its own equality is not used: `isEqual` compares numerically
 * with a tolerance (in 0.140.0 it holds `\sqrt{2}` equal to `\sqrt{2}+10^{-30}` and `0.3` to
 * `0.30000000000000000001`) and `isSame` is structural, so values are compared here. `mathjs`
 * was the other candidate: it reads no LaTeX, and its `==` also has a tolerance.
 *
 * @module
 */

import { extractBoxed } from "../text/mod.ts";
import { extractMathAnswer } from "./math_extract.ts";
import { decimalRational, type MathValue, parseAnswer, type ParsedAnswer } from "./math_parse.ts";
import {
  type Expr,
  exprEqual,
  type Rational,
  rational,
  type Work,
  WORK_LIMIT,
} from "./math_value.ts";

export { extractBoxed, extractMathAnswer };
export type { MathValue, ParsedAnswer, Rational };

const UNITS =
  /(?:\s+(?:dollars?|cents?|usd|cm|mm|km|m|kg|g|mg|lbs?|pounds?|feet|ft|inches|in|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|years?|miles?|meters?|units?|degrees?)|\s*°)\.?$/i;

/**
 * Parses a plain quantity (integer, decimal, fraction, `\frac{a}{b}`, with optional sign,
 * dollar sign, thousands separators, unit or percent) to an exact rational; null for anything
 * else. The fast path of {@link mathEquivalent}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRational } from "./math.ts";
 * assert.deepEqual(parseRational("\\frac{3}{4}"), parseRational("0.75"));
 * assert.deepEqual(parseRational("1{,}000"), parseRational("1000"));
 * assert.equal(parseRational("\\sqrt{2}"), null);
 * ```
 */
export function parseRational(answer: string): Rational | null {
  const r = plainQuantity(answer);
  return r && (r.percent ? rational(r.value.p, r.value.q * 100n) : r.value);
}

function plainQuantity(answer: string): { value: Rational; percent: boolean } | null {
  if (answer.length > 200) return null;
  let s = answer.trim().replace(/\u2212/g, "-");
  s = s.replace(/^\$+|\$+$/g, "").replace(/(\d)(?:\{,\}|,\\!|\\,)(?=\d{3}(?!\d))/g, "$1,");
  s = s.replace(/\\[,;!]|\\\s/g, " ").replace(/\\(?:left|right)\b/g, "");
  s = s.replace(/\\(?:text|mathrm|textrm|mbox)\{([^{}]*)\}/g, " $1 ");
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°/g, "");
  s = s.replace(/^\s*(-?)\s*\\[dt]?frac\{(-?[\d.]+)\}\{(-?[\d.]+)\}\s*$/, "$1$2/$3");
  s = s.replace(/^\\\$|^\$/, "").replace(/^(-)\s*\\?\$/, "$1").trim();
  s = s.replace(/[.\s]+$/, "").replace(UNITS, "").trim();
  const percent = /\\?%$/.test(s);
  if (percent) s = s.replace(/\\?%$/, "").trim();
  if (/^\(.*\)$/.test(s) && !s.slice(1, -1).includes("(")) s = s.slice(1, -1);
  // Digits apart are two numbers, never one ("2 3" is not 23).
  if (/\d\s+[\d.]/.test(s)) return null;
  s = s.replace(/\s+/g, "");
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replaceAll(",", "");
  if (!/^-?(?:\d+\.?\d*|\.\d+)(?:\/-?(?:\d+\.?\d*|\.\d+))?$/.test(s)) return null;
  const [a, b] = s.split("/");
  const x = decimalRational(a), y = b === undefined ? decimalRational("1") : decimalRational(b);
  if (!x || !y || y.p === 0n) return null;
  return { value: rational(x.p * y.q, x.q * y.p), percent };
}

/**
 * Parses an answer (LaTeX or plain) into a typed value; null when it is not a well-formed answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMath } from "./math.ts";
 * assert.equal(parseMath("x = 2, x = -3")?.value.kind, "list");
 * assert.equal(parseMath("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}")?.value.kind, "matrix");
 * assert.equal(parseMath(String.raw`\text{(C)}`)?.value.kind, "choice");
 * ```
 */
export function parseMath(answer: string): ParsedAnswer | null {
  const q = plainQuantity(answer);
  if (q) return { value: { kind: "scalar", expr: { k: "num", v: q.value } }, percent: q.percent };
  return parseAnswer(answer);
}

/** Compared with a non-equation, `x = v` (a lone symbol on the left) stands for `v`. */
function solved(v: MathValue, other: MathValue): MathValue {
  if (v.kind === "equation" && other.kind !== "equation" && v.lhs.k === "sym") {
    return { kind: "scalar", expr: v.rhs };
  }
  return (v.kind === "list" || v.kind === "tuple") && v.items.length === 1 ? v.items[0] : v;
}

const diff = (a: Expr, b: Expr): Expr => ({ k: "add", xs: [a, { k: "neg", x: b }] });

function sameUnordered(a: readonly MathValue[], b: readonly MathValue[], work: Work): boolean {
  if (a.length > 256 || b.length > 256) return false;
  return a.every((x) => b.some((y) => valueEqual(x, y, work))) &&
    b.every((y) => a.some((x) => valueEqual(x, y, work)));
}

/**
 * Whether two parsed values are equal (see the module doc for the conventions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMath, valueEqual } from "./math.ts";
 * const v = (s: string) => parseMath(s)!.value;
 * assert.ok(valueEqual(v("\\{2, -3\\}"), v("x=-3 \\text{ or } x=2")));
 * assert.ok(!valueEqual(v("(1, 2)"), v("(2, 1)")));
 * ```
 */
export function valueEqual(
  x: MathValue,
  y: MathValue,
  work: Work = { left: WORK_LIMIT },
): boolean {
  if (work.left < 0) return false;
  const a = solved(x, y), b = solved(y, x);
  switch (a.kind) {
    case "scalar":
      return b.kind === "scalar" && exprEqual(a.expr, b.expr, work);
    case "equation":
      if (b.kind !== "equation") return false;
      return exprEqual(diff(a.lhs, a.rhs), diff(b.lhs, b.rhs), work) ||
        exprEqual(diff(a.lhs, a.rhs), diff(b.rhs, b.lhs), work);
    case "tuple":
      if (b.kind === "interval") return valueEqual(b, a, work);
      return b.kind === "tuple" && a.items.length === b.items.length &&
        a.items.every((v, i) => valueEqual(v, b.items[i], work));
    case "list":
      return b.kind === "list" && sameUnordered(a.items, b.items, work);
    case "interval":
      if (b.kind === "tuple") {
        return a.loOpen && a.hiOpen && b.items.length === 2 &&
          b.items[0].kind === "scalar" && b.items[1].kind === "scalar" &&
          exprEqual(a.lo, b.items[0].expr, work) && exprEqual(a.hi, b.items[1].expr, work);
      }
      return b.kind === "interval" && a.loOpen === b.loOpen && a.hiOpen === b.hiOpen &&
        exprEqual(a.lo, b.lo, work) && exprEqual(a.hi, b.hi, work);
    case "matrix":
      return b.kind === "matrix" && a.rows.length === b.rows.length &&
        a.rows.every((r, i) =>
          r.length === b.rows[i].length && r.every((e, j) => exprEqual(e, b.rows[i][j], work))
        );
    case "choice":
      return b.kind === "choice" && a.letter === b.letter;
    case "text":
      return b.kind === "text" && a.text === b.text;
  }
}

const HUNDREDTH: Expr = { k: "num", v: rational(1n, 100n) };

/** The readings of a parsed answer: its value, and value/100 when it carried a percent sign. */
function readings(a: ParsedAnswer, other: ParsedAnswer): MathValue[] {
  if (!a.percent || other.percent || a.value.kind !== "scalar") return [a.value];
  return [a.value, { kind: "scalar", expr: { k: "mul", xs: [a.value.expr, HUNDREDTH] } }];
}

/**
 * Whether a predicted answer equals the gold one by value (see the module doc for the
 * conventions). Null, empty, unparseable or over-long answers are never equal to anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mathEquivalent } from "./math.ts";
 * assert.ok(mathEquivalent("\\frac{\\sqrt{12}}{2}", "\\sqrt{3}"));
 * assert.ok(mathEquivalent("-5i+6", "6-5i"));
 * assert.ok(!mathEquivalent("\\sqrt{5}1", "\\sqrt{51}"));
 * assert.ok(!mathEquivalent("P-Q", "p-q"));
 * ```
 */
export function mathEquivalent(predicted: string | null, gold: string): boolean {
  if (predicted === null) return false;
  const qa = plainQuantity(predicted), qb = plainQuantity(gold);
  if (qa && qb) {
    const same = (x: Rational, y: Rational) => x.p === y.p && x.q === y.q;
    if (same(qa.value, qb.value)) return true;
    if (qa.percent === qb.percent) return false;
    const [pc, other] = qa.percent ? [qa.value, qb.value] : [qb.value, qa.value];
    return same(rational(pc.p, pc.q * 100n), other);
  }
  const a = parseMath(predicted), b = parseMath(gold);
  if (!a || !b) return false;
  // One budget for the whole comparison, however many parts the answers have.
  const work: Work = { left: WORK_LIMIT };
  for (const x of readings(a, b)) {
    for (const y of readings(b, a)) if (valueEqual(x, y, work)) return true;
  }
  return false;
}
