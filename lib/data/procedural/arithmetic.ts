/**
 * Arithmetic word problems with an exact integer answer and a short reasoning, by kind
 * (`add`, `sub`, `mul`, `div`, `percent`, `multi-step`) and difficulty (number sizes, steps).
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import type { Rng } from "../../run/mod.ts";
import { NAMES, OBJECTS } from "./words.ts";

/** The skills of the arithmetic family. */
export type ArithmeticKind = "add" | "sub" | "mul" | "div" | "percent" | "multi-step";

/** Every arithmetic kind, in a fixed order. */
export const ARITHMETIC_KINDS: readonly ArithmeticKind[] = Object.freeze([
  "add",
  "sub",
  "mul",
  "div",
  "percent",
  "multi-step",
]);

/** The largest operand of additions at a difficulty (1 → 20, 2 → 100, 3 → 500, …). */
function maxOperand(difficulty: number): number {
  return [20, 100, 500, 2000, 10000][Math.min(difficulty, 5) - 1];
}

/** The largest factor of products and quotients at a difficulty. */
function maxFactor(difficulty: number): number {
  return [5, 10, 12, 20, 30][Math.min(difficulty, 5) - 1];
}

interface Problem {
  readonly question: string;
  readonly reasoning: string;
  readonly answer: number;
  readonly steps: number;
}

type Step = { op: "+" | "-" | "*"; n: number; text: string };

function multiStep(rng: Rng, d: number, who: string, obj: string): Problem {
  // Steps 2 (difficulty 1-2), 3 (3-4), 4 (5): each a clause on a running total kept >= 0.
  const steps = 2 + Math.floor((d - 1) / 2);
  let total = rng.int(2, maxOperand(d));
  const start = total;
  const clauses: string[] = [], lines: string[] = [];
  for (let s = 0; s < steps; s++) {
    const options: Step[] = [
      { op: "+", n: rng.int(1, maxOperand(d)), text: "gets {n} more" },
      { op: "-", n: rng.int(1, Math.max(1, total)), text: "gives away {n}" },
      { op: "*", n: rng.int(2, Math.min(4, 1 + d)), text: "then has {n} times as many" },
    ];
    const st = rng.pick(total > 3000 ? options.slice(0, 2) : options);
    const next = st.op === "+" ? total + st.n : st.op === "-" ? total - st.n : total * st.n;
    clauses.push(st.text.replace("{n}", String(st.n)));
    lines.push(`${total} ${st.op === "*" ? "*" : st.op} ${st.n} = ${next}.`);
    total = next;
  }
  return {
    question: `${who} has ${start} ${obj}. ${who} ${clauses.join(", ")}. How many ${obj} now?`,
    reasoning: lines.join(" "),
    answer: total,
    steps,
  };
}

function problem(kind: ArithmeticKind, rng: Rng, d: number): Problem {
  const [who, other] = rng.shuffle(NAMES);
  const obj = rng.pick(OBJECTS);
  const m = maxOperand(d), f = maxFactor(d);
  switch (kind) {
    case "add": {
      const a = rng.int(1, m), b = rng.int(1, m);
      return {
        question:
          `${who} has ${a} ${obj}. ${other} gives ${who} ${b} more. How many ${obj} does ${who} have?`,
        reasoning: `${a} + ${b} = ${a + b}.`,
        answer: a + b,
        steps: 1,
      };
    }
    case "sub": {
      const a = rng.int(2, m), b = rng.int(1, a);
      return {
        question: `${who} has ${a} ${obj} and gives ${b} to ${other}. How many ${obj} are left?`,
        reasoning: `${a} - ${b} = ${a - b}.`,
        answer: a - b,
        steps: 1,
      };
    }
    case "mul": {
      const a = rng.int(2, f), b = rng.int(2, f);
      return {
        question: `${who} has ${a} bags with ${b} ${obj} in each. How many ${obj} in all?`,
        reasoning: `${a} * ${b} = ${a * b}.`,
        answer: a * b,
        steps: 1,
      };
    }
    case "div": {
      const b = rng.int(2, f), c = rng.int(1, f), a = b * c;
      return {
        question:
          `${who} shares ${a} ${obj} equally among ${b} friends. How many ${obj} does each get?`,
        reasoning: `${a} / ${b} = ${c}.`,
        answer: c,
        steps: 1,
      };
    }
    case "percent": {
      // A base that makes p% of it whole: a multiple of 100 / gcd(p, 100).
      const p = rng.pick(d <= 2 ? [10, 20, 25, 50] : [5, 10, 15, 20, 25, 30, 40, 50, 75]);
      const unit = 100 / gcdInt(p, 100);
      const a = unit * rng.int(1, Math.max(1, Math.floor(m / unit)));
      const r = (a * p) / 100;
      return {
        question: `${who} has ${a} ${obj} and sells ${p}% of them. How many ${obj} are sold?`,
        reasoning: `${p}% of ${a} is ${a} * ${p} / 100 = ${r}.`,
        answer: r,
        steps: 1,
      };
    }
    case "multi-step":
      return multiStep(rng, d, who, obj);
  }
}

function gcdInt(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** One arithmetic word problem as a record (domain `math`, answer an integer string). */
export function arithmeticTask(
  rng: Rng,
  id: string,
  kind: ArithmeticKind,
  difficulty: number,
): TaskRecord {
  const p = problem(kind, rng, difficulty);
  return {
    id,
    domain: "math",
    question: p.question,
    reasoning: p.reasoning,
    answer: String(p.answer),
    answerKind: "number",
    meta: { family: "arithmetic", kind, difficulty, steps: p.steps },
  };
}
