/**
 * The stand-in task corpus the tiny default models are pretrained on: arithmetic word problems,
 * deterministic from a seed, with a short reasoning and an exact answer, in the tag format of the
 * reference work. Skills (add, sub, mul, two-step) differ in difficulty, so a small student is
 * strong on some and weak on others. (The full procedural task families are issue #4's.)
 *
 * @module
 */

/** One problem. */
export interface CorpusItem {
  readonly question: string;
  readonly reasoning: string;
  readonly answer: string;
  readonly skill: "add" | "sub" | "mul" | "two-step";
}

const NAMES = ["Tom", "Ann", "Sam", "Mia", "Ben", "Lily", "Max", "Zoe"];
const THINGS = ["apples", "books", "coins", "cards", "shells", "stickers", "pens", "cups"];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` problems from `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusItems } from "./pretrain_corpus.ts";
 * const [a] = corpusItems(1, 3);
 * assert.ok(a.question.endsWith("?") && /^\d+$/.test(a.answer));
 * ```
 */
export function corpusItems(seed: number, count: number): CorpusItem[] {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const out: CorpusItem[] = [];
  for (let i = 0; i < count; i++) {
    const [p, q] = [pick(NAMES), pick(NAMES.filter((n) => n !== NAMES[0]))];
    const thing = pick(THINGS);
    const skill = pick(["add", "sub", "mul", "two-step"] as const);
    const a = int(2, 60), b = int(2, 40), k = int(2, 9);
    if (skill === "add") {
      out.push({
        skill,
        question:
          `${p} has ${a} ${thing}. ${q} gives ${p} ${b} more. How many ${thing} does ${p} have now?`,
        reasoning: `${a} + ${b} = ${a + b}`,
        answer: String(a + b),
      });
    } else if (skill === "sub") {
      const [hi, lo] = a >= b ? [a, b] : [b, a];
      out.push({
        skill,
        question: `${p} has ${hi} ${thing} and gives ${lo} to ${q}. How many ${thing} are left?`,
        reasoning: `${hi} - ${lo} = ${hi - lo}`,
        answer: String(hi - lo),
      });
    } else if (skill === "mul") {
      const n = int(2, 12);
      out.push({
        skill,
        question: `${p} has ${k} boxes with ${n} ${thing} in each. How many ${thing} in all?`,
        reasoning: `${k} * ${n} = ${k * n}`,
        answer: String(k * n),
      });
    } else {
      out.push({
        skill,
        question:
          `${p} buys ${k} bags of ${b} ${thing} and then finds ${a} more. How many ${thing} does ${p} have?`,
        reasoning: `${k} * ${b} = ${k * b}. ${k * b} + ${a} = ${k * b + a}`,
        answer: String(k * b + a),
      });
    }
  }
  return out;
}

/** The generator's format: a whole problem in tags. */
export function renderTagged(item: CorpusItem): string {
  return `<question>${item.question}</question><reasoning>${item.reasoning}</reasoning><answer>${item.answer}</answer>`;
}

/** The student's format: a prompt, and the completion it should learn. */
export function renderStudent(item: CorpusItem): { prompt: string; completion: string } {
  return {
    prompt: `Q: ${item.question}\nA:`,
    completion: ` ${item.reasoning}. The answer is ${item.answer}.`,
  };
}

/** The number after "The answer is" in a student completion, or null. */
export function extractStudentAnswer(text: string): string | null {
  const m = /The answer is (-?\d+)/.exec(text);
  return m ? m[1] : null;
}
