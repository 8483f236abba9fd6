/**
 * Math answers as typed values: LaTeX or plain text is tidied (dollars, units, degrees, percent,
 * thousands separators, choice letters, words), parsed by `@cortex-js/compute-engine` without
 * canonicalisation (its raw MathJSON, so nothing is approximated or folded), and turned into a
 * {@link MathValue}: a scalar expression, an equation, a tuple (ordered), a list (unordered: sets,
 * solution lists, unions), an interval, a matrix, a choice letter or text.
 *
 * Answers longer than {@link MAX_ANSWER_CHARS} are refused: the LaTeX parser is superlinear on
 * deep nesting, and no gold answer comes near that length.
 *
 * @module
 */

import { ComputeEngine } from "@cortex-js/compute-engine";
import { type Expr, type Rational, rational } from "./math_value.ts";

/** The longest answer parsed, in characters; longer ones are not answers (null). */
export const MAX_ANSWER_CHARS = 2000;

/** A parsed math answer. */
export type MathValue =
  | { readonly kind: "scalar"; readonly expr: Expr }
  | { readonly kind: "equation"; readonly lhs: Expr; readonly rhs: Expr }
  | { readonly kind: "tuple"; readonly items: readonly MathValue[] }
  | { readonly kind: "list"; readonly items: readonly MathValue[] }
  | {
    readonly kind: "interval";
    readonly lo: Expr;
    readonly hi: Expr;
    readonly loOpen: boolean;
    readonly hiOpen: boolean;
  }
  | { readonly kind: "matrix"; readonly rows: readonly (readonly Expr[])[] }
  | { readonly kind: "choice"; readonly letter: string }
  | { readonly kind: "text"; readonly text: string };

/** A parsed answer and whether it was written as a percentage (the value is then the bare number). */
export interface ParsedAnswer {
  readonly value: MathValue;
  readonly percent: boolean;
}

// One engine, created on first use: construction takes ~100 ms and raw parsing declares nothing
// in it, so sharing it carries no state from one answer to the next.
let engine: ComputeEngine | undefined;
function parseLatex(s: string): unknown {
  engine ??= new ComputeEngine();
  return engine.parse(s, { form: "raw" }).json;
}

/** Exact rational of a decimal literal (`-12.50`, `.5`, `1.5e3`); null otherwise. */
export function decimalRational(s: string): Rational | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(s);
  if (!m || (!m[2] && !m[3])) return null;
  const frac = m[3] ?? "";
  let p = BigInt((m[2] || "0") + frac) * (m[1] === "-" ? -1n : 1n);
  let q = 10n ** BigInt(frac.length);
  const e = Number(m[4] ?? 0);
  if (e > 0) p *= 10n ** BigInt(e);
  else q *= 10n ** BigInt(-e);
  return rational(p, q);
}

const TEXT_WRAP =
  /\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mathit|mbox|operatorname)\s*\{([^{}]*)\}/g;
const UNIT_WORDS =
  "dollars?|cents?|usd|cm|mm|km|m|kg|g|mg|lbs?|pounds?|ounces?|oz|feet|foot|ft|inches|inch|in|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|miles?|meters?|metres?|units?|degrees?|square|cubic|sq|mph|liters?|litres?|ml|gallons?|cups?";
// A unit in \text{…} may touch the number; a bare unit word needs a space ("5m" may be 5·m).
const TRAILING_UNIT = new RegExp(
  String
    .raw`(?:\s*\\(?:text|textrm|mbox|mathrm|textnormal)\s*\{\s*(?:${UNIT_WORDS})(?:\s*(?:\^\s*\{?[23]\}?|[²³]))?\s*\.?\s*\}|\s+(?:${UNIT_WORDS})\b\.?)(?:\s*(?:\^\s*\{?[23]\}?|[²³]))?$`,
  "i",
);

/** Tidies an answer's spelling; returns the text and whether a trailing percent sign was there. */
export function tidyAnswer(answer: string): { text: string; percent: boolean } {
  let s = answer.trim().replace(/\u2212/g, "-").replace(/×/g, "\\times ").replace(/÷/g, "\\div ");
  // Thousands separators in LaTeX: 1{,}000, 1,\!000, 1\,000.
  s = s.replace(/(\d)(?:\{,\}|,\\!|\\,)(?=\d{3}(?!\d))/g, "$1,");
  s = s.replace(/^\\\[|\\\]$/g, "").replace(/^\\\(|\\\)$/g, "");
  s = s.replace(/\\(?:displaystyle|textstyle|left\.|right\.)/g, "");
  s = s.replace(/\\boxed\s*\{/g, "{");
  s = s.replace(/\\(?:mathbf|boldsymbol|bm)\s*\{([^{}]*)\}/g, "{$1}");
  s = s.replace(/\\\$|\$/g, "").replace(/(?<!\\)\\(?:[,;:! ]|quad|qquad)/g, " ").replace(/~/g, " ");
  s = s.replace(/[\s.;,]+$/, "").trim();
  let percent = false;
  if (/(?:\\%|%|\s*\\text\{\s*percent\s*\}|\s+percent)$/i.test(s)) {
    percent = true;
    s = s.replace(/(?:\\%|%|\s*\\text\{\s*percent\s*\}|\s+percent)$/i, "").trim();
  }
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree/g, "");
  for (let i = 0; i < 3 && TRAILING_UNIT.test(s); i++) {
    const rest = s.replace(TRAILING_UNIT, "").trim();
    if (!rest || !/[\d}]$/.test(rest)) break;
    s = rest;
  }
  s = s.replace(/\\[dt]frac/g, "\\frac").replace(/\\frac\s*(\d)\s*(\d)/g, "\\frac{$1}{$2}");
  s = s.replace(/(\d)\{,\}(?=\d{3}(?!\d))/g, "$1");
  // Any other {,} is a decimal comma or a typo: which number it means is unclear.
  if (s.includes("{,}")) return { text: "", percent };
  s = s.replace(/(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])/g, (m) => m.replaceAll(",", ""));
  s = s.replace(/\\text\s*\{\s*(?:or|and)\s*\}|\s+(?:or|and)\s+/g, ",");
  return { text: s.trim(), percent };
}

const CHOICE = /^\(?([A-Z])\)?$/;

/**
 * Parses an answer into a {@link MathValue}; null when it is empty, too long, or not well formed
 * (a parse error anywhere, a number glued after another factor such as `\sqrt{5}1`, NaN or ∞
 * outside an interval).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswer } from "./math_parse.ts";
 * assert.equal(parseAnswer("\\textbf{(C)}")?.value.kind, "choice");
 * assert.equal(parseAnswer("[1, 2)")?.value.kind, "interval");
 * assert.equal(parseAnswer("\\sqrt{5}1"), null);
 * ```
 */
export function parseAnswer(answer: string): ParsedAnswer | null {
  if (answer.length > MAX_ANSWER_CHARS) return null;
  const { text, percent } = tidyAnswer(answer);
  if (!text) return null;
  const plain = text.replace(TEXT_WRAP, "$1").replace(TEXT_WRAP, "$1").replace(/\s+/g, " ")
    .trim();
  const choice = CHOICE.exec(plain.replace(/\s/g, ""));
  if (choice) return { value: { kind: "choice", letter: choice[1] }, percent };
  // Prose: all in \text{…}, or a word of three letters or more that is not a LaTeX command.
  const bare = plain.replace(/\\(?:begin|end)\s*\{[a-z*]*\}/g, "").replace(/\\[A-Za-z]+/g, "");
  const wrapped = /^(?:yes|no)$/i.test(text) ||
    /^\\(?:text|textbf|textit|textrm|textnormal|mathrm|mbox)\s*\{[^{}]*[A-Za-z][^{}]*\}$/
      .test(text);
  if (wrapped || /(?<![\\A-Za-z])[A-Za-z]{3,}/.test(bare)) {
    // Case folds only in ordinary words ("Monday" ≡ "monday"); "ABC" and "abc" stay apart.
    const words = plain.replace(/[{}]/g, "").replace(/\s+/g, " ").trim()
      .replace(/[A-Za-z]+/g, (w) => (/^[A-Z]?[a-z]+$/.test(w) ? w.toLowerCase() : w));
    return { value: { kind: "text", text: words }, percent };
  }
  // The LaTeX parser reads "2 3" as 23: digits separated only by space are not one number.
  if (/(?<![_^])\d\s+\d/.test(text)) return null;
  let json: unknown;
  try {
    json = parseLatex(text);
  } catch {
    return null;
  }
  const value = toValue(json);
  return value ? { value, percent } : null;
}

// ---- MathJSON → MathValue ----

type Json = unknown;
const isArr = (j: Json): j is Json[] => Array.isArray(j);
const head = (j: Json) => (isArr(j) && typeof j[0] === "string" ? j[0] : null);

function unwrap(j: Json): Json {
  for (;;) {
    if (head(j) === "Delimiter" && isArr(j) && j.length === 2) {
      const inner = j[1];
      if (head(inner) === "Sequence" && isArr(inner) && inner.length === 2) j = inner[1];
      else if (head(inner) !== "Sequence") j = inner;
      else return j;
    } else if (head(j) === "Annotated" && isArr(j)) j = j[1];
    else return j;
  }
}

function items(j: Json[]): MathValue[] | null {
  const out: MathValue[] = [];
  for (const x of j) {
    const v = toValue(x);
    if (!v) return null;
    out.push(v);
  }
  return out;
}

function endpoint(j: Json): { e: Expr; open: boolean } | null {
  const open = head(j) === "Open" && isArr(j);
  const e = toExpr(open ? (j as Json[])[1] : head(j) === "Closed" ? (j as Json[])[1] : j, true);
  return e ? { e, open } : null;
}

/** The two readings of the first `±`/`∓` in `j`, or null when there is none. */
function plusMinus(j: Json): [Json, Json] | null {
  if (!isArr(j)) return null;
  const h = head(j);
  if ((h === "Measurement" || h === "PlusMinus" || h === "MinusPlus") && j.length === 3) {
    const plus = ["Add", j[1], j[2]], minus = ["Subtract", j[1], j[2]];
    return h === "MinusPlus" ? [minus, plus] : [plus, minus];
  }
  for (let i = 1; i < j.length; i++) {
    const r = plusMinus(j[i]);
    if (r) return [r[0], r[1]].map((x) => j.map((y, k) => (k === i ? x : y))) as [Json, Json];
  }
  return null;
}

function toValue(raw: Json, depth = 0): MathValue | null {
  const pm = depth < 4 ? plusMinus(raw) : null;
  if (pm) {
    // a ± b stands for both values; as the right side of `x = a ± b`, for both solutions.
    const vs = pm.map((x) => toValue(x, depth + 1));
    return vs[0] && vs[1] ? { kind: "list", items: vs as MathValue[] } : null;
  }
  const j = unwrap(raw);
  const h = head(j);
  if (isArr(j) && h) {
    const args = j.slice(1);
    switch (h) {
      case "Delimiter": {
        const seq = args[0];
        const delim = typeof args[1] === "string" ? args[1] : "'(,)'";
        const xs = head(seq) === "Sequence" ? (seq as Json[]).slice(1) : [seq];
        const vs = items(xs);
        if (!vs && delim === "'(,)'" && xs.length === 2) {
          // (a, ∞): a pair with an infinite end is an open interval.
          const lo = toExpr(xs[0], true), hi = toExpr(xs[1], true);
          return lo && hi ? { kind: "interval", lo, hi, loOpen: true, hiOpen: true } : null;
        }
        if (!vs) return null;
        return delim === "','" || delim === "';'"
          ? { kind: "list", items: vs }
          : { kind: "tuple", items: vs };
      }
      case "Sequence": {
        const vs = items(args);
        return vs ? { kind: "list", items: vs } : null;
      }
      case "List": {
        if (args.length === 2) {
          const lo = endpoint(args[0]), hi = endpoint(args[1]);
          if (lo && hi) {
            return { kind: "interval", lo: lo.e, hi: hi.e, loOpen: false, hiOpen: false };
          }
        }
        const vs = items(args);
        return vs ? { kind: "tuple", items: vs } : null;
      }
      case "Interval": {
        if (args.length !== 2) return null;
        const lo = endpoint(args[0]), hi = endpoint(args[1]);
        return lo && hi
          ? { kind: "interval", lo: lo.e, hi: hi.e, loOpen: lo.open, hiOpen: hi.open }
          : null;
      }
      case "Set":
      case "Union": {
        const vs = items(args);
        return vs ? { kind: "list", items: vs } : null;
      }
      case "Matrix": {
        const rows = args[0];
        if (head(rows) !== "List") return null;
        const out: Expr[][] = [];
        for (const row of (rows as Json[]).slice(1)) {
          if (head(row) !== "List") return null;
          const cells = (row as Json[]).slice(1).map((c) => toExpr(c));
          if (cells.some((c) => !c)) return null;
          out.push(cells as Expr[]);
        }
        return { kind: "matrix", rows: out };
      }
      case "Equal": {
        if (args.length !== 2) return null;
        const lhs = toExpr(args[0]), rhs = toExpr(args[1]);
        return lhs && rhs ? { kind: "equation", lhs, rhs } : null;
      }
      case "Element":
        return args.length === 2 ? toValue(args[1]) : null;
    }
  }
  if (j === "EmptySet") return { kind: "list", items: [] };
  const e = toExpr(j, true);
  return e ? { kind: "scalar", expr: e } : null;
}

const NAMED: Record<string, Expr> = {
  Pi: { k: "sym", name: "Pi" },
  ExponentialE: { k: "sym", name: "e" },
  e: { k: "sym", name: "e" },
  i: { k: "i" },
  ImaginaryUnit: { k: "i" },
};

const num = (v: Rational): Expr => ({ k: "num", v });

function toExprs(xs: Json[], inf = false): Expr[] | null {
  const out: Expr[] = [];
  for (const x of xs) {
    const e = toExpr(x, inf);
    if (!e) return null;
    out.push(e);
  }
  return out;
}

function isIntLiteral(j: Json): boolean {
  return (typeof j === "number" && Number.isInteger(j) && j >= 0) ||
    (typeof j === "object" && j !== null && !isArr(j) &&
      /^\d+$/.test(String((j as { num?: unknown }).num)));
}

/** Juxtaposition: a mixed number `2\frac{1}{3}`, or a product without a number after a factor. */
function juxtaposed(args: Json[]): Expr | null {
  const isWord = (a: Json) =>
    head(a) === "__unit__" || (typeof a === "string" && a.startsWith("'"));
  // Units and words may only trail a quantity.
  let end = args.length;
  while (end > 1 && isWord(args[end - 1])) end--;
  const parts = args.slice(0, end);
  if (parts.some(isWord)) return null;
  if (parts.length === 2 && head(parts[1]) === "Divide") {
    // A mixed number: whole part (maybe negated) then a proper fraction of integer literals.
    const negated = head(parts[0]) === "Negate" && isIntLiteral((parts[0] as Json[])[1]);
    const [, n, d] = parts[1] as Json[];
    if ((negated || isIntLiteral(parts[0])) && isIntLiteral(n) && isIntLiteral(d)) {
      const w = toExpr(negated ? (parts[0] as Json[])[1] : parts[0]), f = toExpr(parts[1]);
      if (
        w?.k === "num" && f?.k === "div" && f.a.k === "num" && f.b.k === "num" &&
        f.a.v.p < f.b.v.p
      ) {
        const mixed: Expr = { k: "add", xs: [w, f] };
        return negated ? { k: "neg", x: mixed } : mixed;
      }
    }
  }
  for (let i = 1; i < parts.length; i++) {
    if (typeof parts[i] === "number" || (typeof parts[i] === "object" && !isArr(parts[i]))) {
      return null;
    }
  }
  const xs = toExprs(parts);
  return xs ? (xs.length === 1 ? xs[0] : { k: "mul", xs }) : null;
}

function toExpr(raw: Json, allowInfinity = false): Expr | null {
  const j = unwrap(raw);
  if (typeof j === "number") {
    return Number.isFinite(j)
      ? (decimalRational(String(j)) ? num(decimalRational(String(j))!) : null)
      : null;
  }
  if (typeof j === "string") {
    if (j === "PositiveInfinity" && allowInfinity) return { k: "inf", sign: 1 };
    if (j === "NegativeInfinity" && allowInfinity) return { k: "inf", sign: -1 };
    if (j in NAMED) return NAMED[j];
    return /^[A-Za-z][A-Za-z0-9_]*$/.test(j) && !/Infinity|^NaN$|^Undefined$|^Nothing$/.test(j)
      ? { k: "sym", name: j }
      : null;
  }
  if (!isArr(j)) {
    const s = typeof j === "object" && j !== null ? (j as { num?: unknown }).num : undefined;
    const v = typeof s === "string" ? decimalRational(s) : null;
    return v ? num(v) : null;
  }
  const h = head(j);
  const args = j.slice(1);
  switch (h) {
    case "Add": {
      const xs = toExprs(args);
      return xs && xs.length ? { k: "add", xs } : null;
    }
    case "Multiply": {
      const xs = toExprs(args);
      return xs && xs.length ? { k: "mul", xs } : null;
    }
    case "Subtract": {
      const xs = toExprs(args);
      return xs && xs.length === 2 ? { k: "add", xs: [xs[0], { k: "neg", x: xs[1] }] } : null;
    }
    case "Negate": {
      const x = args.length === 1 ? toExpr(args[0], allowInfinity) : null;
      if (x?.k === "inf") return { k: "inf", sign: x.sign > 0 ? -1 : 1 };
      return x ? { k: "neg", x } : null;
    }
    case "Divide":
    case "Rational": {
      const xs = toExprs(args);
      return xs && xs.length === 2 ? { k: "div", a: xs[0], b: xs[1] } : null;
    }
    case "Power": {
      const xs = toExprs(args);
      return xs && xs.length === 2 ? { k: "pow", a: xs[0], b: xs[1] } : null;
    }
    case "Square": {
      const x = args.length === 1 ? toExpr(args[0]) : null;
      return x ? { k: "pow", a: x, b: num(rational(2n, 1n)) } : null;
    }
    case "Exp": {
      const x = args.length === 1 ? toExpr(args[0]) : null;
      return x ? { k: "pow", a: { k: "sym", name: "e" }, b: x } : null;
    }
    case "Sqrt": {
      const x = args.length === 1 ? toExpr(args[0]) : null;
      return x ? { k: "root", x, n: 2 } : null;
    }
    case "Root": {
      const x = args.length === 2 ? toExpr(args[0]) : null;
      const n = args[1];
      if (!x || typeof n !== "number" || !Number.isInteger(n) || n < 2 || n > 64) return null;
      return { k: "root", x, n };
    }
    case "Degrees":
    case "Delimiter":
      return args.length === 1 ? toExpr(args[0]) : null;
    case "InvisibleOperator":
      return juxtaposed(args);
    case null:
    case "Error":
    case "Sequence":
    case "Hold":
    case "__unit__":
      return null;
    default: {
      if (!/^[A-Z][A-Za-z]*$/.test(h)) return null;
      const xs = toExprs(args);
      return xs ? { k: "fn", name: h, args: xs } : null;
    }
  }
}
