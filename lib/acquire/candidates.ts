/**
 * Candidates to score: the generator writes whole tasks in tags from the prompt `<question>`,
 * and each text is read back into a task record (`taskFromTags`), or kept with a null record
 * where it is malformed, so a function can say "does not apply" for it.
 *
 * @module
 */

import { type Domain, type TaskFromTags, taskFromTags } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import { sample } from "../sample/mod.ts";
import type { Candidate } from "./types.ts";

/**
 * The prompt the default generator writes a task from.
 *
 * @example The tag every generated task starts with
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENERATOR_PROMPT } from "./candidates.ts";
 * assert.equal(GENERATOR_PROMPT, "<question>");
 * ```
 */
export const GENERATOR_PROMPT = "<question>";

/** How the domain of a generated text is chosen: one for all, or guessed from each text. */
export type CandidateDomain = Domain | "guess";

/**
 * Where sampling a generated task stops (the stop string is kept). A code task ends with its
 * `<tests>` part, after `</answer>`: stopping at `</answer>` would cut every code task before its
 * tests, and a code task without tests cannot be judged. So where a text may be code (`code`, or
 * `guess`) sampling stops at `</tests>` or at the generator's end of sequence (the default
 * generator ends every task with it; text a generator writes after `</answer>` fails the strict
 * parse and costs format reward); where it cannot, at `</answer>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskStops } from "./candidates.ts";
 * assert.deepEqual(taskStops("math"), ["</answer>"]);
 * assert.deepEqual(taskStops("guess"), ["</tests>"]);
 * ```
 */
export function taskStops(domain: CandidateDomain): string[] {
  return domain === "guess" || domain === "code" ? ["</tests>"] : ["</answer>"];
}

/** Options of {@link sampleCandidates}. */
export interface SampleCandidatesOptions {
  /** How many candidates. @default 32 */
  readonly count?: number;
  /** Seed of the sampling (the same seed writes the same candidates). @default 0 */
  readonly seed?: number;
  /** @default 1 */
  readonly temperature?: number;
  /** Longest task in tokens; a longer one is cut and will not parse. @default 200 */
  readonly maxNewTokens?: number;
  /**
   * The domain of the records: one domain for all, or `"guess"`: `code` when the text has a
   * `<tests>` part, `reasoning` (multiple choice) when the question ends in `A) …` option lines,
   * `math` otherwise. @default "guess"
   */
  readonly domain?: CandidateDomain;
  /** Called with the number of candidates written so far (progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The procedural family whose student format (`renderStudent`) fits each domain. */
const FAMILY_OF_DOMAIN: Readonly<Record<Domain, string>> = Object.freeze({
  math: "arithmetic",
  code: "code",
  reasoning: "choice",
  medical: "choice",
  science: "choice",
});

/**
 * The domain `"guess"` picks for a text (see {@link SampleCandidatesOptions.domain}).
 *
 * @example A choice question and a word problem
 * ```ts
 * import assert from "node:assert/strict";
 * import { guessDomain } from "./candidates.ts";
 * assert.equal(guessDomain("<question>Which?\nA) 1\nB) 2</question>"), "reasoning");
 * assert.equal(guessDomain("<question>What is 2 + 2?</question>"), "math");
 * ```
 */
export function guessDomain(text: string): Domain {
  if (text.includes("<tests>")) return "code";
  const question = /<question>([\s\S]*?)<\/question>/.exec(text)?.[1] ?? "";
  const lines = question.trimEnd().split("\n");
  return lines.length > 1 && /^[A-Z]\) \S/.test(lines[lines.length - 1]) ? "reasoning" : "math";
}

/**
 * Reads one generated text (the whole text, `<question>` included) as a candidate. The record's
 * `meta.family` is the procedural family of its domain, so the student is trained and scored on
 * it in the format it knows (`renderStudent`).
 *
 * @example A well-formed task and a cut-off one
 * ```ts
 * import assert from "node:assert/strict";
 * import { candidateFromText } from "./candidates.ts";
 * const ok = candidateFromText(
 *   "<question>What is 2 + 3?</question>\n<reasoning>2 + 3 = 5.</reasoning>\n<answer>5</answer>",
 * );
 * assert.equal(ok.record?.answer, "5");
 * assert.equal(ok.record?.meta.family, "arithmetic");
 * assert.equal(candidateFromText("<question>What is 2 +").record, null);
 * ```
 */
export function candidateFromText(text: string, domain: CandidateDomain = "guess"): Candidate {
  const d = domain === "guess" ? guessDomain(text) : domain;
  const read: TaskFromTags = taskFromTags(text, {
    domain: d,
    meta: { family: FAMILY_OF_DOMAIN[d], source: "generator" },
  });
  return { text, record: read.ok ? read.record : null };
}

function fail(field: string, rule: string, value: unknown): never {
  throw new RangeError(
    `Cannot sample candidates: '${field}' must be ${rule}: current value is ${
      JSON.stringify(value)
    }`,
  );
}

/**
 * Lets `generator` write `count` tasks from the prompt `<question>` (stopping as {@link taskStops} says,
 * kept), each read back with {@link candidateFromText}.
 *
 * @example Four candidates from the default generator
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { sampleCandidates } from "./candidates.ts";
 * const generator = await loadModel("data/models/generator", createRuntime({ threads: 1 }));
 * const cands = await sampleCandidates(generator, { count: 4, seed: 1 });
 * assert.equal(cands.length, 4);
 * assert.ok(cands.every((c) => c.text.startsWith("<question>")));
 * ```
 */
export async function sampleCandidates(
  generator: LanguageModel,
  options: SampleCandidatesOptions = {},
): Promise<Candidate[]> {
  const {
    count = 32,
    seed = 0,
    temperature = 1,
    maxNewTokens = 200,
    domain = "guess",
    onProgress,
  } = options;
  if (!Number.isInteger(count) || count < 0) fail("count", "an integer ≥ 0", count);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    fail("maxNewTokens", "an integer ≥ 1", maxNewTokens);
  }
  if (domain !== "guess" && !Object.hasOwn(FAMILY_OF_DOMAIN, domain)) {
    fail("domain", `"guess" or one of ${Object.keys(FAMILY_OF_DOMAIN).join(", ")}`, domain);
  }
  if (count === 0) return [];
  const samples = await sample(generator, [GENERATOR_PROMPT], {
    samplesPerPrompt: count,
    seed,
    temperature,
    maxNewTokens,
    stop: taskStops(domain),
    keepStop: true,
    onStep: onProgress
      ? (step) => onProgress(Math.floor((count * step) / maxNewTokens), count)
      : undefined,
  });
  onProgress?.(count, count);
  return samples.map((s) => candidateFromText(GENERATOR_PROMPT + s.text, domain));
}
