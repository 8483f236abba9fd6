/**
 * Code answers: the program a model's free text contains, and the sandbox job that runs it
 * against a record's tests (judged outside the candidate; see sandbox.ts).
 *
 * @module
 */

import type { TaskRecord } from "../data/record.ts";
import type { SandboxJob, SandboxLanguage } from "./sandbox.ts";

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

/** Leading whitespace width with tabs to the next multiple of 8, as Python reads it. */
function indentWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    if (ch === " ") w++;
    else if (ch === "\t") w = (Math.floor(w / 8) + 1) * 8;
    else break;
  }
  return w;
}

/**
 * A HumanEval-style prompt with a completion (a function body) appended, the body re-indented
 * to the prompt's body indentation where they differ (every indented line shifted by the same
 * amount, so its structure is kept; from the first line back at column 0, a helper after the
 * body, the text is left as it is). The same rule as the HumanEval loader's, kept here because
 * `verify` imports nothing from `data` but the record type.
 *
 * @example A 2-space body under a 4-space docstring
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinCompletion } from "./code.ts";
 * const prompt = "def f(x):\n    '''Twice x.'''\n";
 * assert.equal(
 *   joinCompletion(prompt, "  if x:\n    return 2 * x\n  return 0\n"),
 *   prompt + "    if x:\n      return 2 * x\n    return 0\n",
 * );
 * ```
 */
export function joinCompletion(prompt: string, completion: string): string {
  const promptLines = prompt.split("\n").filter((l) => l.trim());
  const last = promptLines[promptLines.length - 1] ?? "";
  const target = last.trimEnd().endsWith(":") ? indentWidth(last) + 4 : indentWidth(last);
  const lines = completion.split("\n");
  const code = (l: string) => l.trim() !== "" && !l.trim().startsWith("#");
  const first = lines.find(code);
  const from = first === undefined ? 0 : indentWidth(first);
  if (from === 0 || (from === target && !/^ *\t/m.test(completion))) return prompt + completion;
  let inBody = true;
  const shifted = lines.map((l) => {
    if (!inBody || !code(l)) return l;
    const w = indentWidth(l);
    if (w === 0) {
      inBody = false;
      return l;
    }
    return " ".repeat(Math.max(0, w - from + target)) + l.replace(/^[ \t]*/, "");
  });
  return prompt + shifted.join("\n");
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
