/**
 * Diversity: the reference reward (1 − proximity) and the facility-location variant, which
 * rewards a question by how much of the seed distribution it newly covers beyond a running
 * archive of accepted questions. The archive lives in `context.cache` (see {@link acceptedArchive})
 * and is shared with `coreset`.
 *
 * @module
 */

import { cached, seedEmbeddings } from "./context.ts";
import { cosine } from "./embed.ts";
import { proximityScores, questionEmbeddings } from "./proximity.ts";
import { functionOptions } from "./student.ts";
import type { AcquireContext, AcquisitionFunction } from "./types.ts";

/** The accepted questions' embeddings, in order of admission. */
export interface AcceptedArchive {
  readonly vectors: Float32Array[];
}

/**
 * The context's archive of accepted question embeddings (empty at first). `diversity-facility`
 * admits into it; {@link admitToArchive} lets a loop add the questions it accepted by other rules.
 */
export function acceptedArchive(context: AcquireContext): Promise<AcceptedArchive> {
  return cached(context, "accepted-archive", () => Promise.resolve({ vectors: [] }));
}

/**
 * Adds question embeddings to the context's archive of accepted questions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { acceptedArchive, admitToArchive } from "./diversity.ts";
 * const context = { student: undefined as never, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * await admitToArchive(context, [new Float32Array([1, 0])]);
 * assert.equal((await acceptedArchive(context)).vectors.length, 1);
 * ```
 */
export async function admitToArchive(
  context: AcquireContext,
  vectors: readonly Float32Array[],
): Promise<void> {
  (await acceptedArchive(context)).vectors.push(...vectors);
}

/**
 * `diversity` (reference): 1 − proximity, with proximity as the `proximity` function computes it
 * (clipped to [0, 2], so diversity lies in [−1, 1]; with cosine ≤ 1, in [0, 1]). Option `k`.
 *
 * @example Far from the only seed scores higher than near it
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder } from "./embed.ts";
 * import { diversity } from "./diversity.ts";
 * const rec = (question: string) => ({ id: question, domain: "math" as const,
 *   answerKind: "number" as const, question, answer: "1", meta: {} });
 * const context = { student: undefined as never, seeds: [rec("What is 2 + 2?")],
 *   embedder: hashedNgramEmbedder(), rng: createRng(1), cache: new Map() };
 * const [near, far] = await diversity.score([{ text: "", record: rec("What is 2 + 2?") },
 *   { text: "", record: rec("Name a mammal") }], context);
 * assert.ok(Math.abs(near!) < 1e-6);
 * assert.ok(far! > 0.5);
 * ```
 */
export const diversity: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "diversity",
  description:
    "High when the question lies far from the seed questions: 1 − proximity (the largest cosine similarity to a seed centroid, clipped).",
  needs: ["seeds", "embedder"] as const,
  async score(candidates, context) {
    const p = await proximityScores(candidates, context, "diversity");
    return p.map((x) => (x === null ? null : 1 - x));
  },
});

/** The seed coverage of the archive, kept up to date with it. */
interface Coverage {
  /** c(x) for each seed x: the best s(x, a) over the archive's first `upTo` vectors. */
  readonly best: Float64Array;
  upTo: number;
}

/** s(x, q) = max(0, cosine(x, q)): facility location needs non-negative similarities. */
const sim = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(0, cosine(a, b));

/**
 * The facility-location gain of `q`: (1/|X|) Σ_{x ∈ X} max(0, s(x, q) − c(x)), where X are the
 * seed embeddings, s(x, q) = max(0, cos(x, q)) and c(x) = max over the archive a of s(x, a)
 * (0 for an empty archive). It is the increase of F(A) = (1/|X|) Σ_x max_{a∈A} s(x, a) when q
 * joins A, so it lies in [0, 1] and shrinks as the archive covers the seeds.
 */
export function facilityGain(
  q: ArrayLike<number>,
  seeds: readonly ArrayLike<number>[],
  coverage: ArrayLike<number>,
): number {
  let g = 0;
  seeds.forEach((x, i) => (g += Math.max(0, sim(x, q) - coverage[i])));
  return g / seeds.length;
}

/**
 * `diversity-facility`: the marginal facility-location gain of the question against the running
 * archive of accepted questions (see {@link facilityGain}; written over X ∪ archive it is the same,
 * an archived question covering itself fully). Candidates are taken in order: one whose gain
 * exceeds option `threshold` (default 0.01) joins the archive before the next is scored, so a
 * batch of repeats earns its gain once.
 *
 * @example A repeat of an accepted question gains nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder } from "./embed.ts";
 * import { diversityFacility } from "./diversity.ts";
 * const rec = (question: string) => ({ id: question, domain: "math" as const,
 *   answerKind: "number" as const, question, answer: "1", meta: {} });
 * const context = { student: undefined as never, seeds: [rec("What is 2 + 2?")],
 *   embedder: hashedNgramEmbedder(), rng: createRng(1), cache: new Map() };
 * const c = { text: "", record: rec("What is 2 + 2?") };
 * const [first, again] = await diversityFacility.score([c, c], context);
 * assert.ok(Math.abs(first! - 1) < 1e-6);
 * assert.equal(again, 0);
 * ```
 */
export const diversityFacility: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "diversity-facility",
  description:
    "High when the question newly covers seed questions that the archive of accepted questions does not: its marginal facility-location gain.",
  needs: ["seeds", "embedder"] as const,
  async score(candidates, context) {
    const fn = "diversity-facility";
    const { threshold } = functionOptions(context, fn, { threshold: 0.01 as unknown }, [
      "threshold",
    ]);
    if (typeof threshold !== "number" || !Number.isFinite(threshold) || threshold < 0) {
      throw new RangeError(
        `Cannot score with '${fn}': option 'threshold' must be a finite number ≥ 0: current value is ${
          JSON.stringify(threshold)
        }`,
      );
    }
    if (!candidates.some((c) => c.record)) return candidates.map(() => null);
    const seeds = await seedEmbeddings(context);
    const archive = await acceptedArchive(context);
    const coverage = await cached<Coverage>(
      context,
      `${fn}:coverage`,
      () => Promise.resolve({ best: new Float64Array(seeds.length), upTo: 0 }),
    );
    const catchUp = () => {
      for (; coverage.upTo < archive.vectors.length; coverage.upTo++) {
        const a = archive.vectors[coverage.upTo];
        seeds.forEach((x, i) => (coverage.best[i] = Math.max(coverage.best[i], sim(x, a))));
      }
    };
    const vecs = await questionEmbeddings(candidates, context);
    return vecs.map((q) => {
      if (!q) return null;
      catchUp();
      const gain = facilityGain(q, seeds, coverage.best);
      if (gain > threshold) archive.vectors.push(q);
      return gain;
    });
  },
});
