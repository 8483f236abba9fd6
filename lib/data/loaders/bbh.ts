/**
 * BIG-Bench Hard task files: `{examples: [{input, target}]}`, one file per task.
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { field } from "./_rows.ts";

/** A BBH example; the id is `<task>/<0-based index>`. */
export function bbhRecord(r: Record<string, unknown>, index: number, task: string): TaskRecord {
  return {
    id: `${task}/${index}`,
    domain: "reasoning",
    question: field(r, "input"),
    answer: field(r, "target").trim(),
    meta: { task },
  };
}
