/**
 * Expected gradient length (EGL): the gradient norm the student would feel in expectation over
 * its OWN answers to the candidate's question, so it needs no trusted answer in the candidate.
 *
 * Definition. Sample m answers y₁…y_m from the student to the question's `studentPrompt`
 * (temperature option, default 1, 0 for greedy; stopped at `\nQ:` or EOS). Identical answers (same tokens) are
 * merged, so each distinct answer counts once. For each distinct answer y_i with at least one
 * token: gᵢ = ∇θ of the mean over y_i's tokens of −log p(token | question, earlier tokens) (its
 * own tokens as targets, prompt masked, no EOS target since the sample holds none), and
 * p(y_i) = Π p(token) under the untempered student. Then
 *
 *   EGL = Σᵢ p̂ᵢ ‖gᵢ‖₂,   p̂ᵢ = p(yᵢ) / Σⱼ p(yⱼ)   (computed in log space),
 *
 * the expected gradient length restricted to the answers found and renormalised over them. A
 * candidate without a record, or whose every sampled answer is empty, scores null.
 *
 * @module
 */

import { type GradExample, gradientNorms } from "../model/mod.ts";
import { fitExample, optionError, optionsOf, resolveParams } from "./gradient.ts";
import { studentAnswers } from "./student.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "./types.ts";

/**
 * Σᵢ p̂ᵢ·normᵢ with p̂ the softmax of the answers' log-probabilities; null for no answers.
 *
 * @example Three answers with probabilities 0.2, 0.05 and 0.25 weigh 0.4, 0.1 and 0.5
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedNorm } from "./egl.ts";
 * const got = expectedNorm([1, 10, 3], [Math.log(0.2), Math.log(0.05), Math.log(0.25)]);
 * assert.ok(Math.abs(got! - (0.4 + 1 + 1.5)) < 1e-12);
 * ```
 */
export function expectedNorm(norms: readonly number[], logprobs: readonly number[]): number | null {
  if (norms.length === 0) return null;
  const top = Math.max(...logprobs);
  const w = logprobs.map((l) => Math.exp(l - top));
  const z = w.reduce((a, b) => a + b, 0);
  return norms.reduce((s, n, i) => s + (w[i] / z) * n, 0);
}

/**
 * `egl`: options `samples` (m, default 4), `temperature` (default 1), `maxNewTokens` (default
 * 64), `params` (as in `gradient-magnitude`). The sampler's seed is drawn from `context.rng`.
 *
 * @example EGL of one question for the default student (no answer needed in the candidate)
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { egl } from "./egl.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) },
 *   options: { egl: { samples: 2, maxNewTokens: 16 } } };
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", answer: "5", meta: {} };
 * const [score] = await egl.score([{ text: "", record }], context);
 * assert.ok(score! > 0);
 * ```
 */
export const egl: AcquisitionFunction = Object.freeze({
  name: "egl",
  description:
    "Expected gradient length: the student's gradient norm averaged over its own sampled answers, weighted by their renormalised sequence probabilities; high means the student would change a lot whatever it answers.",
  needs: Object.freeze(["student"] as const),
  async score(candidates: readonly Candidate[], context: AcquireContext) {
    const o = optionsOf(context, "egl", ["samples", "temperature", "maxNewTokens", "params"]);
    const { samples = 4, temperature = 1, maxNewTokens = 64 } = o;
    if (!Number.isInteger(samples) || (samples as number) < 1) {
      throw optionError("egl", "samples", "an integer ≥ 1", samples);
    }
    if (typeof temperature !== "number" || !(temperature >= 0) || !Number.isFinite(temperature)) {
      throw optionError("egl", "temperature", "a finite number ≥ 0 (0: greedy)", temperature);
    }
    if (!Number.isInteger(maxNewTokens) || (maxNewTokens as number) < 1) {
      throw optionError("egl", "maxNewTokens", "an integer ≥ 1", maxNewTokens);
    }
    const subset = resolveParams(context.student, "egl", o.params);
    const live = candidates.flatMap((c, i) => (c.record ? [{ i, record: c.record }] : []));
    const out: (number | null)[] = candidates.map(() => null);
    if (live.length === 0) return out;
    const answers = await studentAnswers(context, live.map((l) => l.record), {
      n: samples as number,
      temperature,
      maxNewTokens: maxNewTokens as number,
    });
    // Every distinct non-empty answer of every candidate, in one gradient-norm call.
    const examples: GradExample[] = [];
    const groups = answers.map((group) => {
      const seen = new Set<string>();
      const logprobs: number[] = [];
      const at: number[] = [];
      for (const a of group) {
        const key = a.tokens.join(",");
        if (a.tokens.length === 0 || seen.has(key)) continue;
        seen.add(key);
        const ex = fitExample(
          context.student,
          [...a.promptIds, ...a.tokens],
          [...a.promptIds.slice(1).map(() => 0), ...a.tokens.map(() => 1)],
        );
        if (!ex) continue;
        at.push(examples.length);
        examples.push(ex);
        // The probability of the tokens the gradient sees (all of them unless cut to the context).
        const kept = ex.tokens.length - a.promptIds.length;
        logprobs.push(a.logprobs.slice(0, kept).reduce((s, l) => s + l, 0));
      }
      return { at, logprobs };
    });
    const norms = examples.length ? await gradientNorms(context.student, examples, { subset }) : [];
    groups.forEach((g, k) => {
      out[live[k].i] = expectedNorm(g.at.map((j) => norms[j]), g.logprobs);
    });
    return out;
  },
});
