/**
 * The "label" stage: each accepted sample gets its gold answer from one method (one table entry
 * per {@link LabelMethod}), other methods are run beside it to report how often they agree, and
 * the result is a list of task records carrying their provenance.
 *
 * @module
 */

import {
  createAcquireContext,
  type Embedder,
  finalAnswer,
  hashedNgramEmbedder,
  hdbscan,
  type StudentAnswer,
  studentAnswers,
} from "../acquire/mod.ts";
import { solveProcedural, type TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import { checkAnswer, checkAnswers, requireStrongIsolation, type Sandbox } from "../verify/mod.ts";
import type { LabelMethod } from "./config.ts";
import { repairArithmetic } from "./reasoning.ts";
import type { SynthSample } from "./synthesise.ts";

/** One method's label of one sample: the answer (null: no label) and reasoning that leads to it. */
export interface Label {
  readonly answer: string | null;
  /** Reasoning that ends in `answer`, where the method has one. */
  readonly reasoning?: string;
}

/** What a label method may use. */
export interface LabelEnv {
  readonly student?: LanguageModel;
  readonly sandbox?: Sandbox;
  readonly allowWeakIsolation: boolean;
  /** Student answers per sample (self-consistency). */
  readonly k: number;
  readonly temperature: number;
  readonly maxNewTokens: number;
  /** Embeds free-text and code answers for clustering (self-consistency). */
  readonly embedder: Embedder;
  readonly seed: number;
}

/** A label method: one label per sample, in order. */
export type Labeller = (samples: readonly SynthSample[], env: LabelEnv) => Promise<Label[]>;

const MATH_KINDS = new Set(["number", "math"]);

/** The answer recomputed from the question by the procedural family's solver, or null. */
function recomputed(r: TaskRecord): Label {
  if (!MATH_KINDS.has(r.answerKind) && r.answerKind !== "choice") return { answer: null };
  const kind = typeof r.meta.kind === "string" ? r.meta.kind : undefined;
  const solved = solveProcedural(r.question, { choices: r.choices, kind }) ??
    (kind === undefined ? null : solveProcedural(r.question, { choices: r.choices }));
  if (!solved) return { answer: null };
  // The choice family's reasoning ends by naming the letter; the student learns that format.
  return r.answerKind === "choice"
    ? { answer: solved.answer, reasoning: `So the answer is ${solved.answer}.` }
    : { answer: solved.answer };
}

async function verifierLabels(samples: readonly SynthSample[], env: LabelEnv): Promise<Label[]> {
  const out = samples.map((s) => recomputed(s.record));
  const code = samples.flatMap((s, i) => (s.record.answerKind === "code" ? [i] : []));
  if (code.length === 0) return out;
  if (!env.sandbox) {
    throw new TypeError(
      "Cannot label: the 'verifier' method needs 'sandbox' for code samples: current value is undefined",
    );
  }
  requireStrongIsolation(env.sandbox, { allowWeakIsolation: env.allowWeakIsolation });
  const testable = code.filter((i) => samples[i].record.tests?.length);
  const records = testable.map((i) => samples[i].record);
  const checks = await checkAnswers(records, records.map((r) => r.answer), env.sandbox);
  testable.forEach((i, k) => {
    if (checks[k].correct) out[i] = { answer: samples[i].record.answer };
  });
  return out;
}

/** Reasoning from a student answer: its text without the closing "The answer is …" sentence. */
function studentReasoning(record: TaskRecord, text: string): string | undefined {
  const t = record.answerKind === "choice"
    ? text.trim()
    : text.replace(/\s*The answer is[^\n]*$/i, "").trim();
  return t || undefined;
}

/**
 * The majority of the answers' normalised final answers (unreadable ones left out); ties go to
 * the smallest normalised answer, so the label does not depend on the order answers were drawn.
 * The label is the answer as the first answer of the winning class states it.
 *
 * @example Two answers say 1/2 (spelled two ways), one says 3, one says nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { majorityLabel } from "./label.ts";
 * const r = { id: "1", domain: "math" as const, answerKind: "number" as const, meta: {},
 *   question: "?", answer: "3" };
 * const texts = [" 1 / 2 = 0.5. The answer is 0.5.", " The answer is 3.", " The answer is 1/2.", " hm"];
 * assert.deepEqual(majorityLabel(r, texts), { answer: "0.5", reasoning: "1 / 2 = 0.5." });
 * ```
 */
export function majorityLabel(record: TaskRecord, texts: readonly string[]): Label {
  const classes = new Map<string, number[]>();
  texts.forEach((t, i) => {
    const key = finalAnswer(record, t);
    if (key === null) return;
    const members = classes.get(key);
    if (members) members.push(i);
    else classes.set(key, [i]);
  });
  let best: [string, number[]] | null = null;
  for (const entry of classes) {
    if (
      !best || entry[1].length > best[1].length ||
      (entry[1].length === best[1].length && entry[0] < best[0])
    ) best = entry;
  }
  if (!best) return { answer: null };
  const text = texts[best[1][0]];
  return {
    answer: checkAnswer(record, text)!.extracted!,
    reasoning: studentReasoning(record, text),
  };
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * The medoid of the largest cluster of embedded answers (HDBSCAN as `answer-variance` runs it:
 * a single cluster allowed, distance at most `maxDistance`; a noise point is a cluster of one).
 * Ties (clusters of equal size, medoids of equal total distance) go to the earliest answer.
 *
 * @example Two near-equal answers outvote an unrelated one
 * ```ts
 * import assert from "node:assert/strict";
 * import { medoidOfLargestCluster } from "./label.ts";
 * const v = (x: number, y: number) => Float32Array.of(x, y);
 * assert.equal(medoidOfLargestCluster([v(0, 1), v(1, 0), v(0.99, 0.14)]), 1);
 * ```
 */
export function medoidOfLargestCluster(
  embeddings: readonly Float32Array[],
  maxDistance = 0.5,
): number {
  if (embeddings.length === 0) return -1;
  const labels = embeddings.length === 1 ? [-1] : hdbscan(embeddings, {
    minClusterSize: 2,
    minSamples: 1,
    allowSingleCluster: true,
    maxDistance,
  });
  const clusters = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const key = l < 0 ? `noise ${i}` : `cluster ${l}`;
    const members = clusters.get(key);
    if (members) members.push(i);
    else clusters.set(key, [i]);
  });
  let largest: number[] = [];
  for (const m of clusters.values()) {
    if (m.length > largest.length || (m.length === largest.length && m[0] < largest[0])) {
      largest = m;
    }
  }
  let medoid = largest[0], bestSum = Infinity;
  for (const i of largest) {
    const sum = largest.reduce((a, j) => a + distance(embeddings[i], embeddings[j]), 0);
    if (sum < bestSum - 1e-9) [medoid, bestSum] = [i, sum];
  }
  return medoid;
}

/** Kinds whose answers are free text (no final answer to normalise): clustered, not counted. */
const FREE_TEXT = new Set(["exact", "code"]);

async function selfConsistencyLabels(
  samples: readonly SynthSample[],
  env: LabelEnv,
): Promise<Label[]> {
  if (!env.student) {
    throw new TypeError(
      "Cannot label: the 'self-consistency' method needs 'student': current value is undefined",
    );
  }
  const records = samples.map((s) => s.record);
  const context = createAcquireContext(env.student, [], {
    embedder: env.embedder,
    seed: env.seed,
  });
  const answers: StudentAnswer[][] = await studentAnswers(context, records, {
    n: env.k,
    temperature: env.temperature,
    maxNewTokens: env.maxNewTokens,
    seed: env.seed,
  });
  const out: Label[] = records.map(() => ({ answer: null }));
  const free: number[] = [];
  records.forEach((r, i) => {
    if (FREE_TEXT.has(r.answerKind)) free.push(i);
    else out[i] = majorityLabel(r, answers[i].map((a) => a.text));
  });
  const texts = free.map((i) => answers[i].map((a) => a.text.trim()).filter(Boolean));
  const vectors = await env.embedder.embed(texts.flat());
  let at = 0;
  free.forEach((i, k) => {
    const group = vectors.slice(at, at += texts[k].length);
    const m = medoidOfLargestCluster(group);
    if (m >= 0) out[i] = { answer: texts[k][m] };
  });
  return out;
}

/**
 * The label methods, keyed by name (see {@link LabelMethod}).
 *
 * @example The verifier recomputes a wrong procedural answer; the generator keeps it
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashedNgramEmbedder } from "../acquire/mod.ts";
 * import { LABEL_METHODS } from "./label.ts";
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const, meta: {},
 *   question: "Ann has 3 bags with 4 pens in each. How many pens in all?", reasoning: "3 * 4 = 7.",
 *   answer: "7" };
 * const samples = [{ text: "", record, scores: {}, promptSeed: "s" }];
 * const env = { allowWeakIsolation: false, k: 1, temperature: 1, maxNewTokens: 8,
 *   embedder: hashedNgramEmbedder(), seed: 0 };
 * assert.deepEqual(await LABEL_METHODS.verifier(samples, env), [{ answer: "12" }]);
 * assert.equal((await LABEL_METHODS.generator(samples, env))[0].answer, "7");
 * ```
 */
export const LABEL_METHODS: Readonly<Record<LabelMethod, Labeller>> = Object.freeze({
  verifier: verifierLabels,
  "self-consistency": selfConsistencyLabels,
  generator: (samples: readonly SynthSample[]) =>
    Promise.resolve(
      samples.map((s) => ({ answer: s.record.answer, reasoning: s.record.reasoning })),
    ),
});

/**
 * Whether two labels of one record agree by value: as the verifier compares an answer with the
 * gold one (`checkAnswer`: numbers by value, letters strictly); code by its text with spacing
 * normalised.
 *
 * @example `0.5` and `1/2` agree
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameAnswer } from "./label.ts";
 * const r = { id: "1", domain: "math" as const, answerKind: "number" as const, meta: {},
 *   question: "?", answer: "1" };
 * assert.equal(sameAnswer(r, "0.5", "1/2"), true);
 * assert.equal(sameAnswer(r, "0.5", "2"), false);
 * ```
 */
export function sameAnswer(record: TaskRecord, a: string, b: string): boolean {
  if (record.answerKind === "code") {
    return a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim();
  }
  return checkAnswer({ ...record, answer: a }, b)?.correct ?? false;
}

/** Whose reasoning a labelled record carries. */
export type ReasoningSource = "generator" | "repaired" | LabelMethod | "none";

/**
 * The reasoning a labelled record carries: the generator's, with its arithmetic recomputed,
 * where that ends in the label (math answers); else the generator's own where its answer agrees
 * with the label and its arithmetic cannot be checked; else the label method's (the student's
 * winning answer, a recomputed choice's `So the answer is X.`); else none.
 */
function chooseReasoning(
  record: TaskRecord,
  label: Label & { answer: string },
  method: LabelMethod,
): { text?: string; source: ReasoningSource } {
  const own = record.reasoning;
  let checkable = false;
  if (own && MATH_KINDS.has(record.answerKind)) {
    const r = repairArithmetic(own);
    checkable = r.last !== null;
    if (checkable && sameAnswer(record, label.answer, r.last!)) {
      return { text: r.text, source: r.changed ? "repaired" : "generator" };
    }
  }
  if (own && record.answerKind === "choice") {
    // A choice's reasoning computes the chosen option's value, then names its letter: kept
    // (repaired, the letter set to the label) when the value it computes is the label's option.
    const r = repairArithmetic(own);
    const option = record.choices?.[label.answer];
    checkable = r.last !== null;
    const cue = /So the answer is [A-Z]\.?\s*$/;
    if (
      checkable && option !== undefined && Number(option) === Number(r.last) && cue.test(r.text)
    ) {
      const text = r.text.replace(cue, `So the answer is ${label.answer}.`);
      return { text, source: text === own ? "generator" : "repaired" };
    }
  }
  if (own && !checkable && sameAnswer(record, label.answer, record.answer)) {
    return { text: own, source: "generator" };
  }
  return label.reasoning ? { text: label.reasoning, source: method } : { source: "none" };
}

/** Options of {@link labelSamples}. */
export interface LabelOptions {
  /** The method whose label becomes each record's answer. */
  readonly method: LabelMethod;
  /** Answers for `self-consistency`. */
  readonly student?: LanguageModel;
  /** Runs code samples' tests for `verifier`. */
  readonly sandbox?: Sandbox;
  /** Accept a sandbox without bubblewrap isolation (named on purpose). @default false */
  readonly allowWeakIsolation?: boolean;
  /** Student answers per sample. @default 8 */
  readonly k?: number;
  /** Temperature of the student's answers. @default 1 */
  readonly temperature?: number;
  /** Longest student answer, in tokens. @default 64 */
  readonly maxNewTokens?: number;
  /** Embeds free-text and code answers for clustering. @default hashedNgramEmbedder() */
  readonly embedder?: Embedder;
  /** Seed of the student's sampling. */
  readonly seed: number;
  /** Methods also run, to report their agreement with `method`. @default [] */
  readonly compare?: readonly LabelMethod[];
}

/** What {@link labelSamples} produced. */
export interface LabelResult {
  /** The labelled records (samples without a label under `method` are dropped). */
  readonly records: TaskRecord[];
  /** Samples dropped for want of a label. */
  readonly dropped: number;
  /**
   * `"method~other"` → the fraction of samples both labelled on which they agree by value
   * ({@link sameAnswer}); null where no sample has both labels.
   */
  readonly agreement: Record<string, number | null>;
}

/** Where a labelled run came from, stored in every record's `meta.provenance`. */
export interface LabelProvenance {
  /** The generator's checkpoint (a folder or file path, or a name). */
  readonly generatorCheckpoint: string;
  /** The reward config the generator was trained with. */
  readonly rewardConfig?: unknown;
  /** The run's seed. */
  readonly seed: number;
}

/**
 * Labels samples with `o.method` (and each `o.compare` method, for agreement). Each record gets a
 * fresh id (`synth-SEED-INDEX`, INDEX the sample's position), the label as its answer, and
 * reasoning that leads to it: the generator's, its arithmetic recomputed, where that ends in the
 * label; else the labelling method's (the student's winning answer; for a recomputed choice,
 * `So the answer is X.`); else none. `meta.provenance` holds the generator checkpoint, reward
 * config, seed, label method, acquisition scores, every method's label, and whose reasoning was
 * kept (`generator`, `repaired`, a method's name, or `none`).
 *
 * @example The verifier's labels with the generator's agreement
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelSamples } from "./mod.ts";
 * const rec = (question: string, answer: string) => ({ text: "", scores: {}, promptSeed: "s",
 *   record: { id: "x", domain: "math" as const, answerKind: "number" as const, meta: {},
 *     question, reasoning: "…", answer } });
 * const samples = [
 *   rec("Ann has 3 bags with 4 pens in each. How many pens in all?", "12"),
 *   rec("Ann has 3 bags with 5 pens in each. How many pens in all?", "16"),
 *   rec("Why is the sky blue?", "7"),
 * ];
 * const r = await labelSamples(samples, { method: "verifier", seed: 1, compare: ["generator"] },
 *   { generatorCheckpoint: "gen", seed: 1 });
 * assert.deepEqual(r.records.map((x) => x.answer), ["12", "15"]);
 * assert.equal(r.dropped, 1);
 * assert.equal(r.agreement["verifier~generator"], 0.5);
 * assert.equal(r.records[1].reasoning, undefined);
 * ```
 */
export async function labelSamples(
  samples: readonly SynthSample[],
  o: LabelOptions,
  provenance: LabelProvenance,
): Promise<LabelResult> {
  const {
    method,
    k = 8,
    temperature = 1,
    maxNewTokens = 64,
    embedder = hashedNgramEmbedder(),
    seed,
    compare = [],
    allowWeakIsolation = false,
  } = o;
  for (const [field, m] of [["method", method], ...compare.map((c, i) => [`compare[${i}]`, c])]) {
    if (!Object.hasOwn(LABEL_METHODS, m)) {
      throw new RangeError(
        `Cannot label: '${field}' must be one of ${
          Object.keys(LABEL_METHODS).join(", ")
        }: current value is ${JSON.stringify(m)}`,
      );
    }
  }
  const env: LabelEnv = {
    student: o.student,
    sandbox: o.sandbox,
    allowWeakIsolation,
    k,
    temperature,
    maxNewTokens,
    embedder,
    seed,
  };
  const methods = [method, ...compare.filter((c, i) => c !== method && compare.indexOf(c) === i)];
  const labels = {} as Record<LabelMethod, Label[]>;
  for (const m of methods) labels[m] = await LABEL_METHODS[m](samples, env);

  const agreement: Record<string, number | null> = {};
  for (const other of methods.slice(1)) {
    let both = 0, agree = 0;
    samples.forEach((s, i) => {
      const a = labels[method][i].answer, b = labels[other][i].answer;
      if (a === null || b === null) return;
      both++;
      if (sameAnswer(s.record, a, b)) agree++;
    });
    agreement[`${method}~${other}`] = both === 0 ? null : agree / both;
  }

  const records: TaskRecord[] = [];
  samples.forEach((s, i) => {
    const label = labels[method][i];
    if (label.answer === null) return;
    const { text: reasoning, source } = chooseReasoning(
      s.record,
      label as Label & { answer: string },
      method,
    );
    const { reasoning: _, ...rest } = s.record;
    records.push({
      ...rest,
      id: `synth-${provenance.seed}-${i}`,
      answer: label.answer,
      ...(reasoning ? { reasoning } : {}),
      meta: {
        ...s.record.meta,
        promptSeed: s.promptSeed,
        provenance: {
          generatorCheckpoint: provenance.generatorCheckpoint,
          rewardConfig: provenance.rewardConfig ?? null,
          seed: provenance.seed,
          labelMethod: method,
          scores: s.scores,
          labels: Object.fromEntries(methods.map((m) => [m, labels[m][i].answer])),
          reasoning: source,
        },
      },
    });
  });
  return { records, dropped: samples.length - records.length, agreement };
}
