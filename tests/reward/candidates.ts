/** Candidates for the reward tests, built the way the generator's texts are read back. */

import type { Candidate } from "../../lib/acquire/mod.ts";
import {
  type Domain,
  renderGenerator,
  renderTags,
  taskFromTags,
  type TaskRecord,
} from "../../lib/data/mod.ts";

/** A candidate from a generated text, read with `taskFromTags` (record null when it fails). */
export function candidate(
  text: string,
  domain: Domain,
  meta: Record<string, unknown> = {},
): Candidate {
  const r = taskFromTags(text, { domain, meta });
  return { text, record: r.ok ? r.record : null };
}

/** A procedural record as the generator would write it (tests included for code). */
export function fromRecord(record: TaskRecord, meta: Record<string, unknown> = {}): Candidate {
  const text = record.tests
    ? renderTags({
      question: record.question,
      reasoning: record.reasoning ?? "",
      answer: record.answer,
      tests: record.tests,
    })
    : renderGenerator(record);
  return candidate(text, record.domain, meta);
}
