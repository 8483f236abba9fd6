/**
 * Recomputes the answer of a procedural task from its question text alone: each arithmetic and
 * choice template is read back (names, numbers, operation, options) and solved, so a generated
 * task that copies a template can be checked for the RIGHT answer, not just a well-formed one.
 * A question that matches no template exactly gives null ("cannot verify"), never a guess.
 *
 * @module
 */

import type { ArithmeticKind } from "./arithmetic.ts";
import type { ChoiceKind } from "./choice.ts";

/** A solved question: the kind whose template it matched, and the answer (a number or letter). */
export interface ProceduralSolution {
  readonly kind: ArithmeticKind | ChoiceKind;
  readonly answer: string;
}

type Options = Readonly<Record<string, string>>;
type Solver = (question: string, choices: Options) => string | null;

const W = "([A-Z][a-z]+)";
const N = "(\\d+)";

function fraction(p: number, q: number): string {
  let [a, b] = [Math.abs(p), q];
  while (b) [a, b] = [b, a % b];
  return q / a === 1 ? String(p / a) : `${p / a}/${q / a}`;
}

/** Reads one template: a whole-question regex, then the arithmetic on its numbers. */
function template(re: RegExp, solve: (n: number[]) => string | null): Solver {
  return (question) => {
    const m = re.exec(question);
    if (!m) return null;
    const nums = m.slice(1).filter((x) => /^\d+$/.test(x)).map(Number);
    return solve(nums);
  };
}

/** The clauses of a multi-step question, each an operation on the running total. */
const CLAUSES: readonly [RegExp, (t: number, n: number) => number][] = [
  [/^gets (\d+) more$/, (t, n) => t + n],
  [/^gives away (\d+)$/, (t, n) => t - n],
  [/^then has (\d+) times as many$/, (t, n) => t * n],
];

function multiStep(question: string): string | null {
  const m = new RegExp(`^${W} has ${N} ([a-z]+)\\. \\1 (.+)\\. How many \\3 now\\?$`).exec(
    question,
  );
  if (!m) return null;
  let total = Number(m[2]);
  for (const clause of m[4].split(", ")) {
    const rule = CLAUSES.find(([re]) => re.test(clause));
    if (!rule) return null;
    total = rule[1](total, Number(rule[0].exec(clause)![1]));
  }
  return String(total);
}

/** The unit conversions the choice family asks about: from-unit, to-unit, factor. */
const FACTORS: Readonly<Record<string, number>> = Object.freeze({
  "m>cm": 100,
  "km>m": 1000,
  "kg>g": 1000,
  "hours>minutes": 60,
  "minutes>seconds": 60,
  "days>hours": 24,
  "weeks>days": 7,
  "dollars>cents": 100,
});

/** The one letter whose option satisfies `is`, or null when none or several do. */
function onlyLetter(choices: Options, is: (option: string) => boolean): string | null {
  const hits = Object.keys(choices).filter((l) => is(choices[l]));
  return hits.length === 1 ? hits[0] : null;
}

function numericOptions(choices: Options): number[] | null {
  const xs = Object.values(choices).map((v) => (/^-?\d+$/.test(v) ? Number(v) : NaN));
  return xs.some(Number.isNaN) ? null : xs;
}

function extreme(pick: (xs: number[]) => number): Solver {
  return (_question, choices) => {
    const xs = numericOptions(choices);
    if (!xs) return null;
    const best = pick(xs);
    return onlyLetter(choices, (o) => Number(o) === best);
  };
}

/** Every template, by kind; the choice kinds read the four options too. */
const SOLVERS: Readonly<Record<ArithmeticKind | ChoiceKind, Solver>> = Object.freeze({
  add: template(
    new RegExp(
      `^${W} has ${N} ([a-z]+)\\. ${W} gives \\1 ${N} more\\. How many \\3 does \\1 have\\?$`,
    ),
    ([a, b]) => String(a + b),
  ),
  sub: template(
    new RegExp(`^${W} has ${N} ([a-z]+) and gives ${N} to ${W}\\. How many \\3 are left\\?$`),
    ([a, b]) => String(a - b),
  ),
  mul: template(
    new RegExp(`^${W} has ${N} bags with ${N} ([a-z]+) in each\\. How many \\4 in all\\?$`),
    ([a, b]) => String(a * b),
  ),
  div: template(
    new RegExp(
      `^${W} shares ${N} ([a-z]+) equally among ${N} friends\\. How many \\3 does each get\\?$`,
    ),
    ([a, b]) => (b === 0 ? null : fraction(a, b)),
  ),
  percent: template(
    new RegExp(`^${W} has ${N} ([a-z]+) and sells ${N}% of them\\. How many \\3 are sold\\?$`),
    ([a, p]) => fraction(a * p, 100),
  ),
  "multi-step": multiStep,
  largest: (
    q,
    c,
  ) => (q === "Which number is the largest?" ? extreme((xs) => Math.max(...xs))(q, c) : null),
  smallest: (q, c) =>
    q === "Which number is the smallest?" ? extreme((xs) => Math.min(...xs))(q, c) : null,
  convert: (question, choices) => {
    const m = /^How many ([a-z]+) are in (\d+) ([a-z]+)\?$/.exec(question);
    const factor = m ? FACTORS[`${m[3]}>${m[1]}`] : undefined;
    if (!m || factor === undefined) return null;
    const right = Number(m[2]) * factor;
    return onlyLetter(choices, (o) => o === String(right));
  },
  "sum-largest": (question, choices) => {
    const m = /^Who has the most\? (.+)$/.exec(question);
    if (!m) return null;
    const sums = new Map<string, number>();
    for (const s of m[1].split(/(?<=\.) /)) {
      const p = new RegExp(`^${W} has ${N} and ${N}\\.$`).exec(s);
      if (!p || sums.has(p[1])) return null;
      sums.set(p[1], Number(p[2]) + Number(p[3]));
    }
    const names = Object.values(choices);
    if (names.some((n) => !sums.has(n)) || names.length !== sums.size) return null;
    const top = Math.max(...sums.values());
    return onlyLetter(choices, (o) => sums.get(o) === top);
  },
});

/** The kinds {@link solveProcedural} can solve, in the order it tries them. */
export const SOLVABLE_KINDS: readonly (ArithmeticKind | ChoiceKind)[] = Object.freeze(
  Object.keys(SOLVERS) as (ArithmeticKind | ChoiceKind)[],
);

/** The `A) …` option lines at the end of a question, and the stem above them. */
function splitOptions(question: string): { stem: string; choices: Options } {
  const lines = question.split("\n");
  let first = lines.length;
  while (first > 0 && /^[A-Z]\) \S/.test(lines[first - 1])) first--;
  const choices: Record<string, string> = {};
  for (const line of lines.slice(first)) choices[line[0]] = line.slice(3).trim();
  return { stem: lines.slice(0, first).join("\n").trim(), choices };
}

/** Options of {@link solveProcedural}. */
export interface SolveOptions {
  /** Only this kind's template; every solvable kind in turn when absent. @default undefined */
  readonly kind?: string;
  /**
   * The options of a choice question, when the question is a record's stem; read from the
   * question's trailing `A) …` lines when absent. @default undefined
   */
  readonly choices?: Options;
}

/**
 * Solves a procedural question from its text: the kind whose template it matches exactly and the
 * answer that template's numbers give (an integer, or a reduced fraction where a changed
 * division or percentage is not whole; a choice question's letter). Null when no template
 * matches, a choice question has a tie or no option that is right, or the kind is unknown:
 * "cannot verify", never a guess.
 *
 * @example A word problem, a choice question with its options, and an altered question
 * ```ts
 * import assert from "node:assert/strict";
 * import { solveProcedural } from "./solve.ts";
 * const q = "Ann has 7 pens. Ben gives Ann 5 more. How many pens does Ann have?";
 * assert.deepEqual(solveProcedural(q), { kind: "add", answer: "12" });
 * const c = "Which number is the largest?\nA) 3\nB) 19\nC) 7\nD) 11";
 * assert.deepEqual(solveProcedural(c), { kind: "largest", answer: "B" });
 * assert.equal(solveProcedural("Ann has 7 pens. How many pens does she have?"), null);
 * ```
 */
export function solveProcedural(
  question: string,
  options: SolveOptions = {},
): ProceduralSolution | null {
  const { kind } = options;
  const split = splitOptions(question.trim());
  const stem = options.choices ? question.trim() : split.stem;
  const choices = options.choices ?? split.choices;
  const kinds = kind === undefined ? SOLVABLE_KINDS : SOLVABLE_KINDS.filter((k) => k === kind);
  for (const k of kinds) {
    const answer = SOLVERS[k](stem, choices);
    if (answer !== null) return { kind: k, answer };
  }
  return null;
}
