/**
 * Math answers: extraction of the final answer from free text, and exact equivalence with
 * rationals (bigint), across integers, decimals, thousands separators, fractions and `\frac`,
 * percentages, simple units and LaTeX wrappers.
 *
 * @module
 */

import { extractBoxed } from "../data/boxed.ts";

export { extractBoxed };

const NUMBER = /-?\$?\d[\d,]*(?:\.\d+)?%?|-?\.\d+%?/g;

/**
 * The final answer a text states: after `####`, inside `\boxed{}`, after "the answer is", else the
 * last number. Null when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractMathAnswer } from "./math.ts";
 * assert.equal(extractMathAnswer("3 + 4 = 7\n#### 7"), "7");
 * assert.equal(extractMathAnswer("So the answer is $1,200."), "$1,200");
 * ```
 */
export function extractMathAnswer(text: string): string | null {
  const hash = text.lastIndexOf("####");
  if (hash >= 0) return text.slice(hash + 4).trim().split("\n")[0].trim() || null;
  const boxed = extractBoxed(text);
  if (boxed !== null) return boxed.trim();
  const said = text.toLowerCase().lastIndexOf("answer is");
  if (said >= 0) {
    const rest = text.slice(said + 9).replace(/^[:\s]+/, "").split("\n")[0];
    const num = rest.match(NUMBER);
    const stated = (num ? num[0] : rest).replace(/[.\s]+$/, "");
    if (stated) return stated;
  }
  const nums = text.match(NUMBER);
  return nums ? nums[nums.length - 1].replace(/\.$/, "") : null;
}

/** An exact rational p/q with q > 0. */
export interface Rational {
  readonly p: bigint;
  readonly q: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}

function rational(p: bigint, q: bigint): Rational {
  if (q === 0n) throw new RangeError("zero denominator");
  if (q < 0n) [p, q] = [-p, -q];
  const g = gcd(p, q) || 1n;
  return { p: p / g, q: q / g };
}

function decimal(s: string): Rational | null {
  const m = /^(-?)(\d*)(?:\.(\d+))?$/.exec(s);
  if (!m || (!m[2] && !m[3])) return null;
  const frac = m[3] ?? "";
  const p = BigInt((m[2] || "0") + frac) * (m[1] ? -1n : 1n);
  return rational(p, 10n ** BigInt(frac.length));
}

const UNITS =
  /\s*(?:dollars?|cents?|usd|cm|mm|km|m|kg|g|mg|lbs?|pounds?|feet|ft|inches|in|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|years?|miles?|meters?|units?|degrees?|°)\.?$/i;

/**
 * Parses an answer to an exact rational, or null when it is not a plain quantity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRational } from "./math.ts";
 * assert.deepEqual(parseRational("\\frac{3}{4}"), parseRational("0.75"));
 * ```
 */
export function parseRational(answer: string): Rational | null {
  let s = answer.trim();
  s = s.replace(/^\$+|\$+$/g, "").replace(/\\[,;!]|\\\s/g, "").replace(/\\(?:left|right)/g, "");
  s = s.replace(/\\text\{([^}]*)\}/g, "$1").replace(/\\mathrm\{([^}]*)\}/g, "$1").replace(
    /\^\{?\\circ\}?/g,
    "",
  );
  s = s.replace(/\\d?frac\{([^{}]+)\}\{([^{}]+)\}/g, "($1)/($2)").replace(
    /\\d?frac(\d)(\d)/g,
    "$1/$2",
  );
  s = s.replace(/^\\\$|\\\$/g, "").replace(/^\$/, "").trim();
  s = s.replace(UNITS, "").trim();
  let percent = false;
  if (/\\?%$/.test(s)) {
    percent = true;
    s = s.replace(/\\?%$/, "").trim();
  }
  s = s.replace(/^\((.*)\)$/, "$1").replace(/\s+/g, "");
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replaceAll(",", "");
  // A sign in front of a parenthesised fraction: -(1)/(2).
  const negate = /^-\(/.test(s);
  if (negate) s = s.slice(1);
  let value: Rational | null;
  const frac = /^\(?(-?[\d.]+)\)?\/\(?(-?[\d.]+)\)?$/.exec(s);
  if (frac) {
    const a = decimal(frac[1]), b = decimal(frac[2]);
    value = a && b && b.p !== 0n ? rational(a.p * b.q, a.q * b.p) : null;
  } else value = decimal(s);
  if (value && percent) value = rational(value.p, value.q * 100n);
  if (value && negate) value = rational(-value.p, value.q);
  return value;
}

/**
 * Whether a predicted answer equals the gold one: as exact rationals when both parse, else as
 * normalised text. A percentage matches the fraction it denotes ("25%" ≡ "0.25") and, since
 * word problems often state percentages as bare numbers, the same number without the sign
 * ("25%" ≡ "25").
 */
export function mathEquivalent(predicted: string | null, gold: string): boolean {
  if (predicted === null) return false;
  const same = (x: string, y: string) => {
    const a = parseRational(x), b = parseRational(y);
    return !!a && !!b && a.p === b.p && a.q === b.q;
  };
  const bare = (x: string) => x.replace(/\\?%\s*$/, "");
  if (parseRational(predicted) && parseRational(gold)) {
    return same(predicted, gold) || same(bare(predicted), bare(gold));
  }
  const norm = (x: string) =>
    x.replace(/\\text\{([^}]*)\}/g, "$1").replace(/[\s$\\{}]/g, "").replace(/\.$/, "")
      .toLowerCase();
  return norm(predicted) === norm(gold);
}
