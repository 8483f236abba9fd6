/**
 * Answer variance (a reference reward): how many different answers the student gives to the
 * generated question. The student samples 16 answers (option `n`; `temperature` 1 and
 * `maxNewTokens` 64 by default). `answer-variance` embeds them (by default with the student's own
 * hidden states while it wrote them; or with the context's embedder) and counts HDBSCAN clusters
 * (minimum cluster size 2, minimum samples 1; each noise point its own cluster), divided by n;
 * unlike the reference, with an absolute scale (see {@link answerVarianceOf}) so that equal
 * answers are one cluster and unrelated ones are not. For verifiable kinds,
 * `answer-variance-exact` counts distinct final
 * answers read by the verifiers instead, and `answer-entropy` gives the entropy of their
 * distribution.
 *
 * @module
 */

import type { TaskRecord } from "../data/mod.ts";
import { checkAnswer, parseRational } from "../verify/mod.ts";
import { hdbscan } from "./cluster.ts";
import { functionOptions, scoreRecords, studentAnswers } from "./student.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "./types.ts";

const SAMPLING = { n: 16, temperature: 1, maxNewTokens: 64 };

/**
 * The number of clusters among `labels` (HDBSCAN output), each noise point (−1) counted as a
 * cluster of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clusterCount } from "./answer_variance.ts";
 * assert.equal(clusterCount([0, 0, 1, -1, -1, 1]), 4);
 * ```
 */
export function clusterCount(labels: readonly number[]): number {
  const clusters = new Set(labels.filter((l) => l >= 0));
  return clusters.size + labels.filter((l) => l < 0).length;
}

/**
 * The answer-variance reward of one record's sampled answers, from their (unit) embeddings:
 * clusters / answers. HDBSCAN has no absolute scale: plain, it calls n equal answers all noise
 * (n clusters, the top reward), and with a single cluster allowed it calls n unrelated answers
 * one cluster. So it runs with a single cluster allowed AND `maxDistance`: an answer that joins
 * its cluster only beyond this Euclidean distance is noise. On unit vectors distance d means
 * cosine 1 − d²/2; the default 0.5 asks for cosine ≥ 0.875.
 *
 * @example Two equal answers and an unrelated one: 2 clusters of 3
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerVarianceOf } from "./answer_variance.ts";
 * const a = Float32Array.of(1, 0), b = Float32Array.of(0, 1);
 * assert.equal(answerVarianceOf([a, a, b]), 2 / 3);
 * ```
 */
export function answerVarianceOf(embeddings: readonly Float32Array[], maxDistance = 0.5): number {
  const labels = hdbscan(embeddings, {
    minClusterSize: 2,
    minSamples: 1,
    allowSingleCluster: true,
    maxDistance,
  });
  return clusterCount(labels) / embeddings.length;
}

/** How `answer-variance` embeds the student's answers (its option `embedding`). */
export type AnswerEmbedding = "in-context" | "embedder";

/**
 * The default `maxDistance` of each answer embedding. In-context states of answers to one
 * question sit closer together than texts embedded alone, so they take a tighter scale. Both
 * were chosen on a development set (120 procedural tasks, seed 424242, 80 of them verifiable,
 * 16 answers each; never a reported set) by how well the clusters count agrees with the number
 * of distinct final answers the verifiers read: Spearman 0.84 in context at 0.15 (0.77 at 0.2,
 * 0.55 at 0.3), 0.52 for texts embedded alone by the student at 0.5 (0.62 at best, at 0.1).
 */
export const ANSWER_MAX_DISTANCE: Readonly<Record<AnswerEmbedding, number>> = Object.freeze({
  "in-context": 0.15,
  embedder: 0.5,
});

/**
 * `answer-variance`: the student's sampled answers to the question, embedded and clustered with
 * HDBSCAN; clusters (noise points counting one each) / answers, in [1/n, 1]. Options `n`,
 * `temperature`, `maxNewTokens`, `seed`, `maxDistance` (see {@link answerVarianceOf}; default by
 * embedding, {@link ANSWER_MAX_DISTANCE}) and `embedding`:
 *
 * - `"in-context"` (default): each answer is the student's own hidden states from which it wrote
 *   the answer, after the question, mean-pooled (`StudentAnswer.embedding`). They come with the
 *   sampling, so the reward costs the 16 answers and nothing more; and they read the answer as
 *   an answer to this question.
 * - `"embedder"`: the answer texts alone through the context's embedder (the reference embeds
 *   them with a sentence embedder); each distinct text once.
 *
 * @example Greedy answers are all one answer: 1 cluster of 4
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { answerVariance, createAcquireContext, hashedNgramEmbedder } from "./mod.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", answer: "5", meta: {} };
 * const sampling = { n: 4, temperature: 0, maxNewTokens: 8 };
 * const inContext = createAcquireContext(student, [],
 *   { options: { "answer-variance": sampling } });
 * assert.deepEqual(await answerVariance.score([{ text: "", record }], inContext), [0.25]);
 * const byText = createAcquireContext(student, [], { embedder: hashedNgramEmbedder(),
 *   options: { "answer-variance": { ...sampling, embedding: "embedder" } } });
 * assert.deepEqual(await answerVariance.score([{ text: "", record }], byText), [0.25]);
 * ```
 */
export const answerVariance: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "answer-variance",
  description:
    "High when the student's sampled answers disagree: HDBSCAN clusters of their embeddings (noise points one each) / answers.",
  needs: ["student"] as const,
  async score(candidates, context) {
    const fn = "answer-variance";
    const { maxDistance, embedding, ...o } = functionOptions(context, fn, {
      ...SAMPLING,
      maxDistance: undefined as unknown,
      embedding: "in-context" as unknown,
    });
    if (embedding !== "in-context" && embedding !== "embedder") {
      throw new RangeError(
        `Cannot score with '${fn}': option 'embedding' must be "in-context" or "embedder": current value is ${
          JSON.stringify(embedding)
        }`,
      );
    }
    const scale = maxDistance ?? ANSWER_MAX_DISTANCE[embedding];
    if (typeof scale !== "number" || !(scale >= 0)) {
      throw new RangeError(
        `Cannot score with '${fn}': option 'maxDistance' must be a number ≥ 0: current value is ${
          JSON.stringify(maxDistance)
        }`,
      );
    }
    return await scoreRecords(candidates, async (records) => {
      if (embedding === "in-context") {
        const answers = await studentAnswers(context, records, { ...o, embed: true });
        return answers.map((a) => answerVarianceOf(a.map((x) => x.embedding!), scale));
      }
      const answers = await studentAnswers(context, records, o);
      // The student often repeats itself: each distinct text is embedded once, and in order of
      // length so that the embedder's batches carry little padding.
      const distinct = [...new Set(answers.flat().map((a) => a.text))]
        .sort((a, b) => a.length - b.length);
      const vecs = await context.embedder.embed(distinct);
      const vecOf = new Map(distinct.map((t, i) => [t, vecs[i]]));
      return answers.map((a) => answerVarianceOf(a.map((x) => vecOf.get(x.text)!), scale));
    });
  },
});

/**
 * The final answer `text` states for `record`, normalised for counting: numbers and plain
 * quantities as exact reduced fractions (`0.5` and `1/2` alike), other math answers with spacing
 * removed, choices as their key, labels and exact targets as the verifiers read them
 * (`checkAnswer`'s `extracted`). Null where no answer can be read. Throws for kinds without a
 * final answer (code).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalAnswer } from "./answer_variance.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "?", answer: "0.5", meta: {} };
 * assert.equal(finalAnswer(rec, "so the answer is 1/2"), finalAnswer(rec, "The answer is 0.50."));
 * assert.equal(finalAnswer(rec, "no idea"), null);
 * ```
 */
export function finalAnswer(record: TaskRecord, text: string): string | null {
  const check = checkAnswer(record, text);
  if (check === null) {
    throw new TypeError(
      `Cannot read a final answer of record '${record.id}': answer kind '${record.answerKind}' has none`,
    );
  }
  const said = check.extracted ?? null;
  if (said === null) return null;
  if (record.answerKind === "number" || record.answerKind === "math") {
    const r = parseRational(said);
    return r ? `${r.p}/${r.q}` : said.replace(/\s+/g, "");
  }
  return said;
}

/** Whether a record's kind has a final answer the verifiers read from text (not code). */
function hasFinalAnswer(record: TaskRecord): boolean {
  if (record.answerKind === "code") return false;
  const needsChoices = record.answerKind === "choice" || record.answerKind === "label";
  return !needsChoices || Object.keys(record.choices ?? {}).length > 0;
}

/**
 * How often each final answer occurs among the student's sampled answers to each record (one
 * map per record; unreadable answers count together under the key null), or null for records
 * whose kind has no final answer.
 */
export async function finalAnswerCounts(
  context: AcquireContext,
  records: readonly TaskRecord[],
  fn: string,
): Promise<(Map<string | null, number> | null)[]> {
  const o = functionOptions(context, fn, SAMPLING);
  const out: (Map<string | null, number> | null)[] = records.map(() => null);
  const at = records.flatMap((r, i) => (hasFinalAnswer(r) ? [i] : []));
  const answers = await studentAnswers(context, at.map((i) => records[i]), o);
  at.forEach((i, k) => {
    const counts = new Map<string | null, number>();
    for (const a of answers[k]) {
      const key = finalAnswer(records[i], a.text);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    out[i] = counts;
  });
  return out;
}

/** Scores from the final-answer counts of each candidate's record. */
async function byCounts(
  candidates: readonly Candidate[],
  context: AcquireContext,
  fn: string,
  reward: (counts: Map<string | null, number>) => number,
): Promise<(number | null)[]> {
  return await scoreRecords(candidates, async (records) => {
    const counts = await finalAnswerCounts(context, records, fn);
    return counts.map((c) => (c === null ? null : reward(c)));
  });
}

/**
 * The entropy (nats) of a distribution given by counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countEntropy } from "./answer_variance.ts";
 * assert.equal(countEntropy([4]), 0);
 * assert.ok(Math.abs(countEntropy([2, 2]) - Math.log(2)) < 1e-12);
 * ```
 */
export function countEntropy(counts: Iterable<number>): number {
  const cs = [...counts];
  const total = cs.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const c of cs) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}

/**
 * `answer-variance-exact`: distinct normalised final answers among the student's n sampled
 * answers / n (see {@link finalAnswer}; all unreadable answers count as one). Null for code.
 *
 * @example Greedy answers share one final answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { answerVarianceExact, createAcquireContext } from "./mod.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = createAcquireContext(student, [],
 *   { options: { "answer-variance-exact": { n: 4, temperature: 0, maxNewTokens: 8 } } });
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", answer: "5", meta: {} };
 * assert.deepEqual(await answerVarianceExact.score([{ text: "", record }], context), [0.25]);
 * ```
 */
export const answerVarianceExact: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "answer-variance-exact",
  description:
    "High when the student's sampled answers end in different final answers: distinct normalised final answers / answers.",
  needs: ["student"] as const,
  score(candidates, context) {
    return byCounts(
      candidates,
      context,
      "answer-variance-exact",
      (c) => c.size / [...c.values()].reduce((a, b) => a + b, 0),
    );
  },
});

/**
 * `answer-entropy`: the entropy (nats) of the distribution of normalised final answers among the
 * student's n sampled answers (unreadable answers one outcome); 0 when all agree, at most ln n.
 * Null for code.
 *
 * @example Greedy answers agree: entropy 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { answerEntropy, createAcquireContext } from "./mod.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = createAcquireContext(student, [],
 *   { options: { "answer-entropy": { n: 3, temperature: 0, maxNewTokens: 8 } } });
 * const record = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", answer: "5", meta: {} };
 * assert.deepEqual(await answerEntropy.score([{ text: "", record }], context), [0]);
 * ```
 */
export const answerEntropy: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "answer-entropy",
  description:
    "High when the student's final answers are spread out: the entropy (nats) of their distribution over its sampled answers.",
  needs: ["student"] as const,
  score(candidates, context) {
    return byCounts(candidates, context, "answer-entropy", (c) => countEntropy(c.values()));
  },
});
