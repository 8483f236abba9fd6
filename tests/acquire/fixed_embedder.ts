/**
 * A fixture embedder for the embedding-based acquisition tests: each text maps to a vector
 * chosen by the test, so expected scores can be computed by hand.
 */

import type { Embedder } from "../../lib/acquire/mod.ts";
import type { TaskRecord } from "../../lib/data/mod.ts";

/** An embedder returning the given vector for each known text (an error for any other). */
export function fixedEmbedder(table: Record<string, number[]>): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    name: "fixed",
    calls,
    embed(texts) {
      calls.push([...texts]);
      return Promise.resolve(texts.map((t) => {
        if (!Object.hasOwn(table, t)) throw new Error(`fixture has no vector for '${t}'`);
        return Float32Array.from(table[t]);
      }));
    },
  };
}

/** A record whose question is `question`. */
export function questionRecord(question: string): TaskRecord {
  return { id: question, domain: "math", answerKind: "number", question, answer: "1", meta: {} };
}

/** A candidate around a question (null: a candidate that did not parse). */
export function candidate(question: string | null) {
  return {
    text: question ?? "unparseable",
    record: question === null ? null : questionRecord(question),
  };
}
