/**
 * Verifiers: one answer checker keyed by the record's answer kind ({@link checkAnswer},
 * {@link checkAnswers}): math compared by value, choices and labels read strictly, code run
 * against tests in a sandbox; scoring a file of predictions against a data set.
 *
 * @example Math, choice and code checks
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAnswer, createSandbox, extractChoice, mathEquivalent } from "./mod.ts";
 * assert.ok(mathEquivalent("\\dfrac{3}{4}", "75%"));
 * assert.equal(extractChoice("(B) Metformin", { A: "Insulin", B: "Metformin" }), "B");
 * const rec = { id: "1", domain: "math" as const, question: "2+2?", answer: "4",
 *   answerKind: "number" as const, meta: {} };
 * assert.equal(checkAnswer(rec, "2 + 2 = 4. The answer is 4.")?.correct, true);
 * const sandbox = await createSandbox();
 * const r = await sandbox.run({
 *   language: "typescript",
 *   program: "function f(xs: number[]) { return xs.length; }",
 *   tests: "assertEquals(f([1, 2]), 2);",
 * });
 * assert.equal(r.status, "pass");
 * ```
 *
 * @module
 */

export {
  extractBoxed,
  extractMathAnswer,
  mathEquivalent,
  type MathValue,
  type ParsedAnswer,
  parseMath,
  parseRational,
  type Rational,
  valueEqual,
} from "./math.ts";
export { codeJob, extractCode, recordLanguage } from "./code.ts";
export {
  createSandbox,
  type IsolationOptions,
  probeSandbox,
  requireStrongIsolation,
  type RunResult,
  type RunStatus,
  type Sandbox,
  type SandboxJob,
  type SandboxLanguage,
  type SandboxOptions,
  type SandboxSetup,
} from "./sandbox.ts";
export { mapPool, type PoolOptions } from "./pool.ts";
export {
  ANSWER_CHECKERS,
  type AnswerCheck,
  checkAnswer,
  checkAnswers,
  type Checker,
  type CheckOptions,
} from "./check.ts";
export { extractChoice, extractLabel } from "./choice.ts";
export {
  type ItemResult,
  type ItemStatus,
  parsePredictions,
  type ScoreOptions,
  scorePredictions,
  type ScoreSummary,
  summarizeScores,
} from "./score.ts";
