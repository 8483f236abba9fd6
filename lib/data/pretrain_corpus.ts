/**
 * The corpus the tiny default models are pretrained on, drawn from the embedded procedural task
 * families (`./procedural/`), and the two formats they learn: the generator writes whole tasks
 * in the reference work's tags, the student answers `Q: … A:` prompts. Families and difficulties
 * are mixed by fixed weights so the student ends up strong on some kinds and weak on others.
 *
 * @module
 */

import { generateTasks, type TaskFamily } from "./procedural/mod.ts";
import type { TaskRecord } from "./record.ts";
import { renderTags } from "./tags.ts";

/** How a corpus is mixed: the share of each family and of each difficulty within it. */
export interface CorpusMix {
  readonly families: Readonly<Record<TaskFamily, number>>;
  /** Relative weights of difficulties 1, 2, 3, … per family. */
  readonly difficulties: Readonly<Record<TaskFamily, readonly number[]>>;
}

/** The mix the default models are pretrained on. */
export const DEFAULT_MIX: CorpusMix = Object.freeze({
  families: Object.freeze({ arithmetic: 0.5, choice: 0.25, code: 0.25 }),
  difficulties: Object.freeze({
    arithmetic: Object.freeze([0.4, 0.35, 0.25]),
    choice: Object.freeze([0.4, 0.35, 0.25]),
    code: Object.freeze([0.6, 0.4]),
  }),
});

/**
 * `count` records of the mix, deterministic from `seed`: each (family, difficulty) cell gets its
 * share (largest remainders) from its own seeded stream, and the cells are interleaved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusRecords } from "./pretrain_corpus.ts";
 * const a = corpusRecords(1, 40);
 * assert.equal(a.length, 40);
 * assert.deepEqual(a, corpusRecords(1, 40));
 * assert.equal(a.filter((r) => r.meta.family === "arithmetic").length, 20);
 * ```
 */
export function corpusRecords(
  seed: number,
  count: number,
  mix: CorpusMix = DEFAULT_MIX,
): TaskRecord[] {
  const cells: { family: TaskFamily; difficulty: number; weight: number }[] = [];
  const total = Object.values(mix.families).reduce((a, b) => a + b, 0);
  for (const [family, share] of Object.entries(mix.families) as [TaskFamily, number][]) {
    const ds = mix.difficulties[family];
    const sum = ds.reduce((a, b) => a + b, 0);
    ds.forEach((w, k) =>
      cells.push({ family, difficulty: k + 1, weight: (share / total) * w / sum })
    );
  }
  // Largest-remainder rounding, so the counts add up to `count` exactly.
  const exact = cells.map((c) => c.weight * count);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0]);
  for (let r = count - counts.reduce((a, b) => a + b, 0), k = 0; r > 0; r--, k++) {
    counts[order[k][1]]++;
  }
  const groups = cells.map((c, i) =>
    generateTasks({
      family: c.family,
      difficulty: c.difficulty,
      count: counts[i],
      seed: (seed * 7919 + i * 104729) >>> 0,
    })
  );
  // Interleave by evenly spaced positions, so any prefix keeps roughly the mix.
  const keyed = groups.flatMap((g) => g.map((r, j) => ({ r, key: (j + 0.5) / g.length })));
  keyed.sort((a, b) => a.key - b.key || (a.r.id < b.r.id ? -1 : 1));
  return keyed.map((k) => k.r);
}

/** The question as the models read it: for choice tasks, the options follow, one per line. */
export function questionText(record: TaskRecord): string {
  if (!record.choices) return record.question;
  const opts = Object.entries(record.choices).map(([k, v]) => `${k}) ${v}`);
  return `${record.question}\n${opts.join("\n")}`;
}

/**
 * The generator's format: a whole task in tags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderGenerator } from "./pretrain_corpus.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const, question: "2+2?", reasoning: "2 + 2 = 4.",
 *   answer: "4", meta: {} };
 * assert.equal(renderGenerator(rec),
 *   "<question>2+2?</question>\n<reasoning>2 + 2 = 4.</reasoning>\n<answer>4</answer>");
 * ```
 */
export function renderGenerator(record: TaskRecord): string {
  return renderTags({
    question: questionText(record),
    reasoning: record.reasoning ?? "",
    answer: record.answer,
  });
}

/**
 * The student's format: a prompt, and the completion it should learn (then end of sequence).
 * Word problems end "The answer is N."; choices "So the answer is B."; code is the function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderStudent } from "./pretrain_corpus.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const, question: "2+2?", reasoning: "2 + 2 = 4.",
 *   answer: "4", meta: { family: "arithmetic" } };
 * assert.deepEqual(renderStudent(rec),
 *   { prompt: "Q: 2+2?\nA:", completion: " 2 + 2 = 4. The answer is 4." });
 * ```
 */
export function renderStudent(record: TaskRecord): { prompt: string; completion: string } {
  const prompt = `Q: ${questionText(record)}\nA:`;
  switch (record.meta.family) {
    case "code":
      return { prompt, completion: `\n${record.answer}` };
    case "choice":
      return { prompt, completion: ` ${record.reasoning}` };
    default:
      return {
        prompt,
        completion: ` ${
          record.reasoning ? record.reasoning + " " : ""
        }The answer is ${record.answer}.`,
      };
  }
}
