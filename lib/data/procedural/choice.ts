/**
 * A multiple-choice family with four lettered options: which number is largest or smallest, unit
 * conversions, and which sum is largest.
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import type { Rng } from "../../run/mod.ts";
import { NAMES } from "./words.ts";

/** The skills of the multiple-choice family. */
export type ChoiceKind = "largest" | "smallest" | "convert" | "sum-largest";

/** Every choice kind, in a fixed order. */
export const CHOICE_KINDS: readonly ChoiceKind[] = Object.freeze([
  "largest",
  "smallest",
  "convert",
  "sum-largest",
]);

const LETTERS = ["A", "B", "C", "D"] as const;

/** Unit pairs: from-unit, to-unit, factor. */
const CONVERSIONS: readonly [string, string, number][] = [
  ["m", "cm", 100],
  ["km", "m", 1000],
  ["kg", "g", 1000],
  ["hours", "minutes", 60],
  ["minutes", "seconds", 60],
  ["days", "hours", 24],
  ["weeks", "days", 7],
  ["dollars", "cents", 100],
];

/** `count` distinct integers in [lo, hi]. */
function distinct(rng: Rng, count: number, lo: number, hi: number): number[] {
  const seen = new Set<number>();
  while (seen.size < count) seen.add(rng.int(lo, hi));
  return [...seen];
}

function record(
  id: string,
  kind: ChoiceKind,
  difficulty: number,
  question: string,
  options: string[],
  correct: number,
  why: string,
): TaskRecord {
  const letter = LETTERS[correct];
  return {
    id,
    domain: "reasoning",
    question,
    reasoning: `${why} So the answer is ${letter}.`,
    answer: letter,
    answerKind: "choice",
    choices: Object.fromEntries(options.map((o, k) => [LETTERS[k], o])),
    meta: { family: "choice", kind, difficulty },
  };
}

/** One multiple-choice task as a record (domain `reasoning`, answer a letter A-D). */
export function choiceTask(
  rng: Rng,
  id: string,
  kind: ChoiceKind,
  difficulty: number,
): TaskRecord {
  const hi = [20, 100, 1000, 10000, 100000][Math.min(difficulty, 5) - 1];
  switch (kind) {
    case "largest":
    case "smallest": {
      const xs = distinct(rng, 4, 1, hi);
      const best = kind === "largest" ? Math.max(...xs) : Math.min(...xs);
      return record(
        id,
        kind,
        difficulty,
        `Which number is the ${kind}?`,
        xs.map(String),
        xs.indexOf(best),
        `The ${kind} of ${xs.join(", ")} is ${best}.`,
      );
    }
    case "convert": {
      const [from, to, k] = rng.pick(CONVERSIONS);
      const n = rng.int(2, Math.max(3, Math.round(hi / 100) + 2));
      const right = n * k;
      // Wrong options: the usual slips (wrong factor, off by a factor of 10), all distinct.
      const wrong = new Set<number>();
      for (const w of [n * k * 10, Math.max(1, Math.round(right / 10)), n + k, right + k]) {
        if (w !== right) wrong.add(w);
      }
      const options = rng.shuffle([right, ...[...wrong].slice(0, 3)]);
      return record(
        id,
        kind,
        difficulty,
        `How many ${to} are in ${n} ${from}?`,
        options.map(String),
        options.indexOf(right),
        `1 ${from.replace(/s$/, "")} is ${k} ${to}, and ${n} * ${k} = ${right}.`,
      );
    }
    case "sum-largest": {
      const who = rng.shuffle(NAMES).slice(0, 4);
      const pairs = who.map(() => [rng.int(1, hi), rng.int(1, hi)]);
      const sums = pairs.map(([a, b]) => a + b);
      const top = Math.max(...sums);
      if (sums.filter((s) => s === top).length > 1) return choiceTask(rng, id, kind, difficulty);
      const at = sums.indexOf(top);
      return record(
        id,
        kind,
        difficulty,
        `Who has the most? ${
          who.map((w, k) => `${w} has ${pairs[k][0]} and ${pairs[k][1]}.`).join(" ")
        }`,
        who,
        at,
        `${who[at]} has ${pairs[at][0]} + ${pairs[at][1]} = ${top}, the most.`,
      );
    }
  }
}
