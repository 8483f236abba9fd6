/**
 * A small TypeScript code family: "write function f(xs) that returns …", with a reference
 * solution and tests as assertion strings (`assertEquals(f([1, 2]), 3);`) that the Deno sandbox
 * of `lib/verify/` runs after the candidate (it defines `assertEquals`, a deep equality check).
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import type { Rng } from "../../run/mod.ts";

/** The skills of the code family. */
export type CodeKind =
  | "sum"
  | "max"
  | "count-even"
  | "reverse"
  | "double"
  | "filter-gt"
  | "sum-odd"
  | "last";

/** Every code kind, in a fixed order. */
export const CODE_KINDS: readonly CodeKind[] = Object.freeze([
  "sum",
  "max",
  "count-even",
  "reverse",
  "double",
  "filter-gt",
  "sum-odd",
  "last",
]);

interface CodeSpec {
  /** What f returns, after "returns". */
  readonly what: (k: number) => string;
  readonly returns: string;
  readonly body: (k: number) => string;
  readonly run: (xs: number[], k: number) => unknown;
  /** Whether the list must be non-empty. */
  readonly nonEmpty?: boolean;
}

const SPECS: Readonly<Record<CodeKind, CodeSpec>> = Object.freeze({
  sum: {
    what: () => "the sum of xs",
    returns: "number",
    body: () => "return xs.reduce((a, b) => a + b, 0);",
    run: (xs) => xs.reduce((a, b) => a + b, 0),
  },
  max: {
    what: () => "the largest number in xs",
    returns: "number",
    body: () => "return Math.max(...xs);",
    run: (xs) => Math.max(...xs),
    nonEmpty: true,
  },
  "count-even": {
    what: () => "how many numbers in xs are even",
    returns: "number",
    body: () => "return xs.filter((x) => x % 2 === 0).length;",
    run: (xs) => xs.filter((x) => x % 2 === 0).length,
  },
  reverse: {
    what: () => "xs in reverse order",
    returns: "number[]",
    body: () => "return [...xs].reverse();",
    run: (xs) => [...xs].reverse(),
  },
  double: {
    what: () => "each number in xs times 2",
    returns: "number[]",
    body: () => "return xs.map((x) => x * 2);",
    run: (xs) => xs.map((x) => x * 2),
  },
  "filter-gt": {
    what: (k) => `the numbers in xs greater than ${k}`,
    returns: "number[]",
    body: (k) => `return xs.filter((x) => x > ${k});`,
    run: (xs, k) => xs.filter((x) => x > k),
  },
  "sum-odd": {
    what: () => "the sum of the odd numbers in xs",
    returns: "number",
    body: () => "return xs.filter((x) => x % 2 !== 0).reduce((a, b) => a + b, 0);",
    run: (xs) => xs.filter((x) => x % 2 !== 0).reduce((a, b) => a + b, 0),
  },
  last: {
    what: () => "the last number in xs",
    returns: "number",
    body: () => "return xs[xs.length - 1];",
    run: (xs) => xs[xs.length - 1],
    nonEmpty: true,
  },
});

/** One code task as a record (domain `code`, answer the reference program, tests assertions). */
export function codeTask(rng: Rng, id: string, kind: CodeKind, difficulty: number): TaskRecord {
  const spec = SPECS[kind];
  const hi = [9, 20, 50, 100, 1000][Math.min(difficulty, 5) - 1];
  const k = rng.int(1, hi >> 1);
  const lists: number[][] = [];
  for (let t = 0; t < 3; t++) {
    const len = rng.int(spec.nonEmpty || t > 0 ? 1 : 0, 2 + difficulty);
    lists.push(Array.from({ length: len }, () => rng.int(difficulty >= 4 ? -hi : 0, hi)));
  }
  const show = (v: unknown) => JSON.stringify(v).replaceAll(",", ", ");
  return {
    id,
    domain: "code",
    question: `Write a TypeScript function f(xs: number[]): ${spec.returns} that returns ${
      spec.what(k)
    }.`,
    reasoning: `Use ${spec.body(k).replace(/^return /, "").replace(/;$/, "")}.`,
    answer: `function f(xs: number[]): ${spec.returns} {\n  ${spec.body(k)}\n}`,
    answerKind: "code",
    tests: lists.map((xs) => `assertEquals(f(${show(xs)}), ${show(spec.run(xs, k))});`),
    meta: { family: "code", kind, difficulty, language: "typescript" },
  };
}
