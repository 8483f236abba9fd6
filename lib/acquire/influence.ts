/**
 * Influence in the style of LESS (Xia et al., 2024): does one gradient step on the candidate
 * point the same way as a step on the validation set? Score = cos(P g_c, P ḡ_val), where g_c is
 * the gradient of the student's mean answer-token loss on the candidate (as in
 * `gradient-magnitude`: prompt masked, EOS included), ḡ_val the mean of the same gradients over
 * the records of `context.validation`, and P a CountSketch projection to d dimensions (option
 * `dim`, default 2048; see `projection.ts`: inner products kept within about √(2/d)·‖x‖‖y‖).
 * P is drawn once from `context.rng.split("influence:projection")` and P ḡ_val computed once
 * (as the mean of projected validation gradients, which equals the projection of the mean);
 * both are cached in `context.cache` (so a context whose student is trained meanwhile needs a
 * fresh cache for the validation gradient to follow it). Positive: training on the candidate lowers the validation
 * loss to first order; negative: raises it. Unlike LESS this uses plain SGD gradients (no Adam
 * preconditioning) of the current student, not of warm-up checkpoints.
 *
 * @module
 */

import { type GradExample, gradientSketches, type LanguageModel } from "../model/mod.ts";
import { answerExample, optionError, optionsOf, resolveParams } from "./gradient.ts";
import { cosine, type CountSketch, countSketch } from "./projection.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "./types.ts";

/**
 * The projected gradients of the records (null for one without an answer to learn), projected
 * inside the gradient program (`gradientSketches`): a full gradient is ~7 MB on the default
 * student, and copying each one out to project it here cost more than computing it.
 */
async function projectedGradients(
  model: LanguageModel,
  sketch: CountSketch,
  records: readonly Candidate["record"][],
  subset: readonly string[] | undefined,
): Promise<(Float64Array | null)[]> {
  const examples = records.map((r) => answerExample(model, r));
  const live = examples.filter((ex): ex is GradExample => ex !== null);
  const sketches = live.length ? await gradientSketches(model, live, sketch, { subset }) : [];
  let k = 0;
  return examples.map((ex) => (ex ? Float64Array.from(sketches[k++]) : null));
}

/**
 * `influence`: options `dim` (projection dimension, default 2048) and `params` (as in
 * `gradient-magnitude`).
 *
 * @example A candidate scored against a validation set of itself has influence 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { influence } from "./influence.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) }, validation: [record] };
 * const [score] = await influence.score([{ text: "", record }], context);
 * assert.ok(Math.abs(score! - 1) < 1e-6);
 * ```
 */
export const influence: AcquisitionFunction = Object.freeze({
  name: "influence",
  description:
    "LESS-style influence: cosine between the candidate's randomly projected loss gradient and the mean projected gradient of the validation set; high means training on it would lower the validation loss.",
  needs: Object.freeze(["student", "validation"] as const),
  async score(candidates: readonly Candidate[], context: AcquireContext) {
    const o = optionsOf(context, "influence", ["dim", "params"]);
    const dim = o.dim ?? 2048;
    if (!Number.isInteger(dim) || (dim as number) < 1) {
      throw optionError("influence", "dim", "an integer ≥ 1", dim);
    }
    const subset = resolveParams(context.student, "influence", o.params);
    if (candidates.length === 0) return [];
    const model = context.student;
    const inputDim = (subset ?? [...model.store.keys()])
      .reduce((s, n) => s + model.store.get(n)!.data.length, 0);
    const sketchKey = `influence:projection:${dim}:${inputDim}`;
    let sketch = context.cache.get(sketchKey) as CountSketch | undefined;
    if (!sketch) {
      sketch = countSketch(inputDim, dim as number, context.rng.split("influence:projection"));
      context.cache.set(sketchKey, sketch);
    }
    const targetKey = `influence:validation:${dim}:${subset?.join(",") ?? "*"}`;
    let target = context.cache.get(targetKey) as Float64Array | undefined;
    if (!target) {
      const validation = context.validation;
      if (!validation || validation.length === 0) {
        throw new Error(
          "Cannot score 'influence': it needs 'validation' records in the context: current value is none",
        );
      }
      const sum = new Float64Array(dim as number);
      let count = 0;
      for (const p of await projectedGradients(model, sketch, validation, subset)) {
        if (!p) continue;
        for (let k = 0; k < p.length; k++) sum[k] += p[k];
        count++;
      }
      if (count === 0) {
        throw new Error(
          `Cannot score 'influence': none of the ${validation.length} validation records has an answer to take a gradient of`,
        );
      }
      target = sum.map((v) => v / count);
      context.cache.set(targetKey, target);
    }
    const projected = await projectedGradients(
      model,
      sketch,
      candidates.map((c) => c.record),
      subset,
    );
    return projected.map((p) => (p ? cosine(p, target) : null));
  },
});
