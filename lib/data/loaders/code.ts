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
    tests: [...setup, ...tests as string[]],
    meta: { language: "python" },
  };
}

/**
 * A HumanEval row; the answer is the prompt plus the canonical solution (empty when the file
 * has none); `tests` is the test code then `check(<entry point>)`.
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
    answer: typeof r.canonical_solution === "string" ? prompt + r.canonical_solution : "",
    tests: [test, `check(${entry})`],
    meta: { language: "python", entryPoint: entry },
  };
}
