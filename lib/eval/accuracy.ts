/**
 * Accuracy of a model over task records: greedy answers to each record's prompt, checked by the
 * verifiers (code in the sandbox), counted per group of any record field (kind, difficulty,
 * domain) with 95% Wilson intervals; and the change between two evaluations of the same items
 * with paired bootstrap intervals.
 *
 * @module
 */

import { renderStudent, type TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import { sample } from "../sample/mod.ts";
import { checkAnswers, type RunStatus, type Sandbox } from "../verify/mod.ts";
import { type BootstrapOptions, type Interval, pairedDelta, wilsonInterval } from "./intervals.ts";

/** Accuracy of one group of items. */
export interface GroupAccuracy {
  /** The group's value of the `groupBy` field ("all" for the whole set). */
  readonly group: string;
  readonly correct: number;
  readonly total: number;
  /** correct / total, with its 95% Wilson interval. */
  readonly accuracy: Interval;
}

/** The verdict on one item. */
export interface ItemResult {
  readonly id: string;
  readonly group: string;
  readonly correct: boolean;
  /** Code: how the run ended. */
  readonly status?: RunStatus;
  /** The model's answer. */
  readonly text: string;
}

/** An evaluation: every item's verdict, accuracy per group and overall. */
export interface Evaluation {
  readonly items: ItemResult[];
  /** In order of first appearance in the records. */
  readonly groups: GroupAccuracy[];
  readonly overall: GroupAccuracy;
}

/**
 * The value at a dotted `path` of a record as a group name (`"meta.kind"`, `"domain"`,
 * `"meta.difficulty"`); a missing value is `"(none)"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fieldValue } from "./accuracy.ts";
 * const r = { id: "1", domain: "math" as const, question: "?", answer: "1", answerKind: "number" as const,
 *   meta: { difficulty: 2 } };
 * assert.equal(fieldValue(r, "meta.difficulty"), "2");
 * assert.equal(fieldValue(r, "domain"), "math");
 * assert.equal(fieldValue(r, "meta.kind"), "(none)");
 * ```
 */
export function fieldValue(record: TaskRecord, path: string): string {
  let v: unknown = record;
  for (const key of path.split(".")) {
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v === undefined || v === null ? "(none)" : String(v);
}

function groupAccuracy(group: string, verdicts: readonly boolean[]): GroupAccuracy {
  const correct = verdicts.filter(Boolean).length;
  return {
    group,
    correct,
    total: verdicts.length,
    accuracy: wilsonInterval(correct, verdicts.length),
  };
}

/**
 * Accuracy per value of `groupBy` and overall, from one verdict per record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyByGroup } from "./accuracy.ts";
 * const rec = (kind: string) => ({ id: kind, domain: "math" as const, question: "?", answer: "1",
 *   answerKind: "number" as const, meta: { kind } });
 * const r = accuracyByGroup([rec("add"), rec("add"), rec("sub")], [true, false, true], "meta.kind");
 * assert.deepEqual(r.groups.map((g) => [g.group, g.correct, g.total]), [["add", 1, 2], ["sub", 1, 1]]);
 * assert.equal(r.overall.accuracy.estimate, 2 / 3);
 * ```
 */
export function accuracyByGroup(
  records: readonly TaskRecord[],
  verdicts: readonly boolean[],
  groupBy: string,
): { groups: GroupAccuracy[]; overall: GroupAccuracy } {
  if (records.length !== verdicts.length) {
    throw new RangeError(
      `Cannot count accuracy: ${records.length} records but ${verdicts.length} verdicts`,
    );
  }
  const byGroup = new Map<string, boolean[]>();
  records.forEach((r, i) => {
    const g = fieldValue(r, groupBy);
    byGroup.set(g, [...(byGroup.get(g) ?? []), verdicts[i]]);
  });
  return {
    groups: [...byGroup].map(([g, v]) => groupAccuracy(g, v)),
    overall: groupAccuracy("all", verdicts),
  };
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Dotted path of the record field to group by. @default "meta.kind" */
  readonly groupBy?: string;
  /** Runs code answers; needed when any record has tests. */
  readonly sandbox?: Sandbox;
  /** Longest answer in tokens. @default 96 */
  readonly maxNewTokens?: number;
  /** Prompts per sampling batch. @default 64 */
  readonly batchSize?: number;
  /** The prompt of a record. @default the student's `Q: … A:` format (`renderStudent`) */
  readonly prompt?: (record: TaskRecord) => string;
  /** Where an answer ends (besides EOS). @default ["\nQ:"] */
  readonly stop?: readonly string[];
  /** Told after each batch is answered (progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Answers every record greedily (temperature 0, so the figures are reproducible), checks the
 * answers with the verifiers and counts accuracy per group.
 *
 * @example Accuracy of the default student per difficulty (needs the shipped model)
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks } from "../data/mod.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { evaluate } from "./accuracy.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const records = generateTasks({ family: "arithmetic", kinds: ["mul"], count: 4, seed: 1 });
 * const r = await evaluate(model, records, { groupBy: "meta.difficulty" });
 * assert.equal(r.overall.total, 4);
 * assert.deepEqual(r.groups.map((g) => g.group), ["1"]);
 * ```
 */
export async function evaluate(
  model: LanguageModel,
  records: readonly TaskRecord[],
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const {
    groupBy = "meta.kind",
    sandbox,
    maxNewTokens = 96,
    batchSize = 64,
    prompt = (r: TaskRecord) => renderStudent(r).prompt,
    stop = ["\nQ:"],
    onProgress,
  } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(
      `Cannot evaluate: 'batchSize' must be an integer ≥ 1: current value is ${batchSize}`,
    );
  }
  const texts: string[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const chunk = records.slice(i, i + batchSize);
    const out = await sample(model, chunk.map(prompt), {
      temperature: 0,
      maxNewTokens,
      stop: [...stop],
    });
    texts.push(...out.map((o) => o.text));
    onProgress?.(texts.length, records.length);
  }
  const checks = await checkAnswers(records, texts, sandbox);
  const items = records.map((r, i) => ({
    id: r.id,
    group: fieldValue(r, groupBy),
    correct: checks[i].correct,
    ...(checks[i].status ? { status: checks[i].status } : {}),
    text: texts[i],
  }));
  return { items, ...accuracyByGroup(records, checks.map((c) => c.correct), groupBy) };
}

/** One group before and after, and the change with its paired interval. */
export interface AccuracyChange {
  readonly group: string;
  readonly before: GroupAccuracy;
  readonly after: GroupAccuracy;
  /** after − before accuracy on the same items, with a paired bootstrap interval. */
  readonly delta: Interval;
}

/**
 * The change of accuracy between two evaluations of the same items (same ids, same order),
 * pooled over the items of `groups` (all items when left out) and named `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareAccuracy } from "./accuracy.ts";
 * const ev = (c: boolean[]) => ({
 *   items: c.map((correct, i) => ({ id: String(i), group: i < 2 ? "a" : "b", correct, text: "" })),
 *   groups: [], overall: { group: "all", correct: 0, total: 0, accuracy: { estimate: 0, low: 0, high: 1 } },
 * });
 * const d = compareAccuracy(ev([false, false, true, true]), ev([true, true, true, false]), { groups: ["a"] });
 * assert.deepEqual([d.before.correct, d.after.correct, d.delta.estimate], [0, 2, 1]);
 * ```
 */
export function compareAccuracy(
  before: Evaluation,
  after: Evaluation,
  options: BootstrapOptions & { groups?: readonly string[]; name?: string } = {},
): AccuracyChange {
  const { groups, name = groups ? groups.join("+") : "all", ...boot } = options;
  if (
    before.items.length !== after.items.length ||
    before.items.some((it, i) => it.id !== after.items[i].id)
  ) {
    throw new RangeError(
      "Cannot compare evaluations: 'after' must hold the same items as 'before', in the same order",
    );
  }
  const keep = before.items.map((it, i) => (!groups || groups.includes(it.group) ? i : -1))
    .filter((i) => i >= 0);
  if (keep.length === 0) {
    throw new RangeError(
      `Cannot compare evaluations: no item is in 'groups': current value is ${
        JSON.stringify(groups)
      }`,
    );
  }
  const b = keep.map((i) => before.items[i].correct), a = keep.map((i) => after.items[i].correct);
  return {
    group: name,
    before: groupAccuracy(name, b),
    after: groupAccuracy(name, a),
    delta: pairedDelta(b, a, boot),
  };
}

/**
 * The change of every group between two evaluations of the same items, in `before`'s group
 * order, each with its own paired interval (seeds differ per group, derived from `seed`).
 */
export function compareByGroup(
  before: Evaluation,
  after: Evaluation,
  options: BootstrapOptions = {},
): AccuracyChange[] {
  const { seed = 0 } = options;
  return before.groups.map((g, k) =>
    compareAccuracy(before, after, {
      ...options,
      seed: seed + k + 1,
      groups: [g.group],
      name: g.group,
    })
  );
}
