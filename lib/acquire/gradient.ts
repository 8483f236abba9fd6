/**
 * Gradient magnitude: how hard a candidate would pull on the student's weights. The L2 norm of
 * the gradient of the student's loss on the candidate's answer given its question, raw (as the
 * reference work rewards it) and divided by a running scale so that scores of different batches
 * and stages of training stay comparable.
 *
 * The loss is the per-sample SFT loss: the MEAN over the answer's tokens (the completion of
 * `studentPrompt`, then EOS, exactly as fine-tuning encodes it with `encodeCompletion`) of
 * −log p(token | everything before it), with the prompt `Q: …\nA:` masked (weight 0). A
 * sequence longer than the student's context keeps its first `maxPositionEmbeddings` tokens; one
 * whose answer then has no token left scores null.
 *
 * @module
 */

import type { TaskRecord } from "../data/mod.ts";
import { type GradExample, gradientNorms, type LanguageModel } from "../model/mod.ts";
import { encodeCompletion } from "../train/mod.ts";
import { studentPrompt } from "./student.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "./types.ts";

/** An error about a function's options, naming the function, the field and the value. */
export function optionError(fn: string, field: string, want: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot score '${fn}': option '${field}' must be ${want}: current value is ${
      JSON.stringify(value)
    }`,
  );
}

/** The options given to `fn` in the context, checked to hold only the `known` fields. */
export function optionsOf(
  context: AcquireContext,
  fn: string,
  known: readonly string[],
): Readonly<Record<string, unknown>> {
  const o = context.options?.[fn] ?? {};
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      throw new RangeError(
        `Cannot score '${fn}': unknown option '${k}': known are ${known.join(", ")}`,
      );
    }
  }
  return o;
}

/** The model's parameter names in weight order. */
function parameterNames(model: LanguageModel): string[] {
  return [...model.store.keys()];
}

/**
 * The parameters option `params` names: a list of name prefixes (each must match at least one
 * parameter) or a regular-expression string (it must match at least one); undefined (every
 * parameter) when the option is left out.
 */
export function resolveParams(
  model: LanguageModel,
  fn: string,
  value: unknown,
): string[] | undefined {
  if (value === undefined) return undefined;
  const names = parameterNames(model);
  if (typeof value === "string") {
    let re: RegExp;
    try {
      re = new RegExp(value);
    } catch (e) {
      throw optionError(
        fn,
        "params",
        `a valid regular expression (${(e as Error).message})`,
        value,
      );
    }
    const picked = names.filter((n) => re.test(n));
    if (picked.length === 0) {
      throw optionError(fn, "params", "a pattern that matches a parameter name", value);
    }
    return picked;
  }
  if (
    !Array.isArray(value) || value.length === 0 ||
    !value.every((p) => typeof p === "string" && p !== "")
  ) {
    throw optionError(fn, "params", "a non-empty list of name prefixes or a regex string", value);
  }
  for (const p of value as string[]) {
    if (!names.some((n) => n.startsWith(p))) {
      throw optionError(fn, "params", `prefixes of parameter names ('${p}' matches none)`, value);
    }
  }
  return names.filter((n) => (value as string[]).some((p) => n.startsWith(p)));
}

/** Tokens and weights cut to the model's context; null when no weighted target is left. */
export function fitExample(
  model: LanguageModel,
  tokens: readonly number[],
  weights: readonly number[],
): GradExample | null {
  const max = model.config.maxPositionEmbeddings;
  const t = tokens.slice(0, max);
  const w = weights.slice(0, t.length - 1);
  const total = w.reduce((a, b) => a + b, 0);
  if (t.length < 2 || total <= 0) return null;
  return { tokens: t, weights: w.map((x) => x / total) };
}

/**
 * The student's SFT example of a record: `studentPrompt` prompt and completion encoded with
 * `encodeCompletion` (BOS, EOS), weights 1/(answer tokens) on the answer's targets and 0 on the
 * prompt's, cut to the student's context. Null for a null record, a record without an answer, or
 * one whose answer does not fit the context.
 */
export function answerExample(model: LanguageModel, record: TaskRecord | null): GradExample | null {
  if (!record || record.answer.trim() === "") return null;
  if (!model.tokenizer) throw new Error("Cannot score: the student has no tokenizer");
  const p = studentPrompt(record);
  const e = encodeCompletion(model.tokenizer, p.prompt, p.completion);
  return fitExample(model, e.tokens, e.weights);
}

/**
 * Gradient norms of the candidates' answers (null where {@link answerExample} is null), over the
 * named parameter subset (all by default).
 */
export async function answerGradientNorms(
  model: LanguageModel,
  candidates: readonly Candidate[],
  subset?: readonly string[],
): Promise<(number | null)[]> {
  const examples = candidates.map((c) => answerExample(model, c.record));
  const live = examples.filter((e): e is GradExample => e !== null);
  const norms = live.length ? await gradientNorms(model, live, { subset }) : [];
  let k = 0;
  return examples.map((e) => (e ? norms[k++] : null));
}

/**
 * `gradient-magnitude` (the reference reward): ‖∇θ L‖₂ with L the mean token loss of the
 * candidate's answer given its question (prompt masked). Option `params`: name prefixes
 * (`["lm_head", "model.layers.3."]`) or a regex string restricting θ; default every parameter.
 *
 * @example Score two candidates with the default student (null: nothing to learn from)
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { gradientMagnitude } from "./gradient.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) },
 *   options: { "gradient-magnitude": { params: ["model.norm", "model.layers.3."] } } };
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [norm, none] = await gradientMagnitude.score(
 *   [{ text: "", record }, { text: "garbled", record: null }], context);
 * assert.ok(norm! > 0);
 * assert.equal(none, null);
 * ```
 */
export const gradientMagnitude: AcquisitionFunction = Object.freeze({
  name: "gradient-magnitude",
  description:
    "L2 norm of the gradient of the student's mean token loss on the candidate's answer given its question (prompt masked): a large norm means the sample would move the student a lot.",
  needs: Object.freeze(["student"] as const),
  async score(candidates: readonly Candidate[], context: AcquireContext) {
    const o = optionsOf(context, "gradient-magnitude", ["params"]);
    const subset = resolveParams(context.student, "gradient-magnitude", o.params);
    return await answerGradientNorms(context.student, candidates, subset);
  },
});

/**
 * `gradient-magnitude-normalised`: the raw norm divided by a running scale s kept in
 * `context.cache` (one per parameter subset). Each batch first updates the scale with the mean m
 * of its non-null raw norms: the first batch sets s = m, each later one s ← d·s + (1 − d)·m
 * (option `decay` d ∈ [0, 1), default 0.9); then every norm of the batch is divided by the
 * updated s. A batch with no non-null norm leaves s as it was. So the first batch averages 1, and
 * a score above 1 means a larger pull than recent candidates'.
 *
 * @example The first batch sets the scale to its own mean
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { gradientMagnitudeNormalised } from "./gradient.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const math = (q: string, a: string) => ({ text: "", record: { id: q, domain: "math" as const,
 *   answerKind: "number" as const, question: q, answer: a, meta: {} } });
 * const [a, b] = await gradientMagnitudeNormalised.score([math("1 + 1?", "2"), math("9 * 9?", "81")], context);
 * assert.ok(Math.abs((a! + b!) / 2 - 1) < 1e-9);
 * ```
 */
export const gradientMagnitudeNormalised: AcquisitionFunction = Object.freeze({
  name: "gradient-magnitude-normalised",
  description:
    "Gradient magnitude divided by a running (exponential moving average) scale of recent batches' mean norms: above 1 means a larger pull than recent candidates.",
  needs: Object.freeze(["student"] as const),
  async score(candidates: readonly Candidate[], context: AcquireContext) {
    const fn = "gradient-magnitude-normalised";
    const o = optionsOf(context, fn, ["params", "decay"]);
    const decay = o.decay ?? 0.9;
    if (typeof decay !== "number" || !(decay >= 0 && decay < 1)) {
      throw optionError(fn, "decay", "a number in [0, 1)", decay);
    }
    const subset = resolveParams(context.student, fn, o.params);
    const raw = await answerGradientNorms(context.student, candidates, subset);
    const live = raw.filter((x): x is number => x !== null);
    const key = `${fn}:scale:${subset?.join(",") ?? "*"}`;
    let scale = context.cache.get(key) as number | undefined;
    if (live.length > 0) {
      const mean = live.reduce((a, b) => a + b, 0) / live.length;
      scale = scale === undefined ? mean : decay * scale + (1 - decay) * mean;
      context.cache.set(key, scale);
    }
    // A zero scale only arises when every norm so far was 0; then every score is 0 too.
    return raw.map((x) => (x === null ? null : scale! > 0 ? x / scale! : 0));
  },
});
