/**
 * Scoring a file of predictions (by record id) against a data set with the one answer checker,
 * and the counts a report needs: accuracy over the whole set and over the predicted items.
 *
 * @module
 */

import type { TaskRecord } from "../data/record.ts";
import { checkAnswers } from "./check.ts";
import { createSandbox, type RunStatus, type Sandbox } from "./sandbox.ts";

/**
 * How one item ended: text answers are `correct`, `wrong` or `unanswered` (no answer could be
 * read); code answers carry the run's status (`pass`, `fail`, `timeout`, `error`); an item with
 * no prediction is `missing`.
 */
export type ItemStatus = "correct" | "wrong" | "unanswered" | "missing" | RunStatus;

/** The verdict on one item. */
export interface ItemResult {
  readonly id: string;
  readonly correct: boolean;
  readonly status: ItemStatus;
  /** The gold answer (for code: the reference program). */
  readonly gold: string;
  /** The prediction; absent when there was none. */
  readonly prediction?: string;
  /** Present (true) when the item had no prediction. */
  readonly missing?: true;
  /** Text answers: what was read from the prediction (null: nothing could be read). */
  readonly extracted?: string | null;
  /** Code answers: the end of stderr, when the run did not pass. */
  readonly stderr?: string;
}

/** Options of {@link scorePredictions}. */
export interface ScoreOptions {
  /** The sandbox for code answers; one is created (two workers) when needed and absent. */
  readonly sandbox?: Sandbox;
  /** Called as code items finish: done so far and total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Scores predictions (by record id) against records with {@link checkAnswers}: each record by
 * its answer kind, code in the sandbox. A record with no prediction is `missing` (wrong).
 *
 * @example Two GSM8K-style items, one right, and one with no prediction
 * ```ts
 * import assert from "node:assert/strict";
 * import { scorePredictions } from "./score.ts";
 * const rec = (id: string, answer: string) =>
 *   ({ id, domain: "math" as const, question: "?", answer, answerKind: "number" as const, meta: {} });
 * const results = await scorePredictions([rec("a", "12"), rec("b", "7"), rec("c", "1")],
 *   new Map([["a", "So 3 * 4 = 12.\n#### 12"], ["b", "The answer is 8."]]));
 * assert.deepEqual(results.map((r) => r.status), ["correct", "wrong", "missing"]);
 * ```
 */
export async function scorePredictions(
  records: readonly TaskRecord[],
  predictions: ReadonlyMap<string, string>,
  options: ScoreOptions = {},
): Promise<ItemResult[]> {
  const predicted = records.filter((r) => predictions.has(r.id));
  const texts = predicted.map((r) => predictions.get(r.id)!);
  const needsSandbox = predicted.some((r) => r.answerKind === "code");
  const sandbox = needsSandbox ? options.sandbox ?? await createSandbox() : undefined;
  const checks = await checkAnswers(predicted, texts, sandbox, { onProgress: options.onProgress });
  const byId = new Map(predicted.map((r, i) => [r.id, { check: checks[i], text: texts[i] }]));
  return records.map((r): ItemResult => {
    const got = byId.get(r.id);
    if (!got) return { id: r.id, correct: false, status: "missing", gold: r.answer, missing: true };
    const { check, text } = got;
    const status: ItemStatus = check.status ??
      (check.correct ? "correct" : check.extracted === null ? "unanswered" : "wrong");
    return {
      id: r.id,
      correct: check.correct,
      status,
      gold: r.answer,
      prediction: text,
      ...(check.extracted !== undefined ? { extracted: check.extracted } : {}),
      ...(check.stderr !== undefined ? { stderr: check.stderr } : {}),
    };
  });
}

/** Counts over scored items. */
export interface ScoreSummary {
  /** Items in the data set. */
  readonly total: number;
  /** Items with a prediction. */
  readonly predicted: number;
  readonly correct: number;
  /** `correct / total` (missing predictions count as wrong); 0 for an empty set. */
  readonly accuracy: number;
  /** `correct / predicted`; 0 when nothing was predicted. */
  readonly predictedAccuracy: number;
  /** Items per status. */
  readonly byStatus: Readonly<Partial<Record<ItemStatus, number>>>;
}

/**
 * The counts of scored items: accuracy over the whole set and over the predicted items.
 *
 * @example One right, one missing
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeScores } from "./score.ts";
 * const s = summarizeScores([
 *   { id: "a", correct: true, status: "correct", gold: "1", prediction: "1" },
 *   { id: "b", correct: false, status: "missing", gold: "2", missing: true },
 * ]);
 * assert.deepEqual([s.accuracy, s.predictedAccuracy, s.byStatus], [0.5, 1, { correct: 1, missing: 1 }]);
 * ```
 */
export function summarizeScores(results: readonly ItemResult[]): ScoreSummary {
  const byStatus: Partial<Record<ItemStatus, number>> = {};
  let correct = 0, predicted = 0;
  for (const r of results) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.correct) correct++;
    if (!r.missing) predicted++;
  }
  return {
    total: results.length,
    predicted,
    correct,
    accuracy: results.length ? correct / results.length : 0,
    predictedAccuracy: predicted ? correct / predicted : 0,
    byStatus,
  };
}

/**
 * Reads a predictions JSONL text (`{"id": …, "prediction": "…"}` per line; blank lines are
 * passed over) into a map by id. Throws a RangeError naming `file` and the line for a line that
 * is not JSON or lacks `id` or a string `prediction`, naming the ids given more than once, or
 * saying the file holds no predictions.
 *
 * @example Ids as strings, repeated ids refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePredictions } from "./score.ts";
 * const p = parsePredictions('{"id": 3, "prediction": "7"}\n\n{"id": "a", "prediction": "x"}\n', "p.jsonl");
 * assert.deepEqual([...p], [["3", "7"], ["a", "x"]]);
 * assert.throws(() => parsePredictions('{"id": 1, "prediction": "2"}\n{"id": 1, "prediction": "3"}', "p.jsonl"),
 *   /p\.jsonl: id '1' appears more than once \(lines 1, 2\)/);
 * assert.throws(() => parsePredictions("\n", "p.jsonl"), /p\.jsonl holds no predictions/);
 * ```
 */
export function parsePredictions(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>(), lines = new Map<string, number[]>();
  text.split("\n").forEach((raw, k) => {
    if (!raw.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      throw new RangeError(`${file} line ${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    const r = (row && typeof row === "object" && !Array.isArray(row) ? row : {}) as {
      id?: unknown;
      prediction?: unknown;
    };
    if (
      (typeof r.id !== "string" && typeof r.id !== "number") || typeof r.prediction !== "string"
    ) {
      throw new RangeError(
        `${file} line ${k + 1}: needs 'id' (a string or number) and a string 'prediction'`,
      );
    }
    const id = String(r.id);
    out.set(id, r.prediction);
    lines.set(id, [...lines.get(id) ?? [], k + 1]);
  });
  if (out.size === 0) throw new RangeError(`${file} holds no predictions`);
  const repeated = [...lines].filter(([, at]) => at.length > 1);
  if (repeated.length) {
    const shown = repeated.slice(0, 5).map(([id, at]) =>
      `id '${id}' appears more than once (lines ${at.join(", ")})`
    );
    const more = repeated.length > 5 ? ` and ${repeated.length - 5} more repeated ids` : "";
    throw new RangeError(`${file}: ${shown.join("; ")}${more}`);
  }
  return out;
}
