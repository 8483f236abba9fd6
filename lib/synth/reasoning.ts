/**
 * Reasoning repair: the default generator writes the right steps with wrong sums
 * (`95 - 58 = 121.`), so when a sample is relabelled its reasoning still argues for the old
 * answer. Every `a op b … = c` equation in it is recomputed here (with `*` and `/` before `+`
 * and `-`), and a later step that used a wrong result uses the right one, so the repaired
 * reasoning can be checked to end in the label before it is kept.
 *
 * @module
 */

/** `a op b (op c …) = c`: numbers joined by + - * /, then `=` and the stated result. */
const EQUATION = /((?:\d+(?:\.\d+)?\s*[-+*/]\s*)+\d+(?:\.\d+)?)(\s*=\s*)(-?\d+(?:\.\d+)?)/g;

/** The value of numbers joined by + - * / (× and ÷ first), or null when not finite. */
function evaluate(expression: string): number | null {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/]/g) ?? [];
  const terms: number[] = [];
  let sign = 1, term = Number(tokens[0]);
  for (let i = 1; i + 1 < tokens.length; i += 2) {
    const op = tokens[i], n = Number(tokens[i + 1]);
    if (op === "*") term *= n;
    else if (op === "/") term /= n;
    else {
      terms.push(sign * term);
      sign = op === "-" ? -1 : 1;
      term = n;
    }
  }
  terms.push(sign * term);
  const v = terms.reduce((a, b) => a + b, 0);
  return Number.isFinite(v) ? v : null;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
}

/** Reasoning with its arithmetic recomputed. */
export interface RepairedReasoning {
  /** The text with every equation's result (and later uses of a wrong result) corrected. */
  readonly text: string;
  /** The last equation's (corrected) result, or null when the text has no equation. */
  readonly last: string | null;
  /** Whether any number changed. */
  readonly changed: boolean;
}

/**
 * Recomputes every equation of `reasoning` in order. A wrong result is replaced by the right
 * one, and where a later equation uses the wrong result as an operand it uses the right one.
 *
 * @example A wrong difference carried into the next step
 * ```ts
 * import assert from "node:assert/strict";
 * import { repairArithmetic } from "./reasoning.ts";
 * assert.deepEqual(repairArithmetic("15 - 4 = 12. 12 * 2 = 25."),
 *   { text: "15 - 4 = 11. 11 * 2 = 22.", last: "22", changed: true });
 * assert.deepEqual(repairArithmetic("20% of 80 is 80 * 20 / 100 = 11."),
 *   { text: "20% of 80 is 80 * 20 / 100 = 16.", last: "16", changed: true });
 * assert.equal(repairArithmetic("Use xs.map.").last, null);
 * ```
 */
export function repairArithmetic(reasoning: string): RepairedReasoning {
  const fixes = new Map<string, string>();
  let last: string | null = null, changed = false;
  const text = reasoning.replace(EQUATION, (_, expr: string, eq: string, stated: string) => {
    const used = expr.replace(/\d+(?:\.\d+)?/g, (n) => fixes.get(n) ?? n);
    const v = evaluate(used);
    if (v === null) return `${expr}${eq}${stated}`;
    const right = formatNumber(v);
    if (right !== stated) fixes.set(stated, right);
    if (used !== expr || right !== stated) changed = true;
    last = right;
    return `${used}${eq}${right}`;
  });
  return { text, last, changed };
}
