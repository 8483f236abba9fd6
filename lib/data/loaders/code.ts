/**
 * Code formats: MBPP JSONL (`{text, code, task_id, test_list}`, Python asserts) and HumanEval
 * JSONL (`{task_id, prompt, entry_point, test, canonical_solution?}`, plain or gzipped).
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { field, RowError, rowId } from "./_rows.ts";

/** An MBPP row; `tests` holds the setup code (if any) then each assert. */
export function mbppRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const tests = r.test_list;
  if (!Array.isArray(tests) || tests.length === 0 || tests.some((t) => typeof t !== "string")) {
    throw new RowError("'test_list' must be a non-empty list of strings");
  }
  const setup = typeof r.test_setup_code === "string" && r.test_setup_code.trim()
    ? [r.test_setup_code]
    : [];
  return {
    id: rowId(r, ["task_id"], line),
    domain: "code",
    question: field(r, "text"),
    answer: field(r, "code"),
    answerKind: "code",
    tests: [...setup, ...tests as string[]],
    meta: { language: "python" },
  };
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
 * A HumanEval-style prompt with a completion (a function body) appended. The body is re-indented
 * to the prompt's own body indentation when they differ (the sanitised MBPP in HumanEval format
 * indents solutions by 2, 4 or 8 spaces or tabs under a 4-space docstring), shifting every
 * indented line by the same amount so the body's structure is kept; tabs become spaces first.
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
  // After a bare `def ...:` line the body goes one level (4 columns) deeper; after a docstring
  // it lines up with the docstring.
  const target = last.trimEnd().endsWith(":") ? indentWidth(last) + 4 : indentWidth(last);
  const lines = completion.split("\n");
  // Comments say nothing about the body's indentation (a solution may open with one at column 0).
  const code = (l: string) => l.trim() !== "" && !l.trim().startsWith("#");
  const first = lines.find(code);
  const from = first === undefined ? 0 : indentWidth(first);
  if (from === 0 || (from === target && !/^ *\t/m.test(completion))) return prompt + completion;
  // Only the body is shifted: from the first line of code back at column 0 (a helper function
  // after the body) the text keeps its own indentation.
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

/** Standard modules a test may use without importing them (MBPP's lost `test_imports`). */
const TEST_MODULES = ["math", "re", "collections", "itertools", "heapq", "sys"];

/** `import` lines for the standard modules a test uses as `module.` but never imports. */
function testImports(test: string): string {
  return TEST_MODULES.filter((m) =>
    new RegExp(`(^|[^\\w.])${m}\\.`).test(test) &&
    !new RegExp(`^\\s*(import|from)\\s+${m}\\b`, "m").test(test)
  ).map((m) => `import ${m}\n`).join("");
}

/** The name the harness gives HumanEval's `check`, so a solution's own `check` is not shadowed. */
const CHECK = "_acqsynth_check";

/**
 * A HumanEval row; the answer is the prompt plus the canonical solution (empty when the file
 * has none; see {@link joinCompletion}); `tests` is the test code then the call of its check
 * function on the entry point. The test's `def check(candidate)` is renamed, because some
 * solutions define a `check` of their own that the test would otherwise replace; standard
 * modules the test uses without importing (`math.isclose`) are imported before it.
 */
export function humanevalRecord(r: Record<string, unknown>, line: number): TaskRecord {
  const prompt = field(r, "prompt"),
    entry = field(r, "entry_point").trim(),
    test = field(r, "test");
  if (!/^[A-Za-z_]\w*$/.test(entry)) {
    throw new RowError(`'entry_point' must be a Python name: current value is '${entry}'`);
  }
  return {
    id: rowId(r, ["task_id"], line),
    domain: "code",
    question: prompt,
    answer: typeof r.canonical_solution === "string"
      ? joinCompletion(prompt, r.canonical_solution)
      : "",
    answerKind: "code",
    tests: [
      testImports(test) + test.replace(/^def check\(/m, `def ${CHECK}(`),
      `${CHECK}(${entry})`,
    ],
    meta: { language: "python", entryPoint: entry },
  };
}
