/**
 * A verifiable reward for generator training, shaped like an acquisition function so the reward
 * shaper combines it like any other: a generated procedural task scores for being of a wanted
 * kind and more for also carrying the right answer (recomputed from its question).
 *
 * @module
 */

import type { AcquisitionFunction } from "../acquire/mod.ts";
import { solveProcedural } from "../data/mod.ts";

/**
 * The reward function `kind-correct`: 0.5 when the candidate's question matches a procedural
 * template of one of `kinds`, plus 0.5 when its answer is the one the template's numbers give;
 * 0 for anything else (unparsed, another kind, no template). It needs nothing from the context.
 *
 * @example An `add` task, right and wrong, and a `sub` task
 * ```ts
 * import assert from "node:assert/strict";
 * import { kindCorrectReward } from "./verifiable.ts";
 * const f = kindCorrectReward(["add"]);
 * const task = (question: string, answer: string) => ({ text: "", record: { id: "x",
 *   domain: "math" as const, answerKind: "number" as const, question, answer, meta: {} } });
 * const add = "Ann has 7 pens. Ben gives Ann 5 more. How many pens does Ann have?";
 * const scores = await f.score([task(add, "12"), task(add, "13"),
 *   task("Cat has 24 eggs and gives 14 to Dan. How many eggs are left?", "10"), { text: "", record: null }],
 *   {} as never);
 * assert.deepEqual(scores, [1, 0.5, 0, 0]);
 * ```
 */
export function kindCorrectReward(kinds: readonly string[]): AcquisitionFunction {
  if (kinds.length === 0) {
    throw new RangeError("Cannot build the kind-correct reward: 'kinds' must not be empty");
  }
  return {
    name: "kind-correct",
    description: `0.5 for a task of kind ${kinds.join(" or ")}, 1 when its answer is also right`,
    needs: [],
    score: (candidates) =>
      Promise.resolve(candidates.map((c) => {
        const r = c.record;
        if (!r) return 0;
        const solved = solveProcedural(r.question, r.choices ? { choices: r.choices } : {});
        if (!solved || !kinds.includes(solved.kind)) return 0;
        return solved.answer === r.answer.trim() ? 1 : 0.5;
      })),
  };
}
