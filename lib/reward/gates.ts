/**
 * The gates a generated sample must pass before its reward counts, one table entry each: it
 * parses strictly; a math answer is an answer; a procedural question has the RIGHT answer; a
 * multiple-choice item has four options and a valid letter; code passes its own tests in the
 * sandbox. The near-duplicate gate runs after these, in order, because what it compares against
 * grows with each accepted sample (see `shapeRewards`).
 *
 * @module
 */

import type { Candidate } from "../acquire/mod.ts";
import { parseTags, questionText, solveProcedural, type TaskRecord } from "../data/mod.ts";
import {
  checkAnswers,
  mathEquivalent,
  parseMath,
  requireStrongIsolation,
  type Sandbox,
} from "../verify/mod.ts";
import type { GateName } from "./config.ts";
import { type DedupState, keepText, nearestJaccard } from "./dedup.ts";

/**
 * One gate's verdict on one candidate: `pass`, `fail`, `skip` (the gate does not apply: another
 * domain, or no record) or `unverifiable` (it applies but cannot decide, e.g. no procedural
 * template matched; the config's `unverifiable` policy decides).
 */
export type GateVerdict = "pass" | "fail" | "skip" | "unverifiable";

/** What the gates may use besides the candidates. */
export interface GateEnv {
  /** Runs code candidates (the code gate). */
  readonly sandbox?: Sandbox;
  /** Accept a sandbox without bubblewrap isolation (named on purpose). @default false */
  readonly allowWeakIsolation?: boolean;
}

/** A gate over a batch: one verdict per candidate, in order. */
export type Gate = (candidates: readonly Candidate[], env: GateEnv) => Promise<GateVerdict[]>;

/** A gate deciding each record on its own, synchronously. */
function perRecord(check: (record: TaskRecord) => GateVerdict): Gate {
  return (candidates) =>
    Promise.resolve(candidates.map((c) => (c.record ? check(c.record) : "skip")));
}

function isMath(record: TaskRecord): boolean {
  return record.answerKind === "number" || record.answerKind === "math";
}

const LETTERS = ["A", "B", "C", "D"];

/**
 * The gates that judge each candidate on its own; `duplicate` is stateful and runs separately
 * ({@link duplicateGate}).
 *
 * @example A word problem with a wrong answer fails the procedural gate
 * ```ts
 * import assert from "node:assert/strict";
 * import { GATES } from "./gates.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const, meta: {},
 *   question: "Ann has 3 bags with 4 pens in each. How many pens in all?", answer: "7" };
 * assert.deepEqual(await GATES.procedural([{ text: "", record: rec }], {}), ["fail"]);
 * assert.deepEqual(await GATES.answer([{ text: "", record: rec }], {}), ["pass"]);
 * ```
 */
export const GATES: Readonly<Record<Exclude<GateName, "duplicate">, Gate>> = Object.freeze({
  // Strict tags AND a record: the text is well formed and its answer has its kind's form.
  parse: (candidates) =>
    Promise.resolve(
      candidates.map((c) => (c.record !== null && parseTags(c.text).ok ? "pass" : "fail")),
    ),
  // An answer parses as a math value (a number, expression, list, …), not as prose.
  answer: perRecord((r) => {
    if (!isMath(r)) return "skip";
    const parsed = parseMath(r.answer);
    return parsed && parsed.value.kind !== "text" ? "pass" : "fail";
  }),
  // The question, read back from its template, gives the stated answer.
  procedural: perRecord((r) => {
    if (!isMath(r) && r.answerKind !== "choice") return "skip";
    const kind = typeof r.meta.kind === "string" ? r.meta.kind : undefined;
    const solved = solveProcedural(r.question, { choices: r.choices, kind }) ??
      (kind === undefined ? null : solveProcedural(r.question, { choices: r.choices }));
    if (!solved) return "unverifiable";
    const right = isMath(r) ? mathEquivalent(r.answer, solved.answer) : r.answer === solved.answer;
    return right ? "pass" : "fail";
  }),
  // Exactly the options A-D, each non-empty and distinct, and the answer one of the letters.
  choice: perRecord((r) => {
    if (r.answerKind !== "choice") return "skip";
    const options = r.choices ?? {};
    const letters = Object.keys(options).sort();
    const texts = Object.values(options).map((o) => o.trim());
    const four = letters.join() === LETTERS.join() && texts.every(Boolean) &&
      new Set(texts).size === 4;
    return four && LETTERS.includes(r.answer) ? "pass" : "fail";
  }),
  // The generated program passes the generated tests in the sandbox.
  code: async (candidates, env) => {
    const at = candidates.flatMap((c, i) => (c.record?.answerKind === "code" ? [i] : []));
    const out: GateVerdict[] = candidates.map(() => "skip");
    if (at.length === 0) return out;
    if (!env.sandbox) {
      throw new Error(
        "Cannot shape rewards: the 'code' gate needs 'sandbox' in the context: current value is undefined",
      );
    }
    requireStrongIsolation(env.sandbox, { allowWeakIsolation: env.allowWeakIsolation ?? false });
    const testable = at.filter((i) => candidates[i].record!.tests?.length);
    for (const i of at) if (!candidates[i].record!.tests?.length) out[i] = "fail";
    const records = testable.map((i) => candidates[i].record!);
    const checks = await checkAnswers(records, records.map((r) => r.answer), env.sandbox);
    testable.forEach((i, k) => (out[i] = checks[k].correct ? "pass" : "fail"));
    return out;
  },
});

/**
 * The near-duplicate gate for one candidate: `fail` when its question's shingles (options
 * included, as `questionText` writes them) have Jaccard
 * similarity ≥ `threshold` with a kept question, else `pass`; `skip` without a record. When it
 * passes and `accept` is true (every other gate passed), the question joins the kept set, so a
 * later candidate of the same batch that repeats it fails.
 *
 * @example The second copy of a question fails
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDedupState, duplicateGate } from "./mod.ts";
 * const state = createDedupState(["Ann has 3 pens. How many pens?"]);
 * const rec = { id: "1", domain: "math" as const, question: "Ben has 9 cups and 2 more. How many cups?",
 *   answer: "11", answerKind: "number" as const, meta: {} };
 * const c = { text: "", record: rec };
 * assert.equal(duplicateGate(c, state, 0.8, true), "pass");
 * assert.equal(duplicateGate(c, state, 0.8, true), "fail");
 * ```
 */
export function duplicateGate(
  candidate: Candidate,
  state: DedupState,
  threshold: number,
  accept: boolean,
): GateVerdict {
  if (!candidate.record) return "skip";
  // With its options: choice stems repeat one template ("Which number is the largest?").
  const q = questionText(candidate.record);
  if (nearestJaccard(state, q) >= threshold) return "fail";
  if (accept) keepText(state, q);
  return "pass";
}
