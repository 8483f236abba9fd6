/**
 * The student's side of scoring: the prompt a candidate record puts to the student, the
 * student's own sampled answers to it, and teacher-forced token scores of the candidate's answer.
 * Every score-based acquisition function is made of these three.
 *
 * @module
 */

import type { TaskRecord } from "../data/mod.ts";
import type { Candidate } from "./types.ts";
import { renderStudent } from "../data/mod.ts";
import { type LanguageModel, scoreTokens } from "../model/mod.ts";
import { continuationText, sample } from "../sample/mod.ts";
import { encodeCompletion } from "../train/mod.ts";
import type { AcquireContext } from "./types.ts";
import { normalize } from "./embed.ts";

/** The student's view of a record: the prompt it is asked and the gold completion it learns. */
export interface StudentPrompt {
  /** `Q: QUESTION\nA:` (options included for multiple choice). */
  readonly prompt: string;
  /** What training on the record teaches after the prompt (reasoning and answer). */
  readonly completion: string;
}

/**
 * The student's prompt and gold completion for a record, in the pretraining corpus's format
 * (`renderStudent`). A generated record carries no `meta.family`; its answer kind stands in for
 * it (a code record completes with its program, a choice record with its reasoning), so generated
 * and embedded records of one kind read alike.
 *
 * @example The prompt and completion of a generated arithmetic record
 * ```ts
 * import assert from "node:assert/strict";
 * import { studentPrompt } from "./student.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "2+2?", reasoning: "2 + 2 = 4.", answer: "4", meta: {} };
 * assert.deepEqual(studentPrompt(rec),
 *   { prompt: "Q: 2+2?\nA:", completion: " 2 + 2 = 4. The answer is 4." });
 * ```
 */
export function studentPrompt(record: TaskRecord): StudentPrompt {
  const family = record.meta.family ??
    (record.answerKind === "code" || record.answerKind === "choice"
      ? record.answerKind
      : undefined);
  return renderStudent(
    family === record.meta.family ? record : {
      ...record,
      meta: { ...record.meta, family },
    },
  );
}

/**
 * Where the student stops answering: the start of the next question (and EOS).
 *
 * @example The student's answer ends where the corpus's next question would begin
 * ```ts
 * import assert from "node:assert/strict";
 * import { STUDENT_STOP } from "./student.ts";
 * assert.deepEqual(STUDENT_STOP, ["\nQ:"]);
 * ```
 */
export const STUDENT_STOP: readonly string[] = Object.freeze(["\nQ:"]);

/** Options of {@link studentAnswers}. */
export interface StudentAnswerOptions {
  /** Answers per record. @default 1 */
  readonly n?: number;
  /** Sampling temperature (0: greedy). @default 1 */
  readonly temperature?: number;
  /** @default 64 */
  readonly maxNewTokens?: number;
  /** Sampler seed; by default drawn from `context.rng`, so successive calls differ. */
  readonly seed?: number;
  /** Also give each answer its in-context embedding (`StudentAnswer.embedding`). @default false */
  readonly embed?: boolean;
  /**
   * Also give each answer the entropies and margins of the distributions its tokens were drawn
   * from (`StudentAnswer.entropies`, `StudentAnswer.margins`). @default false
   */
  readonly stats?: boolean;
}

/** One sampled answer of the student. */
export interface StudentAnswer {
  /** The answer text (before `\nQ:`). */
  readonly text: string;
  /** The answer's tokens: those that make up `text`, without the stop string or EOS. */
  readonly tokens: number[];
  /** log p of each of `tokens` under the student's untempered softmax. */
  readonly logprobs: number[];
  /** The prompt's token ids (BOS included), so `[...promptIds, ...tokens]` can be re-scored. */
  readonly promptIds: readonly number[];
  /** Every generated token: `tokens`, then those of the stop string that ended it (no EOS). */
  readonly generated: readonly number[];
  /** Why it ended: EOS, the stop string, or `maxNewTokens`. */
  readonly finish: "eos" | "stop" | "length";
  /**
   * With `embed`: the student's final hidden states from which `tokens` were drawn (the states
   * at the prompt's last position and at each answer token but the last), mean-pooled and scaled
   * to unit length: what the student computed while writing the answer, in the context of the
   * question. Equal answers to one question get equal vectors; an empty answer the zero vector.
   */
  readonly embedding?: Float32Array;
  /**
   * With `stats`: for each of `tokens`, the entropy (nats) of the student's untempered
   * next-token distribution it was drawn from.
   */
  readonly entropies?: number[];
  /** With `stats`: p(top-1) − p(top-2) of that distribution. */
  readonly margins?: number[];
}

/** The unit-length mean of the first `count` of `states` (the zero vector when count is 0). */
function pooledStates(states: readonly Float32Array[], count: number, width: number) {
  const v = new Float32Array(width);
  for (let t = 0; t < count; t++) {
    const h = states[t];
    for (let j = 0; j < width; j++) v[j] += h[j];
  }
  return normalize(v);
}

/** The tokenizer of a model, or an error saying who needs it. */
function tokenizerOf(model: LanguageModel, who: string) {
  if (!model.tokenizer) throw new Error(`Cannot score: the ${who} has no tokenizer`);
  return model.tokenizer;
}

/**
 * The shortest prefix of `tokens` whose text covers `text`: the tokens after it only spell the
 * stop string that ended the sample.
 */
function coveringLength(
  tok: { decode(ids: readonly number[]): string },
  prompt: readonly number[],
  tokens: readonly number[],
  text: string,
): number {
  for (let k = 0; k < tokens.length; k++) {
    if (continuationText(tok, prompt, tokens.slice(0, k)).length >= text.length) return k;
  }
  return tokens.length;
}

/**
 * For each record, `n` answers sampled from `context.student` to its {@link studentPrompt}, all
 * records × n in one batched decode, each stopped at `\nQ:` or EOS. A record whose prompt leaves
 * fewer than `maxNewTokens` positions of the student's context gets no answers (an empty list).
 *
 * @example Two greedy answers of the default student (greedy: both the same)
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { studentAnswers } from "./student.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [answers] = await studentAnswers(context, [rec], { n: 2, temperature: 0, maxNewTokens: 16 });
 * assert.equal(answers.length, 2);
 * assert.deepEqual(answers[0].tokens, answers[1].tokens);
 * assert.equal(answers[0].tokens.length, answers[0].logprobs.length);
 * ```
 */
export async function studentAnswers(
  context: AcquireContext,
  records: readonly TaskRecord[],
  options: StudentAnswerOptions = {},
): Promise<StudentAnswer[][]> {
  const { n = 1, temperature = 1, maxNewTokens = 64 } = options;
  if (records.length === 0) return [];
  const tok = tokenizerOf(context.student, "student");
  const seed = options.seed ?? context.rng.int(0, 2 ** 31 - 1);
  const prompts = records.map((r) => tok.encode(studentPrompt(r).prompt, { addBos: true }));
  // A question too long to leave room for an answer gets none (its scores are null), rather
  // than failing the whole batch.
  const room = context.student.config.maxPositionEmbeddings - maxNewTokens;
  const fit = prompts.flatMap((p, i) => (p.length <= room ? [i] : []));
  const out: StudentAnswer[][] = records.map(() => []);
  if (fit.length === 0) return out;
  const samples = await sample(context.student, fit.map((i) => prompts[i]), {
    samplesPerPrompt: n,
    temperature,
    maxNewTokens,
    seed,
    stop: STUDENT_STOP,
    hiddenStates: options.embed ?? false,
    distributionStats: options.stats ?? false,
  });
  const width = context.student.config.hiddenSize;
  for (const s of samples) {
    const promptIds = prompts[fit[s.prompt]];
    const keep = s.finish === "stop"
      ? coveringLength(tok, promptIds, s.tokens, s.text)
      : s.tokens.length;
    out[fit[s.prompt]].push({
      text: s.text,
      tokens: s.tokens.slice(0, keep),
      logprobs: s.logprobs.slice(0, keep),
      promptIds,
      generated: s.tokens,
      finish: s.finish,
      ...(s.hidden ? { embedding: pooledStates(s.hidden, keep, width) } : {}),
      ...(s.entropies
        ? { entropies: s.entropies.slice(0, keep), margins: s.margins!.slice(0, keep) }
        : {}),
    });
  }
  return out;
}

/** Token scores of a completion only: entry i describes the completion's token i. */
export interface CompletionScores {
  /** BOS?, prompt, completion (and EOS when asked). */
  readonly tokens: readonly number[];
  /** Tokens before the completion. */
  readonly promptTokens: number;
  /** log p of each completion token given everything before it. */
  readonly logprobs: number[];
  /** Entropy (nats) of the full next-token distribution that predicts each completion token. */
  readonly entropies: number[];
  /** p(top-1) − p(top-2) of that full distribution. */
  readonly margins: number[];
}

/** Options of {@link teacherForced}. */
export interface TeacherForcedOptions {
  /**
   * Score EOS after the completion as one of its tokens, as fine-tuning on the record trains it
   * (the student learns to stop). @default true
   */
  readonly addEos?: boolean;
  /** Whose answer: the record's own (`"gold"`) or any texts given per record. @default "gold" */
  readonly completions?: "gold" | readonly string[];
}

/**
 * Scores each record's completion (its {@link studentPrompt} completion, by default) teacher-forced
 * under `model`, encoded as fine-tuning encodes it (`encodeCompletion`): per completion token its
 * log-prob, and the entropy and top-1/top-2 margin of the full next-token distribution.
 *
 * @example Scores line up with the completion's tokens
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { teacherForced } from "./student.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [s] = await teacherForced(student, [rec]);
 * assert.equal(s.logprobs.length, s.tokens.length - s.promptTokens);
 * assert.ok(s.margins.every((m) => m >= 0 && m <= 1));
 * ```
 */
export async function teacherForced(
  model: LanguageModel,
  records: readonly TaskRecord[],
  options: TeacherForcedOptions = {},
): Promise<CompletionScores[]> {
  const { addEos = true, completions = "gold" } = options;
  if (records.length === 0) return [];
  if (completions !== "gold" && completions.length !== records.length) {
    throw new RangeError(
      `Cannot score: 'completions' must hold one text per record (${records.length}): current length is ${completions.length}`,
    );
  }
  const tok = tokenizerOf(model, "model");
  const encoded = records.map((r, i) => {
    const p = studentPrompt(r);
    return encodeCompletion(tok, p.prompt, completions === "gold" ? p.completion : completions[i], {
      addEos,
    });
  });
  const scores = await scoreTokens(model, encoded.map((e) => e.tokens));
  return encoded.map((e, i) => {
    const from = e.promptTokens - 1; // entry t predicts token t + 1
    return {
      tokens: e.tokens,
      promptTokens: e.promptTokens,
      logprobs: scores[i].logprobs.slice(from),
      entropies: scores[i].entropies.slice(from),
      margins: scores[i].margins.slice(from),
    };
  });
}

/**
 * Checks that `other` reads and writes token ids as the student does (same vocabulary, special
 * tokens and tokenizer model); otherwise an error naming both.
 *
 * @example A model matches itself
 * ```ts
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { checkSameTokenizer } from "./student.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * checkSameTokenizer(student, "student", student, "reference model");
 * ```
 */
export function checkSameTokenizer(
  student: LanguageModel,
  studentName: string,
  other: LanguageModel,
  otherName: string,
): void {
  const describe = (m: LanguageModel) =>
    m.tokenizer
      ? `vocab ${m.tokenizer.vocabSize}, bos ${m.tokenizer.bosId}, eos ${m.tokenizer.eosId}`
      : `no tokenizer, model vocab ${m.config.vocabSize}`;
  const fingerprint = (m: LanguageModel) =>
    m.tokenizer
      ? `${describe(m)}|${JSON.stringify(m.tokenizer.json.tokenizer.model ?? null)}`
      : describe(m);
  const a = fingerprint(student), b = fingerprint(other);
  if (a !== b || student.config.vocabSize !== other.config.vocabSize) {
    throw new Error(
      `Cannot score: the ${studentName}'s tokenizer (${
        describe(student)
      }) differs from the ${otherName}'s (${
        describe(other)
      }); token ids would not mean the same text`,
    );
  }
}

/** A sampled answer with the full-distribution scores of its tokens (teacher-forced). */
export interface ScoredAnswer {
  readonly answer: StudentAnswer;
  /** log p of each answer token. */
  readonly logprobs: number[];
  /** Entropy (nats) of the full next-token distribution before each answer token. */
  readonly entropies: number[];
  /** p(top-1) − p(top-2) of that full distribution (not of the sampled token's). */
  readonly margins: number[];
}

/**
 * {@link studentAnswers} with, for each answer token, its log-prob, and the entropy and
 * top-1/top-2 margin of the full, untempered next-token distribution it was drawn from. The
 * sampler has those logits in hand as it writes the answer, so this is what teacher-forcing the
 * answer through the student again would give (up to float rounding), without that pass. An
 * empty answer gets empty lists.
 *
 * @example Scores line up with the answer's tokens, as scoring the answer again gives them
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel, scoreTokens } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { sampledAnswerScores } from "./student.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = { student, seeds: [], rng: createRng(1), cache: new Map(),
 *   embedder: { name: "none", embed: () => Promise.resolve([]) } };
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const [[s]] = await sampledAnswerScores(context, [rec], { maxNewTokens: 16, seed: 2 });
 * assert.equal(s.margins.length, s.answer.tokens.length);
 * const [again] = await scoreTokens(student, [[...s.answer.promptIds, ...s.answer.tokens]]);
 * const from = s.answer.promptIds.length - 1;
 * s.margins.forEach((m, i) => assert.ok(Math.abs(m - again.margins[from + i]) < 1e-4));
 * s.entropies.forEach((e, i) => assert.ok(Math.abs(e - again.entropies[from + i]) < 1e-4));
 * ```
 */
export async function sampledAnswerScores(
  context: AcquireContext,
  records: readonly TaskRecord[],
  options: StudentAnswerOptions = {},
): Promise<ScoredAnswer[][]> {
  const answers = await studentAnswers(context, records, { ...options, stats: true });
  return answers.map((group) =>
    group.map((answer) => ({
      answer,
      logprobs: answer.logprobs,
      entropies: answer.entropies!,
      margins: answer.margins!,
    }))
  );
}

/**
 * Scores the candidates that have a record with `score` (one call, in order) and puts `null`
 * where a candidate has none; an empty batch never calls `score`.
 *
 * @example Unparsed candidates get null
 * ```ts
 * import assert from "node:assert/strict";
 * import { scoreRecords } from "./student.ts";
 * const rec = { id: "1", domain: "math" as const, answerKind: "number" as const,
 *   question: "2+2?", answer: "4", meta: {} };
 * const got = await scoreRecords([{ text: "x", record: null }, { text: "y", record: rec }],
 *   (records) => Promise.resolve(records.map((r) => r.question.length)));
 * assert.deepEqual(got, [null, 4]);
 * ```
 */
export async function scoreRecords(
  candidates: readonly Candidate[],
  score: (records: TaskRecord[]) => Promise<(number | null)[]>,
): Promise<(number | null)[]> {
  const at = candidates.flatMap((c, i) => (c.record ? [i] : []));
  const out: (number | null)[] = candidates.map(() => null);
  if (at.length === 0) return out;
  const values = await score(at.map((i) => candidates[i].record!));
  at.forEach((i, k) => (out[i] = values[k]));
  return out;
}

/** How one option of a function is checked: a rule in words and the test of it. */
export type OptionRule = readonly [rule: string, ok: (value: unknown) => boolean];

/** Rules of the options the score-based functions read. */
export const OPTION_RULES: Readonly<Record<string, OptionRule>> = Object.freeze({
  n: ["an integer ≥ 1", (v) => Number.isInteger(v) && (v as number) >= 1],
  temperature: [
    "a finite number ≥ 0",
    (v) => typeof v === "number" && Number.isFinite(v) && v >= 0,
  ],
  maxNewTokens: ["an integer ≥ 1", (v) => Number.isInteger(v) && (v as number) >= 1],
  seed: ["a safe integer", (v) => Number.isSafeInteger(v)],
  addEos: ["true or false", (v) => typeof v === "boolean"],
});

/**
 * The options `context.options[name]` gives function `name`, over `defaults`: only the keys
 * `allowed` (each checked by {@link OPTION_RULES}); anything else is an error naming the field.
 *
 * @example An unknown option is named
 * ```ts
 * import assert from "node:assert/strict";
 * import { functionOptions } from "./student.ts";
 * const context = { options: { confidence: { temperature: 0.5 } } };
 * assert.deepEqual(functionOptions(context, "confidence", { temperature: 1, maxNewTokens: 64 }),
 *   { temperature: 0.5, maxNewTokens: 64 });
 * assert.throws(() => functionOptions({ options: { confidence: { temp: 1 } } }, "confidence",
 *   { temperature: 1 }), /unknown option 'temp'/);
 * ```
 */
export function functionOptions<T extends Record<string, unknown>>(
  context: Pick<AcquireContext, "options">,
  name: string,
  defaults: T,
  allowed: readonly string[] = [...Object.keys(defaults), "seed"],
): T & { seed?: number } {
  const given = context.options?.[name] ?? {};
  for (const [key, value] of Object.entries(given)) {
    if (!allowed.includes(key)) {
      throw new RangeError(
        `Cannot score with '${name}': unknown option '${key}': known are ${allowed.join(", ")}`,
      );
    }
    const rule = OPTION_RULES[key];
    if (rule && !rule[1](value)) {
      throw new RangeError(
        `Cannot score with '${name}': option '${key}' must be ${rule[0]}: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  return { ...defaults, ...given } as T & { seed?: number };
}

/** The mean of a list, or null for an empty one. */
export function meanOf(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length;
}
