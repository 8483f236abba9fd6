/**
 * Verifiers: exact math answers, multiple-choice letters, and code run against tests in a
 * sandbox; per-format scoring of a model's predictions.
 *
 * @example Math, choice and code checks
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSandbox, extractChoice, mathEquivalent } from "./mod.ts";
 * assert.ok(mathEquivalent("\\dfrac{3}{4}", "75%"));
 * assert.equal(extractChoice("(B) Metformin", { A: "Insulin", B: "Metformin" }), "B");
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
  parseRational,
  type Rational,
} from "./math.ts";
export { extractChoice } from "./choice.ts";
export { codeJob, extractCode, recordLanguage } from "./code.ts";
export {
  createSandbox,
  probeSandbox,
  type RunResult,
  type RunStatus,
  type Sandbox,
  type SandboxJob,
  type SandboxLanguage,
  type SandboxOptions,
  type SandboxSetup,
} from "./sandbox.ts";
export { mapPool, type PoolOptions } from "./pool.ts";
export { type AnswerCheck, checkAnswers } from "./record.ts";
export {
  CODE_FORMATS,
  isCorrect,
  type ItemResult,
  type ScoreOptions,
  scorePredictions,
  TEXT_FORMATS,
} from "./score.ts";
