/**
 * A synthesised data set on disk: JSONL of task records, one `JSON.stringify(record)` per line,
 * written atomically (a temporary file beside it, then a rename, so a reader never sees half a
 * file) and read back with every field checked by the data layer's `records` loader.
 *
 * @module
 */

import { dirname } from "node:path";
import { loadDataset, type TaskRecord } from "../data/mod.ts";

/**
 * Writes `records` to `path` as JSONL, atomically; the folder is created when missing.
 *
 * @example A round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDataset, writeDataset } from "./dataset.ts";
 * const dir = await Deno.makeTempDir();
 * const rec = { id: "synth-1-0", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: { provenance: { seed: 1 } } };
 * await writeDataset(`${dir}/data/train.jsonl`, [rec]);
 * assert.deepEqual(await readDataset(`${dir}/data/train.jsonl`), [rec]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeDataset(path: string, records: readonly TaskRecord[]): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const text = records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`Cannot write dataset ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads a JSONL file of task records; a malformed row stops it with an error naming the file and
 * the line (`Cannot load task records: line 2 of FILE: missing field 'answer'`). An empty file is
 * an empty data set.
 *
 * @example A bad line is named
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDataset } from "./dataset.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"id":"a","domain":"math","question":"1+1?","answer":"2","answerKind":"number"}\n{oops\n');
 * await assert.rejects(() => readDataset(path), /line 2 of .*\.jsonl/);
 * await Deno.remove(path);
 * ```
 */
export async function readDataset(path: string): Promise<TaskRecord[]> {
  const text = await Deno.readTextFile(path).catch((e) => {
    throw new Error(`Cannot read dataset ${path}: ${(e as Error).message}`);
  });
  if (text.trim() === "") return [];
  return (await loadDataset("records", path)).records;
}
