/**
 * The corpus the tiny default models are pretrained on, drawn from the embedded procedural task
 * families (`./procedural/`), and the two formats they learn: the generator writes whole tasks
 * in the reference work's tags, the student answers `Q: … A:` prompts. Families and difficulties
 * are mixed by fixed weights so the student ends up strong on some kinds and weak on others.
 *
 * @module
 */

import { generateTasks, TASK_KINDS, type TaskFamily } from "./procedural/mod.ts";
import type { TaskRecord } from "./record.ts";
import { renderTags } from "./tags.ts";

/** How a corpus is mixed: the share of each family and of each difficulty within it. */
export interface CorpusMix {
  readonly families: Readonly<Record<TaskFamily, number>>;
  /** Relative weights of difficulties 1, 2, 3, … per family. */
  readonly difficulties: Readonly<Record<TaskFamily, readonly number[]>>;
  /**
   * Kinds (`meta.kind`) never drawn: the other kinds of their family take their share, and a
   * family with every kind held out gives its share to the other families. A student
   * pretrained without some kinds it has the capacity to learn leaves room for fine-tuning
   * data to show a gain. @default none
   */
  readonly holdOut?: readonly string[];
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
 * share (largest remainders) from its own seeded stream, and the cells are interleaved. Kinds in
 * `mix.holdOut` never appear; without it the records are those of the mix alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusRecords, DEFAULT_MIX } from "./pretrain_corpus.ts";
 * const a = corpusRecords(1, 40);
 * assert.equal(a.length, 40);
 * assert.deepEqual(a, corpusRecords(1, 40));
 * assert.equal(a.filter((r) => r.meta.family === "arithmetic").length, 20);
 * const b = corpusRecords(1, 40, { ...DEFAULT_MIX, holdOut: ["mul", "sum-odd"] });
 * assert.equal(b.length, 40);
 * assert.ok(b.every((r) => r.meta.kind !== "mul" && r.meta.kind !== "sum-odd"));
 * ```
 */
export function corpusRecords(
  seed: number,
  count: number,
  mix: CorpusMix = DEFAULT_MIX,
): TaskRecord[] {
  const holdOut = mix.holdOut ?? [];
  const known = Object.values(TASK_KINDS).flat() as string[];
  const unknown = holdOut.filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new RangeError(
      `Cannot build the corpus: 'holdOut' must hold kinds from ${
        known.join(", ")
      }: current value is ${holdOut.join(", ")}`,
    );
  }
  const families = Object.entries(mix.families) as [TaskFamily, number][];
  /** A family's kinds left in, or undefined for all of them (the records of the plain mix). */
  const kept = (family: TaskFamily) => {
    const all = TASK_KINDS[family] as readonly string[];
    return all.some((k) => holdOut.includes(k))
      ? all.filter((k) => !holdOut.includes(k))
      : undefined;
  };
  const live = families.filter(([f, share]) => share > 0 && kept(f)?.length !== 0);
  if (live.length === 0) {
    throw new RangeError(
      `Cannot build the corpus: 'holdOut' leaves no kind to draw: current value is ${
        holdOut.join(", ")
      }`,
    );
  }
  const cells: { family: TaskFamily; difficulty: number; weight: number; index: number }[] = [];
  const total = live.reduce((a, [, share]) => a + share, 0);
  for (const [family, share] of families) {
    const ds = mix.difficulties[family];
    const sum = ds.reduce((a, b) => a + b, 0);
    // Cell numbers count every family, so a held-out family leaves the others' streams as they were.
    ds.forEach((w, k) => {
      const weight = live.some(([f]) => f === family) ? (share / total) * w / sum : 0;
      cells.push({ family, difficulty: k + 1, weight, index: cells.length });
    });
  }
  // Largest-remainder rounding, so the counts add up to `count` exactly.
  const exact = cells.map((c) => c.weight * count);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0]);
  for (let r = count - counts.reduce((a, b) => a + b, 0), k = 0; r > 0; r--, k++) {
    counts[order[k][1]]++;
  }
  const groups = cells.map((c, i) =>
    counts[i] === 0 ? [] : generateTasks({
      family: c.family,
      difficulty: c.difficulty,
      count: counts[i],
      seed: (seed * 7919 + c.index * 104729) >>> 0,
      kinds: kept(c.family),
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
 * The generator's format: a whole task in tags; a code task ends with its `<tests>`, one
 * assertion per line, so that what the generator writes can be checked in the sandbox.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderGenerator } from "./pretrain_corpus.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const, question: "2+2?", reasoning: "2 + 2 = 4.",
 *   answer: "4", meta: {} };
 * assert.equal(renderGenerator(rec),
 *   "<question>2+2?</question>\n<reasoning>2 + 2 = 4.</reasoning>\n<answer>4</answer>");
 * const code = { ...rec, domain: "code" as const, answerKind: "code" as const, question: "f(xs) = xs.length",
 *   answer: "function f(xs: number[]): number { return xs.length; }", tests: ["assertEquals(f([]), 0);"] };
 * assert.ok(renderGenerator(code).endsWith("</answer>\n<tests>assertEquals(f([]), 0);</tests>"));
 * ```
 */
export function renderGenerator(record: TaskRecord): string {
  return renderTags({
    question: questionText(record),
    reasoning: record.reasoning ?? "",
    answer: record.answer,
    ...(record.tests?.length ? { tests: record.tests } : {}),
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
