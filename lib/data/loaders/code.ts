/**
 * Code formats: MBPP JSONL (`{text, code, task_id, test_list}`, Python asserts) and HumanEval
 * JSONL (`{task_id, prompt, entry_point, test, canonical_solution?}`, plain or gzipped).
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { field, RowError, rowId } from "./_rows.ts";
import { joinCompletion } from "../../text/mod.ts";

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
