/**
 * Proximity (a reference reward): how close a generated question lies to the seed questions,
 * as the largest cosine similarity of its embedding to the k-means centroids of the seed
 * question embeddings (k = min(100, seeds) by default; option `k`), clipped to [0, 2] as the
 * reference clips it (a cosine is at most 1, so in effect negatives become 0).
 *
 * @module
 */

import { seedCentroids } from "./context.ts";
import { cosine } from "./embed.ts";
import { functionOptions } from "./student.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "./types.ts";

/** The embedding of each candidate's question (one batched call), null where it has no record. */
export async function questionEmbeddings(
  candidates: readonly Candidate[],
  context: AcquireContext,
): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = candidates.map(() => null);
  const at = candidates.flatMap((c, i) => (c.record ? [i] : []));
  if (at.length === 0) return out;
  const vecs = await context.embedder.embed(at.map((i) => candidates[i].record!.question));
  at.forEach((i, k) => (out[i] = vecs[k]));
  return out;
}

/** The largest cosine similarity of `v` to any of `points` (−Infinity for none). */
export function maxSimilarity(v: ArrayLike<number>, points: readonly ArrayLike<number>[]): number {
  let best = -Infinity;
  for (const p of points) best = Math.max(best, cosine(v, p));
  return best;
}

/** The seed centroids for a function's `k` option (an integer ≥ 1, at most the seed count). */
export async function centroidsFor(context: AcquireContext, fn: string): Promise<Float32Array[]> {
  const o = functionOptions(context, fn, {} as { k?: unknown }, ["k"]);
  const n = context.seeds.length;
  if (o.k !== undefined && (!Number.isInteger(o.k) || (o.k as number) < 1 || (o.k as number) > n)) {
    throw new RangeError(
      `Cannot score with '${fn}': option 'k' must be an integer from 1 to the ${n} seeds: current value is ${
        JSON.stringify(o.k)
      }`,
    );
  }
  return await seedCentroids(context, o.k as number | undefined);
}

/** Proximity of each candidate's question to the seed centroids, in [0, 1]; null without record. */
export async function proximityScores(
  candidates: readonly Candidate[],
  context: AcquireContext,
  fn: string,
): Promise<(number | null)[]> {
  if (!candidates.some((c) => c.record)) return candidates.map(() => null);
  const centroids = await centroidsFor(context, fn);
  const vecs = await questionEmbeddings(candidates, context);
  return vecs.map((v) => v && Math.min(2, Math.max(0, maxSimilarity(v, centroids))));
}

/**
 * `proximity`: the largest cosine similarity of the question's embedding to a seed centroid,
 * clipped to [0, 2]. Option `k` (centroids; default min(100, seeds)).
 *
 * @example A question equal to a lone seed is as close as can be
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder } from "./embed.ts";
 * import { proximity } from "./proximity.ts";
 * const rec = (question: string) => ({ id: question, domain: "math" as const,
 *   answerKind: "number" as const, question, answer: "1", meta: {} });
 * const context = { student: undefined as never, seeds: [rec("What is 2 + 2?")],
 *   embedder: hashedNgramEmbedder(), rng: createRng(1), cache: new Map() };
 * const [same, none] = await proximity.score(
 *   [{ text: "", record: rec("What is 2 + 2?") }, { text: "", record: null }], context);
 * assert.ok(Math.abs(same! - 1) < 1e-6);
 * assert.equal(none, null);
 * ```
 */
export const proximity: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "proximity",
  description:
    "High when the question lies close to the seed questions: the largest cosine similarity to a k-means centroid of their embeddings, clipped to [0, 2].",
  needs: ["seeds", "embedder"] as const,
  score(candidates, context) {
    return proximityScores(candidates, context, "proximity");
  },
});
