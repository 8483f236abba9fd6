/**
 * The acquisition audit: does a higher score mean a larger gain? For each candidate, every
 * chosen function's score, and the REAL effect of training on it: from the same starting student
 * weights, k small completion-only fine-tuning steps on that candidate alone (fresh optimizer
 * state each time), then the change of the student's mean completion loss on a fixed validation
 * set, then the start weights put back from an in-memory snapshot. Per function, Spearman and
 * Kendall tau-b between score and gain with seeded 95% bootstrap intervals.
 *
 * @module
 */

import type { OptimizerOptions } from "../graph/mod.ts";
import type { TaskRecord } from "../data/mod.ts";
import { correlationInterval, evaluate, type Interval } from "../eval/mod.ts";
import {
  type LanguageModel,
  restoreStore,
  scoreTokens,
  snapshotStore,
  storeEquals,
} from "../model/mod.ts";
import { createLmTrainer } from "../model/mod.ts";
import { encodeCompletion, type EncodedCompletion, fineTune } from "../train/mod.ts";
import { ACQUISITION_FUNCTIONS, acquisitionFunction } from "./functions.ts";
import { studentPrompt } from "./student.ts";
import type { AcquireContext, AcquisitionFunction, Candidate, Need } from "./types.ts";

/** Options of {@link auditAcquisition}. */
export interface AuditOptions {
  /**
   * The functions to audit, by table name or as objects.
   * @default every function of `ACQUISITION_FUNCTIONS` whose needs the context meets
   */
  readonly functions?: readonly (string | AcquisitionFunction)[];
  /** Fine-tuning steps on each candidate alone (batch 1, constant learning rate). @default 4 */
  readonly steps?: number;
  /** The learning rate of those steps. @default 3e-4 */
  readonly lr?: number;
  /** @default { kind: "adamw" } (fresh state for every candidate) */
  readonly optimizer?: OptimizerOptions;
  /**
   * The fixed set the gain is measured on (kinds the student is weak at).
   * @default the context's `validation`
   */
  readonly validation?: readonly TaskRecord[];
  /** Also measure greedy accuracy on the validation set after each candidate (slow). @default false */
  readonly accuracy?: boolean;
  /** Seed of the bootstrap intervals. @default 0 */
  readonly seed?: number;
  /** Bootstrap resamples per interval. @default 2000 */
  readonly resamples?: number;
  /** Called as work is done: `phase` is `score` (per function) or `train` (per candidate). */
  readonly onProgress?: (phase: "score" | "train", done: number, total: number) => void;
}

/** One function's part of the audit. */
export interface FunctionAudit {
  readonly name: string;
  /** Its score of each candidate, in order (null: does not apply). */
  readonly scores: (number | null)[];
  /** Candidates with both a score and a gain: the pairs the correlations are over. */
  readonly n: number;
  /** Candidates left out for a null score or a null gain. */
  readonly leftOut: number;
  /** Rank correlation of score with gain (null with fewer than 2 pairs; NaN estimate when constant). */
  readonly spearman: Interval | null;
  readonly kendall: Interval | null;
}

/** What {@link auditAcquisition} found. */
export interface AuditResult {
  readonly candidates: number;
  readonly validationItems: number;
  readonly steps: number;
  readonly lr: number;
  /** Mean completion loss (nats per completion token) of the start weights on the validation set. */
  readonly lossBefore: number;
  /** The same after training on each candidate (null: no record to train on). */
  readonly lossAfter: (number | null)[];
  /** lossBefore − lossAfter: positive when the candidate taught something that transfers. */
  readonly gains: (number | null)[];
  /** Greedy accuracy before and after each candidate, when asked for. */
  readonly accuracyBefore?: number;
  readonly accuracyAfter?: (number | null)[];
  readonly functions: FunctionAudit[];
  /** Seconds spent scoring (all functions) and training/measuring (all candidates). */
  readonly seconds: { readonly scoring: number; readonly training: number };
}

/**
 * The needs of `fn` that `context` does not meet.
 *
 * @example A function that needs a sandbox, in a context without one
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingNeeds } from "./audit.ts";
 * const fn = { name: "x", description: "", needs: ["student", "sandbox"] as const,
 *   score: () => Promise.resolve([]) };
 * const context = { student: {}, seeds: [], embedder: {}, rng: {}, cache: new Map() };
 * // deno-lint-ignore no-explicit-any
 * assert.deepEqual(missingNeeds(fn, context as any), ["sandbox"]);
 * ```
 */
export function missingNeeds(fn: AcquisitionFunction, context: AcquireContext): Need[] {
  const met: Readonly<Record<Need, boolean>> = {
    student: Boolean(context.student),
    seeds: context.seeds.length > 0,
    embedder: Boolean(context.embedder),
    sandbox: Boolean(context.sandbox),
    committee: (context.committee?.length ?? 0) > 0,
    validation: (context.validation?.length ?? 0) > 0,
    reference: Boolean(context.reference),
  };
  return fn.needs.filter((n) => !met[n]);
}

function fail(field: string, rule: string, value: unknown): never {
  throw new RangeError(
    `Cannot audit: '${field}' must be ${rule}: current value is ${JSON.stringify(value)}`,
  );
}

/**
 * The mean loss per completion token (nats) of `model` over encoded examples: −Σ log p over
 * every completion target (EOS included) divided by their count, so long answers weigh by length
 * just as in training.
 *
 * @example The default student on two additions
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { encodeCompletion } from "../train/mod.ts";
 * import { completionLoss } from "./audit.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const enc = [["Q: What is 2 + 3?\nA:", " 2 + 3 = 5. The answer is 5."],
 *   ["Q: What is 4 + 4?\nA:", " 4 + 4 = 8. The answer is 8."]]
 *   .map(([p, c]) => encodeCompletion(student.tokenizer!, p, c));
 * const loss = await completionLoss(student, enc);
 * assert.ok(loss > 0 && loss < 3);
 * ```
 */
export async function completionLoss(
  model: LanguageModel,
  encoded: readonly EncodedCompletion[],
): Promise<number> {
  const scores = await scoreTokens(model, encoded.map((e) => e.tokens));
  let sum = 0, count = 0;
  scores.forEach((s, i) =>
    encoded[i].weights.forEach((w, t) => {
      if (w > 0) {
        sum -= w * s.logprobs[t];
        count += w;
      }
    })
  );
  return sum / count;
}

function resolveFunctions(
  chosen: AuditOptions["functions"],
  context: AcquireContext,
): AcquisitionFunction[] {
  if (chosen === undefined) {
    return Object.values(ACQUISITION_FUNCTIONS).filter((f) =>
      missingNeeds(f, context).length === 0
    );
  }
  return chosen.map((f) => {
    const fn = typeof f === "string" ? acquisitionFunction(f) : f;
    const missing = missingNeeds(fn, context);
    if (missing.length) {
      throw new Error(
        `Cannot audit '${fn.name}': it needs ${missing.join(", ")}, which the context lacks`,
      );
    }
    return fn;
  });
}

function checkScores(fn: AcquisitionFunction, scores: (number | null)[], n: number): void {
  if (scores.length !== n) {
    throw new Error(
      `Cannot audit '${fn.name}': it returned ${scores.length} scores for ${n} candidates`,
    );
  }
  const bad = scores.findIndex((s) => s !== null && !Number.isFinite(s));
  if (bad >= 0) {
    throw new Error(
      `Cannot audit '${fn.name}': score ${bad} must be a finite number or null: current value is ${
        scores[bad]
      }`,
    );
  }
}

function correlate(
  name: string,
  scores: (number | null)[],
  gains: (number | null)[],
  seed: number,
  resamples: number,
): FunctionAudit {
  const x: number[] = [], y: number[] = [];
  scores.forEach((s, i) => {
    const g = gains[i];
    if (s !== null && g !== null) {
      x.push(s);
      y.push(g);
    }
  });
  const interval = (kind: "spearman" | "kendall") =>
    x.length < 2 ? null : correlationInterval(kind, x, y, { seed, resamples });
  return {
    name,
    scores,
    n: x.length,
    leftOut: scores.length - x.length,
    spearman: interval("spearman"),
    kendall: interval("kendall"),
  };
}

/**
 * Audits acquisition functions on `candidates` against what training on each one really does to
 * `context.student`. The student's weights are the same, bit for bit, when it returns (it
 * throws if they are not); a function that changes them while scoring is named in an error.
 *
 * @example Audit one hand-written function on three candidates (default student)
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks, renderGenerator } from "../data/mod.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { createRng } from "../run/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { auditAcquisition } from "./audit.ts";
 * import { candidateFromText } from "./candidates.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const records = generateTasks({ family: "arithmetic", kinds: ["add"], count: 3, seed: 4 });
 * const candidates = records.map((r) => candidateFromText(renderGenerator(r)));
 * const length = {
 *   name: "question-length", description: "Longer questions score higher.", needs: [],
 *   score: (cs: readonly { record: { question: string } | null }[]) =>
 *     Promise.resolve(cs.map((c) => c.record?.question.length ?? null)),
 * };
 * const validation = generateTasks({ family: "arithmetic", kinds: ["add"], count: 4, seed: 5 });
 * const context = { student, seeds: [], embedder: { name: "none", embed: () => Promise.resolve([]) },
 *   rng: createRng(0), validation, cache: new Map() };
 * const audit = await auditAcquisition(candidates, context, { functions: [length], steps: 1 });
 * assert.equal(audit.gains.length, 3);
 * assert.equal(audit.functions[0].n, 3);
 * ```
 */
export async function auditAcquisition(
  candidates: readonly Candidate[],
  context: AcquireContext,
  options: AuditOptions = {},
): Promise<AuditResult> {
  const {
    steps = 4,
    lr = 3e-4,
    optimizer = { kind: "adamw" },
    validation = context.validation ?? [],
    accuracy = false,
    seed = 0,
    resamples = 2000,
    onProgress,
  } = options;
  if (!Number.isInteger(steps) || steps < 1) fail("steps", "an integer ≥ 1", steps);
  if (!(lr > 0)) fail("lr", "a number > 0", lr);
  if (validation.length === 0) fail("validation", "a non-empty list of records", []);
  const student = context.student;
  const tok = student.tokenizer;
  if (!tok) throw new Error("Cannot audit: the student has no tokenizer to encode examples");
  const functions = resolveFunctions(options.functions, context);

  // Scores first, all on the start weights.
  const start = snapshotStore(student.store);
  const t0 = performance.now();
  const allScores: (number | null)[][] = [];
  for (const [i, fn] of functions.entries()) {
    const scores = await fn.score(candidates, context);
    checkScores(fn, scores, candidates.length);
    if (!storeEquals(student.store, start)) {
      throw new Error(`Cannot audit '${fn.name}': scoring changed the student's weights`);
    }
    allScores.push(scores);
    onProgress?.("score", i + 1, functions.length);
  }
  const t1 = performance.now();

  // Then the real effect of each candidate, each from the start weights and a fresh optimizer.
  const encoded = validation.map((r) => {
    const { prompt, completion } = studentPrompt(r);
    return encodeCompletion(tok, prompt, completion);
  });
  const lossBefore = await completionLoss(student, encoded);
  const accuracyOf = async () => (await evaluate(student, validation)).overall.accuracy.estimate;
  const accuracyBefore = accuracy ? await accuracyOf() : undefined;
  const trainer = await createLmTrainer(student, { optimizer, clipNorm: 1 });
  const freshState = snapshotStore(trainer.trainer.state);
  const lossAfter: (number | null)[] = [];
  const accuracyAfter: (number | null)[] = [];
  for (const [i, c] of candidates.entries()) {
    if (c.record === null) {
      lossAfter.push(null);
      accuracyAfter.push(null);
    } else {
      restoreStore(trainer.trainer.state, freshState);
      await fineTune(student, [studentPrompt(c.record)], {
        steps,
        batchSize: 1,
        schedule: { kind: "constant", peak: lr, warmupSteps: 0 },
        trainer,
      });
      lossAfter.push(await completionLoss(student, encoded));
      accuracyAfter.push(accuracy ? await accuracyOf() : null);
      restoreStore(student.store, start);
    }
    onProgress?.("train", i + 1, candidates.length);
  }
  if (!storeEquals(student.store, start)) {
    throw new Error("Cannot audit: the student's weights differ from the start after restoring");
  }
  const gains = lossAfter.map((l) => (l === null ? null : lossBefore - l));
  const t2 = performance.now();
  return {
    candidates: candidates.length,
    validationItems: validation.length,
    steps,
    lr,
    lossBefore,
    lossAfter,
    gains,
    ...(accuracy ? { accuracyBefore, accuracyAfter } : {}),
    functions: functions.map((fn, k) => correlate(fn.name, allScores[k], gains, seed, resamples)),
    seconds: { scoring: (t1 - t0) / 1000, training: (t2 - t1) / 1000 },
  };
}

/**
 * One line per function: `NAME  spearman 0.xx [lo, hi]  kendall 0.xx [lo, hi]  (n=…)`, names
 * padded to one width; `n/a` where a correlation is undefined.
 *
 * @example One function's line
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAudit } from "./audit.ts";
 * const f = { name: "confidence", scores: [], n: 30, leftOut: 2,
 *   spearman: { estimate: 0.41, low: 0.05, high: 0.68 }, kendall: null };
 * assert.equal(formatAudit([f])[0],
 *   "confidence  spearman 0.41 [0.05, 0.68]  kendall n/a  (n=30, 2 left out)");
 * ```
 */
export function formatAudit(functions: readonly FunctionAudit[]): string[] {
  const width = Math.max(0, ...functions.map((f) => f.name.length));
  const num = (v: number) => (Number.isNaN(v) ? "nan" : v.toFixed(2));
  const show = (r: Interval | null) =>
    r === null ? "n/a" : `${num(r.estimate)} [${num(r.low)}, ${num(r.high)}]`;
  return functions.map((f) =>
    `${f.name.padEnd(width)}  spearman ${show(f.spearman)}  kendall ${show(f.kendall)}  (n=${f.n}${
      f.leftOut ? `, ${f.leftOut} left out` : ""
    })`
  );
}
