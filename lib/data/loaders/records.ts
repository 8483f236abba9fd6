/**
 * The toolkit's own task-record JSONL: one `JSON.stringify(record)` per line, read back with
 * every field checked.
 *
 * @module
 */

import { ANSWER_KINDS, type AnswerKind, type Domain, type TaskRecord } from "../record.ts";
import { field, RowError } from "./_rows.ts";

const DOMAINS: readonly Domain[] = ["math", "medical", "code", "reasoning", "science"];

function stringList(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.some((t) => typeof t !== "string")) {
    throw new RowError(`'${key}' must be a list of strings`);
  }
  return v;
}

/** A task record as `JSON.stringify` wrote it; `tests` are required for code answers. */
export function taskRecordRow(r: Record<string, unknown>): TaskRecord {
  const kind = r.answerKind as AnswerKind;
  if (!ANSWER_KINDS.includes(kind)) {
    throw new RowError(
      `'answerKind' must be one of ${ANSWER_KINDS.join(", ")}: current value is ${
        JSON.stringify(r.answerKind)
      }`,
    );
  }
  const domain = r.domain as Domain;
  if (!DOMAINS.includes(domain)) {
    throw new RowError(
      `'domain' must be one of ${DOMAINS.join(", ")}: current value is ${JSON.stringify(r.domain)}`,
    );
  }
  const meta = r.meta ?? {};
  if (typeof meta !== "object" || Array.isArray(meta)) {
    throw new RowError("'meta' must be an object");
  }
  let choices: Record<string, string> | undefined;
  if (r.choices !== undefined) {
    const c = r.choices;
    if (
      !c || typeof c !== "object" || Array.isArray(c) ||
      Object.values(c).some((v) => typeof v !== "string")
    ) {
      throw new RowError("'choices' must be an object of option texts");
    }
    choices = c as Record<string, string>;
  }
  const tests = r.tests === undefined ? undefined : stringList(r.tests, "tests");
  if (kind === "code" && !tests?.length) throw new RowError("a 'code' record needs 'tests'");
  if ((kind === "choice" || kind === "label") && !choices) {
    throw new RowError(`a '${kind}' record needs 'choices'`);
  }
  if (r.reasoning !== undefined && typeof r.reasoning !== "string") {
    throw new RowError("'reasoning' must be a string");
  }
  return {
    id: field(r, "id"),
    domain,
    question: field(r, "question"),
    ...(r.reasoning !== undefined ? { reasoning: r.reasoning as string } : {}),
    answer: field(r, "answer"),
    answerKind: kind,
    ...(choices ? { choices } : {}),
    ...(tests ? { tests } : {}),
    meta: meta as Record<string, unknown>,
  };
}
