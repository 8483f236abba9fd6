/**
 * Loss-based acquisition: the student's loss on the generated answer (what fine-tuning on the
 * candidate would start from), and reducible held-out loss (RHO-LOSS, Mindermann et al. 2022):
 * the student's loss minus that of a reference model trained on held-out data, high for samples
 * the student has not learnt yet but that are learnable (not noise the reference cannot fit
 * either).
 *
 * @module
 */

import {
  checkSameTokenizer,
  functionOptions,
  meanOf,
  scoreRecords,
  teacherForced,
} from "./student.ts";
import type { AcquisitionFunction } from "./types.ts";

/**
 * `reference-loss`: the mean token loss −log p of the generated answer given the generated
 * question under the student, completion tokens only, encoded as fine-tuning encodes it (the
 * student's format, EOS included; option `addEos`). In nats per token.
 *
 * @example A non-negative loss per token
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { referenceLoss } from "./loss.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [loss] = await referenceLoss.score([{ text: "", record: rec }], context);
 * assert.ok(loss! > 0);
 * ```
 */
export const referenceLoss: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "reference-loss",
  description:
    "High when the student finds the generated answer improbable: its mean token loss given the question.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "reference-loss", { addEos: true }, ["addEos"]);
    return await scoreRecords(candidates, async (records) => {
      const scored = await teacherForced(context.student, records, { addEos: o.addEos });
      return scored.map((s) => meanOf(s.logprobs.map((lp) => -lp)));
    });
  },
});

/**
 * `rho-loss`: the student's mean token loss on the generated answer (as `reference-loss`) minus
 * that of `context.reference`, a model trained on held-out data with the student's tokenizer.
 * Needs the reference model; without one it throws.
 *
 * @example The student against itself has nothing reducible
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { rhoLoss } from "./loss.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, reference: student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [rho] = await rhoLoss.score([{ text: "", record: rec }], context);
 * assert.equal(rho, 0);
 * ```
 */
export const rhoLoss: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "rho-loss",
  description:
    "High when the student's loss on the generated answer exceeds a held-out-trained reference model's (reducible loss).",
  needs: ["student", "reference"] as const,
  async score(candidates, context) {
    const o = functionOptions(context, "rho-loss", { addEos: true }, ["addEos"]);
    const reference = context.reference;
    if (!reference) {
      throw new Error(
        "Cannot score with 'rho-loss': the context has no 'reference' model (a model trained on held-out data)",
      );
    }
    return await scoreRecords(candidates, async (records) => {
      checkSameTokenizer(context.student, "student", reference, "reference model");
      const [mine, theirs] = await Promise.all([
        teacherForced(context.student, records, { addEos: o.addEos }),
        teacherForced(reference, records, { addEos: o.addEos }),
      ]);
      return mine.map((s, i) => {
        const a = meanOf(s.logprobs.map((lp) => -lp));
        const b = meanOf(theirs[i].logprobs.map((lp) => -lp));
        return a === null || b === null ? null : a - b;
      });
    });
  },
});
