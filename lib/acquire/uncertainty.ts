/**
 * Classic uncertainty sampling on the student's answers: least confidence, mean next-token
 * entropy, predictive entropy (Monte-Carlo over sampled answers) and margin. Each is high where
 * the student is unsure, which is where a sample should teach it most.
 *
 * @module
 */

import { scoreTokens } from "../model/mod.ts";
import {
  functionOptions,
  meanOf,
  sampledAnswerScores,
  scoreRecords,
  studentAnswers,
  teacherForced,
} from "./student.ts";
import type { AcquisitionFunction } from "./types.ts";

/**
 * `least-confidence`: the student samples one answer (options `temperature`, default 1,
 * `maxNewTokens`, default 64, `seed`); the score is 1 − exp(mean log p(answer token)), one minus
 * the geometric-mean probability of the answer's tokens, in [0, 1). `null` for an empty answer or a question too long to answer.
 *
 * @example In [0, 1)
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { leastConfidence } from "./uncertainty.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [s] = await leastConfidence.score([{ text: "", record: rec }], context);
 * assert.ok(s! >= 0 && s! < 1);
 * ```
 */
export const leastConfidence: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "least-confidence",
  description:
    "High when the student's sampled answer is improbable to it: 1 − geometric-mean token probability.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "least-confidence", { temperature: 1, maxNewTokens: 64 });
    return await scoreRecords(candidates, async (records) => {
      const scored = await sampledAnswerScores(context, records, { ...o, n: 1 });
      return scored.map(([s]) => {
        const m = s ? meanOf(s.answer.logprobs) : null;
        return m === null ? null : 1 - Math.exp(m);
      });
    });
  },
});

/**
 * `mean-entropy`: the student samples one answer (options as `least-confidence`); the score is
 * the mean entropy (nats) of the full next-token distribution over the answer's tokens, in
 * [0, ln V]. `null` for an empty answer or a question too long to answer.
 *
 * @example At most ln V
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { meanEntropy } from "./uncertainty.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [h] = await meanEntropy.score([{ text: "", record: rec }], context);
 * assert.ok(h! >= 0 && h! <= Math.log(student.config.vocabSize));
 * ```
 */
export const meanEntropy: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "mean-entropy",
  description:
    "High when the student's next-token distributions along its sampled answer are spread out: mean entropy in nats.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "mean-entropy", { temperature: 1, maxNewTokens: 64 });
    return await scoreRecords(candidates, async (records) => {
      const scored = await sampledAnswerScores(context, records, { ...o, n: 1 });
      return scored.map(([s]) => (s ? meanOf(s.entropies) : null));
    });
  },
});

/**
 * `predictive-entropy`: the entropy of the student's distribution over whole answers, estimated
 * by Monte Carlo: the mean over `n` answers sampled at temperature 1 (options `n`, default 8;
 * `maxNewTokens`, default 64; `seed`) of −log p(answer), where p(answer) is the probability of
 * every generated token and of how the answer ended — the stop string's tokens, or EOS — so an
 * answer cut by `maxNewTokens` counts its tokens only. In nats, ≥ 0.
 *
 * @example Non-negative
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { predictiveEntropy } from "./uncertainty.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) },
 *   options: { "predictive-entropy": { n: 4, maxNewTokens: 24 } } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [h] = await predictiveEntropy.score([{ text: "", record: rec }], context);
 * assert.ok(h! >= 0);
 * ```
 */
export const predictiveEntropy: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "predictive-entropy",
  description:
    "High when the student's whole answers are unpredictable: Monte-Carlo entropy, mean −log p(answer) over n samples.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "predictive-entropy", { n: 8, maxNewTokens: 64 });
    return await scoreRecords(candidates, async (records) => {
      const answers = await studentAnswers(context, records, { ...o, temperature: 1 });
      const eos = context.student.tokenizer?.eosId ?? context.student.config.eosTokenId;
      const flat = answers.flat();
      // The ending is part of the answer: teacher-force EOS after an answer that ended there.
      const seqs = flat.map((a) => [
        ...a.promptIds,
        ...a.generated,
        ...(a.finish === "eos" && typeof eos === "number" ? [eos] : []),
      ]);
      const scores = await scoreTokens(context.student, seqs);
      const nll = flat.map((a, i) =>
        -scores[i].logprobs.slice(a.promptIds.length - 1).reduce((s, x) => s + x, 0)
      );
      let k = 0;
      return answers.map((group) => meanOf(group.map(() => nll[k++])));
    });
  },
});

/**
 * `margin` (classic margin sampling): 1 − the mean top-1/top-2 margin of the student's full
 * next-token distributions teacher-forced on the GENERATED answer (EOS included, option
 * `addEos`), in [0, 1]: high where the student can hardly tell its two best guesses apart.
 *
 * @example In [0, 1]
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { margin } from "./uncertainty.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [m] = await margin.score([{ text: "", record: rec }], context);
 * assert.ok(m! >= 0 && m! <= 1);
 * ```
 */
export const margin: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "margin",
  description:
    "High when the student's two best next tokens are close along the generated answer: 1 − mean top-1/top-2 margin.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "margin", { addEos: true }, ["addEos"]);
    return await scoreRecords(candidates, async (records) => {
      const scored = await teacherForced(context.student, records, { addEos: o.addEos });
      return scored.map((s) => {
        const m = meanOf(s.margins);
        return m === null ? null : 1 - m;
      });
    });
  },
});
