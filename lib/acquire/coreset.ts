/**
 * Coreset (k-center) distance: how far a question lies from everything already held, the seed
 * questions and the archive of accepted questions (`acceptedArchive`, which `diversity-facility`
 * and the loop fill). A high score marks a question in a region nothing covers yet, the point
 * greedy k-center selection would pick next.
 *
 * @module
 */

import { seedEmbeddings } from "./context.ts";
import { cosine } from "./embed.ts";
import { acceptedArchive } from "./diversity.ts";
import { questionEmbeddings } from "./proximity.ts";
import type { AcquisitionFunction } from "./types.ts";

/**
 * `coreset`: min over x ∈ seeds ∪ archive of the cosine distance 1 − cos(q, x) from the
 * question's embedding q (in [0, 2]). The batch does not enter the archive here; scores of one
 * batch are independent of each other.
 *
 * @example A seed question is at distance 0, a new one further
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder } from "./embed.ts";
 * import { coreset } from "./coreset.ts";
 * const rec = (question: string) => ({ id: question, domain: "math" as const,
 *   answerKind: "number" as const, question, answer: "1", meta: {} });
 * const context = { student: undefined as never, seeds: [rec("What is 2 + 2?")],
 *   embedder: hashedNgramEmbedder(), rng: createRng(1), cache: new Map() };
 * const [seen, novel] = await coreset.score([{ text: "", record: rec("What is 2 + 2?") },
 *   { text: "", record: rec("Name a mammal") }], context);
 * assert.ok(Math.abs(seen!) < 1e-6);
 * assert.ok(novel! > 0.5);
 * ```
 */
export const coreset: AcquisitionFunction = Object.freeze<AcquisitionFunction>({
  name: "coreset",
  description:
    "High when the question lies far from every seed and accepted question: the smallest cosine distance to them (k-center).",
  needs: ["seeds", "embedder"] as const,
  async score(candidates, context) {
    if (context.options?.coreset && Object.keys(context.options.coreset).length) {
      throw new RangeError(
        `Cannot score with 'coreset': unknown option '${
          Object.keys(context.options.coreset)[0]
        }': it takes none`,
      );
    }
    if (!candidates.some((c) => c.record)) return candidates.map(() => null);
    const held = [...await seedEmbeddings(context), ...(await acceptedArchive(context)).vectors];
    const vecs = await questionEmbeddings(candidates, context);
    return vecs.map((q) => {
      if (!q) return null;
      let d = Infinity;
      for (const x of held) d = Math.min(d, 1 - cosine(q, x));
      return Math.min(2, Math.max(0, d));
    });
  },
});
