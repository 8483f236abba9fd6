/**
 * BALD-style disagreement (Houlsby et al. 2011) over a committee of student checkpoints: the
 * mutual information between a next-token prediction and which member makes it. Per position of
 * the generated answer (teacher-forced), with p_m member m's full next-token distribution and
 * p̄ = mean_m p_m: I = H(p̄) − mean_m H(p_m) ≥ 0; the score is the mean over the answer's positions.
 * High where the checkpoints are each sure but disagree — uncertainty a sample can resolve.
 *
 * @module
 */

import { scoreDistributions } from "../model/mod.ts";
import { encodeCompletion } from "../train/mod.ts";
import { checkSameTokenizer, functionOptions, scoreRecords, studentPrompt } from "./student.ts";
import type { AcquisitionFunction } from "./types.ts";

/**
 * Mean over positions of H(mean_m p_m) − mean_m H(p_m), from each member's log-prob rows
 * (`rows[m]`: positions × V, as `scoreDistributions` gives them), in float64.
 *
 * @example Two members sure of different tokens disagree by ln 2
 * ```ts
 * import assert from "node:assert/strict";
 * import { committeeInformation } from "./bald.ts";
 * const sure = (i: number) => Float32Array.from([0, 1], (k) => (k === i ? 0 : -Infinity));
 * assert.ok(Math.abs(committeeInformation([sure(0), sure(1)], 2) - Math.log(2)) < 1e-12);
 * assert.equal(committeeInformation([sure(0), sure(0)], 2), 0);
 * ```
 */
export function committeeInformation(rows: readonly Float32Array[], vocab: number): number {
  const positions = rows[0].length / vocab;
  const members = rows.length;
  let total = 0;
  for (let t = 0; t < positions; t++) {
    let within = 0;
    let mixed = 0;
    for (let v = 0; v < vocab; v++) {
      let pBar = 0;
      for (const r of rows) {
        const lp = r[t * vocab + v];
        const p = Math.exp(lp);
        pBar += p;
        if (p > 0) within -= p * lp;
      }
      pBar /= members;
      if (pBar > 0) mixed -= pBar * Math.log(pBar);
    }
    // Rounding can leave a hair below zero where members agree exactly.
    total += Math.max(0, mixed - within / members);
  }
  return positions === 0 ? 0 : total / positions;
}

/**
 * `bald`: committee disagreement on the generated answer (the student's format, EOS included;
 * option `addEos`) over `context.committee` (at least 2 members, each with the student's
 * tokenizer; the student itself may be one). In nats, in [0, ln M].
 *
 * @example A committee of one checkpoint twice does not disagree
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { bald } from "./bald.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, committee: [student, student], seeds: [], rng: createRng(1),
 *   cache: new Map(), embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [mi] = await bald.score([{ text: "", record: rec }], context);
 * assert.ok(mi! >= 0 && mi! < 1e-6);
 * ```
 */
export const bald: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "bald",
  description:
    "High when student checkpoints each predict the generated answer's tokens confidently but differently: mean mutual information.",
  needs: ["student", "committee"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "bald", { addEos: true }, ["addEos"]);
    const committee = context.committee ?? [];
    if (committee.length < 2) {
      throw new Error(
        `Cannot score with 'bald': the context's 'committee' must hold at least 2 student checkpoints: current size is ${committee.length}`,
      );
    }
    committee.forEach((m, i) =>
      checkSameTokenizer(context.student, "student", m, `committee member ${i}`)
    );
    const tok = context.student.tokenizer;
    if (!tok) throw new Error("Cannot score with 'bald': the student has no tokenizer");
    return await scoreRecords(candidates, async (records) => {
      const encoded = records.map((r) => {
        const p = studentPrompt(r);
        return encodeCompletion(tok, p.prompt, p.completion, { addEos: o.addEos });
      });
      const seqs = encoded.map((e) => e.tokens);
      const from = encoded.map((e) => e.promptTokens - 1);
      const perMember: Float32Array[][] = [];
      for (const m of committee) perMember.push(await scoreDistributions(m, seqs, { from }));
      const v = context.student.config.vocabSize;
      return records.map((_, i) => committeeInformation(perMember.map((rows) => rows[i]), v));
    });
  },
});
