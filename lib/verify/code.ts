/**
 * Code answers: the program a model's free text contains, and the sandbox job that runs it
 * against a record's tests.
 *
 * @module
 */

import { joinCompletion } from "../data/loaders/code.ts";
import type { TaskRecord } from "../data/record.ts";
import type { SandboxJob, SandboxLanguage } from "./sandbox.ts";

/**
 * The program in a model's answer: the fenced code block (the first one that defines something
 * when there are several), else the whole text.
 *
 * @example
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

/** The language a record's tests are written in (`meta.language`, Python by default). */
export function recordLanguage(record: TaskRecord): SandboxLanguage {
  const lang = String(record.meta.language ?? "python").toLowerCase();
  return lang === "typescript" || lang === "javascript" ? "typescript" : "python";
}

/**
 * The sandbox job that checks `prediction` against `record`'s tests. For HumanEval records (with
 * `meta.entryPoint`), a completion that does not define the entry point is appended to the
 * prompt, as HumanEval completions are, re-indented to the prompt's body when it differs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codeJob } from "./code.ts";
 * const rec = {
 *   id: "1", domain: "code" as const, question: "Add.", answer: "", meta: {},
 *   tests: ["assert add(1, 2) == 3"],
 * };
 * assert.deepEqual(codeJob(rec, "def add(a, b): return a + b"), {
 *   language: "python", program: "def add(a, b): return a + b", tests: "assert add(1, 2) == 3",
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
  return { language: recordLanguage(record), program, tests: record.tests.join("\n") };
}
