/**
 * Code answers: the program a model's free text contains, and the sandbox job that runs it
 * against a record's tests (judged outside the candidate; see sandbox.ts).
 *
 * @module
 */

import type { TaskRecord } from "../data/record.ts";
import type { SandboxJob, SandboxLanguage } from "./sandbox.ts";
import { joinCompletion } from "../text/mod.ts";

/**
 * The program in a model's answer: the fenced code block (the first one that defines something
 * when there are several), else the whole text.
 *
 * @example A fenced program and a bare one
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractCode } from "./code.ts";
 * const fence = "`".repeat(3);
 * const text = `Here it is:\n${fence}python\ndef f(x):\n    return x\n${fence}\nDone.`;
 * assert.equal(extractCode(text), "def f(x):\n    return x\n");
 * assert.equal(extractCode("def g(): pass"), "def g(): pass");
 * ```
 */
export function extractCode(text: string): string {
  const blocks = [...text.matchAll(/```[\w+-]*[^\S\n]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length === 0) return text;
  return blocks.find((b) => /\b(def|function|class|const|let)\b/.test(b)) ?? blocks[0];
}

/**
 * The language a record's tests are written in (`meta.language`, Python by default).
 *
 * @example A procedural TypeScript task and an MBPP one
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordLanguage } from "./code.ts";
 * const rec = (meta: Record<string, unknown>) =>
 *   ({ id: "1", domain: "code" as const, answerKind: "code" as const, question: "", answer: "", meta });
 * assert.equal(recordLanguage(rec({ language: "typescript" })), "typescript");
 * assert.equal(recordLanguage(rec({})), "python");
 * ```
 */
export function recordLanguage(record: TaskRecord): SandboxLanguage {
  const lang = String(record.meta.language ?? "python").toLowerCase();
  return lang === "typescript" || lang === "javascript" ? "typescript" : "python";
}

/** The top-level functions and classes a reference Python program defines. */
function definedNames(program: string): string[] {
  return [...program.matchAll(/^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]);
}

/**
 * The sandbox job that checks `prediction` against `record`'s tests. For HumanEval records (with
 * `meta.entryPoint`), a completion that does not define the entry point is appended to the
 * prompt, as HumanEval completions are. The job names the functions under test (the entry point
 * and what the reference program defines at top level: some tests call a helper too), and only
 * those come from the candidate, even where they shadow a builtin (MBPP has a `sum`); every
 * other builtin and module the tests use is the judge's own.
 *
 * @example An MBPP-style record and a candidate program
 * ```ts
 * import assert from "node:assert/strict";
 * import { codeJob } from "./code.ts";
 * const rec = {
 *   id: "1", domain: "code" as const, question: "Add.", answer: "def add(a, b): return a + b",
 *   answerKind: "code" as const,
 *   meta: {}, tests: ["assert add(1, 2) == 3"],
 * };
 * assert.deepEqual(codeJob(rec, "def add(a, b): return b + a"), {
 *   language: "python", program: "def add(a, b): return b + a", tests: "assert add(1, 2) == 3",
 *   names: ["add"],
 * });
 * ```
 */
export function codeJob(record: TaskRecord, prediction: string): SandboxJob {
  if (!record.tests?.length) {
    throw new Error(`Cannot check code for record '${record.id}': it has no tests`);
  }
  let program = extractCode(prediction);
  const entry = record.meta.entryPoint;
  if (typeof entry === "string" && !new RegExp(`\\bdef\\s+${entry}\\s*\\(`).test(program)) {
    program = joinCompletion(record.question, program);
  }
  const language = recordLanguage(record);
  const names = [
    ...new Set([...(typeof entry === "string" ? [entry] : []), ...definedNames(record.answer)]),
  ];
  return {
    language,
    program,
    tests: record.tests.join("\n"),
    ...(language === "python" ? { names } : {}),
  };
}
