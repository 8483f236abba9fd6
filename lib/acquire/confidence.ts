/**
 * Confidence, the reference work's first reward: how unsure the student is of its own answer,
 * read from the gap between the two most likely next tokens. The student answers the generated
 * question (sampled), each answer token's margin p(top-1) − p(top-2) is taken from the FULL
 * next-token distribution (the reference read it from vLLM's two returned log-probs, which can
 * hold the sampled token in place of the true runner-up), and the reward is 1 / mean margin,
 * clipped to [0, 2]: a small gap is a large reward, a zero gap gives 2. The teacher-forced
 * variant reads the margins on the generated answer instead of a sampled one.
 *
 * @module
 */

import {
  functionOptions,
  meanOf,
  sampledAnswerScores,
  scoreRecords,
  teacherForced,
} from "./student.ts";
import type { AcquisitionFunction } from "./types.ts";

/**
 * The reward of a mean margin: 1 / margin clipped to [0, 2] (a zero margin gives 2).
 *
 * @example A margin of 0.8 gives 1.25; anything at or below 0.5 gives 2
 * ```ts
 * import assert from "node:assert/strict";
 * import { marginReward } from "./confidence.ts";
 * assert.equal(marginReward(0.8), 1.25);
 * assert.equal(marginReward(0.25), 2);
 * assert.equal(marginReward(0), 2);
 * ```
 */
export function marginReward(meanMargin: number): number {
  return meanMargin <= 0 ? 2 : Math.min(2, 1 / meanMargin);
}

/**
 * `confidence`: the student samples one answer to the generated question (options
 * `temperature`, default 1 as in the reference; `maxNewTokens`, default 64; `seed`, default drawn
 * from the context's RNG); reward 1 / (mean full-distribution top-1/top-2 margin over the
 * answer's tokens), clipped to [0, 2]. `null` without a record, for an empty answer, or for a
 * question too long to leave `maxNewTokens` of the student's context.
 *
 * @example The default student is more unsure of some questions than others
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { confidence } from "./confidence.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [none, score] = await confidence.score([{ text: "", record: null }, { text: "", record: rec }], context);
 * assert.equal(none, null);
 * assert.ok(score! >= 1 && score! <= 2); // a margin is at most 1
 * ```
 */
export const confidence: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "confidence",
  description:
    "High when the student's own sampled answer has small top-1/top-2 margins: 1 / mean margin, clipped to [0, 2].",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "confidence", { temperature: 1, maxNewTokens: 64 });
    return await scoreRecords(candidates, async (records) => {
      const scored = await sampledAnswerScores(context, records, { ...o, n: 1 });
      return scored.map(([s]) => {
        const m = s ? meanOf(s.margins) : null;
        return m === null ? null : marginReward(m);
      });
    });
  },
});

/**
 * `confidence-forced`: the same reward with the margins read teacher-forced on the GENERATED
 * answer (the record's reasoning and answer in the student's format, EOS included as fine-tuning
 * trains it; option `addEos`), so no sampling and no randomness.
 *
 * @example A known question's own answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { confidenceForced } from "./confidence.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [a] = await confidenceForced.score([{ text: "", record: rec }], context);
 * const [b] = await confidenceForced.score([{ text: "", record: rec }], context);
 * assert.equal(a, b); // deterministic
 * assert.ok(a! >= 1 && a! <= 2);
 * ```
 */
export const confidenceForced: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "confidence-forced",
  description:
    "High when the student is unsure along the generated answer itself: 1 / mean top-1/top-2 margin teacher-forced, clipped to [0, 2].",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "confidence-forced", { addEos: true }, ["addEos"]);
    return await scoreRecords(candidates, async (records) => {
      const scored = await teacherForced(context.student, records, { addEos: o.addEos });
      return scored.map((s) => {
        const m = meanOf(s.margins);
        return m === null ? null : marginReward(m);
      });
    });
  },
});
