/**
 * The seed stage: the seed tasks the generator's prompts are built from, from the embedded
 * procedural families or a public data set through its loader, written to `datasets/seeds.jsonl`.
 *
 * @module
 */

import { loadDataset, solveProcedural, type TaskRecord, tasksPerKind } from "../data/mod.ts";
import { createRng } from "../run/mod.ts";
import { writeDataset } from "../synth/mod.ts";
import { countBy, SET_SEEDS, type StageContext, type StageResult } from "./context.ts";

/**
 * The kind of a record for per-kind counts: `meta.kind`, else the procedural template its
 * question matches (generated tasks carry no kind), else its domain.
 */
export function kindOf(r: TaskRecord): string {
  if (typeof r.meta.kind === "string") return r.meta.kind;
  return solveProcedural(r.question, r.choices ? { choices: r.choices } : {})?.kind ?? r.domain;
}

/** The seed records the config describes. */
export async function seedRecords(ctx: StageContext): Promise<TaskRecord[]> {
  const { seeds: s, seed } = ctx.config;
  if (s.source === "procedural") {
    return tasksPerKind(s.kinds, s.count, s.difficulty, SET_SEEDS.seeds + 1000 * seed);
  }
  const { records, skipped } = await loadDataset(s.source, s.path, { onBadRow: "skip" });
  if (skipped.length) {
    ctx.log(
      `seed: skipped ${skipped.length} bad rows of ${s.path} (first: line ${skipped[0].line}: ${
        skipped[0].reason
      })`,
    );
  }
  if (s.count === null || s.count >= records.length) return records;
  return createRng(seed).split("seeds").shuffle(records).slice(0, s.count);
}

/** Writes the seed tasks. */
export async function seedStage(ctx: StageContext): Promise<StageResult> {
  const records = await seedRecords(ctx);
  if (records.length === 0) {
    throw new RangeError(`Cannot seed the run: 'seeds' gives no records`);
  }
  await Deno.mkdir(`${ctx.out}/datasets`, { recursive: true });
  await writeDataset(`${ctx.out}/datasets/seeds.jsonl`, records);
  const kinds = countBy(records, kindOf);
  ctx.log(`seed: ${records.length} seed tasks (${Object.keys(kinds).length} kinds)`);
  return { outputs: { seeds: "datasets/seeds.jsonl", count: records.length, kinds } };
}
