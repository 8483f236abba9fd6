/**
 * The evaluate stage: the student before (its configured folder) and after fine-tuning,
 * answering the same held-out items, per kind: accuracy with 95% Wilson intervals, the change
 * with a paired bootstrap interval, and forgetting over the two-row accuracy matrix. Held-out
 * items exclude every question of the fine-tuning dataset. Results go to
 * `eval/results.json` (each evaluation's items to `eval/SET.before.json` / `.after.json`) and
 * a terminal table to `eval/table.txt`.
 *
 * @module
 */

import {
  loadDataset,
  questionText,
  renderStudent,
  type TaskRecord,
  tasksPerKind,
} from "../data/mod.ts";
import {
  type AccuracyChange,
  averageAccuracy,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type Evaluation,
  forgetting,
  type GroupAccuracy,
} from "../eval/mod.ts";
import { type LanguageModel, loadModel } from "../model/mod.ts";
import { createRng } from "../run/mod.ts";
import { readDataset } from "../synth/mod.ts";
import type { Sandbox } from "../verify/mod.ts";
import { SET_SEEDS, type StageContext, type StageResult } from "./context.ts";
import { writeJson } from "./run_log.ts";
import { sandboxFor } from "./stage_generator.ts";

/** One evaluation set's figures (accuracies as fractions). */
export interface SetResult {
  readonly name: string;
  readonly items: number;
  readonly groups: GroupResult[];
  readonly overall: GroupResult;
  /** Per group: best earlier accuracy − final (positive: forgotten), and the mean. */
  readonly forgetting: { readonly perGroup: Record<string, number>; readonly mean: number };
  /** Mean per-group accuracy before and after. */
  readonly averageAccuracy: { readonly before: number; readonly after: number };
}

/** One group before and after. */
export interface GroupResult {
  readonly group: string;
  readonly before: Figures;
  readonly after: Figures;
  readonly delta: { readonly estimate: number; readonly low: number; readonly high: number };
}

/** A count with its accuracy and interval. */
export interface Figures {
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
}

const figures = (g: GroupAccuracy): Figures => ({
  correct: g.correct,
  total: g.total,
  accuracy: g.accuracy.estimate,
  low: g.accuracy.low,
  high: g.accuracy.high,
});

const groupResult = (c: AccuracyChange): GroupResult => ({
  group: c.group,
  before: figures(c.before),
  after: figures(c.after),
  delta: { estimate: c.delta.estimate, low: c.delta.low, high: c.delta.high },
});

/** The evaluation sets: held-out procedural items, then each loader file. */
async function evaluationSets(
  ctx: StageContext,
  seen: ReadonlySet<string>,
): Promise<{ name: string; records: TaskRecord[]; excluded: number }[]> {
  const { evaluation: e, seed } = ctx.config;
  const sets = [];
  if (e.procedural) {
    const p = e.procedural;
    const all = tasksPerKind(p.kinds, p.count, p.difficulty, SET_SEEDS.evaluation + 1000 * seed);
    const records = all.filter((r) => !seen.has(questionText(r)));
    sets.push({ name: "procedural", records, excluded: all.length - records.length });
  }
  for (const [i, f] of e.files.entries()) {
    const { records: all } = await loadDataset(f.format, f.path, { onBadRow: "skip" });
    const fresh = all.filter((r) => !seen.has(questionText(r)));
    const records = f.count === null || f.count >= fresh.length
      ? fresh
      : createRng(seed).split(`evaluation ${i}`).shuffle(fresh).slice(0, f.count);
    sets.push({ name: `${f.format}-${i}`, records, excluded: all.length - fresh.length });
  }
  return sets;
}

async function measure(
  ctx: StageContext,
  model: LanguageModel,
  records: readonly TaskRecord[],
  label: string,
  sandbox: Sandbox | undefined,
): Promise<Evaluation> {
  const t0 = performance.now();
  const r = await evaluate(model, records, {
    sandbox,
    groupBy: "meta.kind",
    maxNewTokens: ctx.config.evaluation.maxNewTokens,
  });
  ctx.log(
    `evaluate: ${label}: ${(100 * r.overall.accuracy.estimate).toFixed(1)}% of ${records.length} (${
      ((performance.now() - t0) / 1000).toFixed(1)
    }s)`,
  );
  return r;
}

/**
 * The records whose student prompt and answer fit the model's context (the tiny default student
 * holds 256 tokens; a GSM8K question can take 190), and how many did not.
 */
export function fittingRecords(
  model: LanguageModel,
  records: readonly TaskRecord[],
  maxNewTokens: number,
): { records: TaskRecord[]; tooLong: number } {
  const tok = model.tokenizer!;
  const room = model.config.maxPositionEmbeddings - maxNewTokens;
  const fit = records.filter((r) =>
    tok.encode(renderStudent(r).prompt, { addBos: true }).length <= room
  );
  return { records: fit, tooLong: records.length - fit.length };
}

/** Figures of one set from its two evaluations. */
export function setResult(
  name: string,
  before: Evaluation,
  after: Evaluation,
  options: { seed: number; resamples: number },
): SetResult {
  const changes = compareByGroup(before, after, options);
  const matrix = [
    changes.map((c) => c.before.accuracy.estimate),
    changes.map((c) => c.after.accuracy.estimate),
  ];
  const f = forgetting(matrix);
  return {
    name,
    items: before.items.length,
    groups: changes.map(groupResult),
    overall: groupResult(compareAccuracy(before, after, { ...options, name: "all" })),
    forgetting: {
      perGroup: Object.fromEntries(changes.map((c, j) => [c.group, f.perSet[j]])),
      mean: f.mean,
    },
    averageAccuracy: { before: averageAccuracy([matrix[0]]), after: averageAccuracy(matrix) },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(0)}`;

/**
 * The terminal table: per group, accuracy before and after with intervals and the change with
 * its paired interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultTable } from "./stage_evaluate.ts";
 * const f = (c: number) => ({ correct: c, total: 4, accuracy: c / 4, low: 0, high: 1 });
 * const g = { group: "add", before: f(1), after: f(3), delta: { estimate: 0.5, low: 0, high: 1 } };
 * const text = resultTable([{ name: "procedural", items: 4, groups: [g], overall: { ...g, group: "all" },
 *   forgetting: { perGroup: { add: -0.5 }, mean: -0.5 }, averageAccuracy: { before: 0.25, after: 0.75 } }]);
 * assert.match(text, /add +4 +25% \[0%, 100%\] +75% \[0%, 100%\] +\+50 \[\+0, \+100\]/);
 * ```
 */
export function resultTable(sets: readonly SetResult[]): string {
  const rows: string[][] = [[
    "set / kind",
    "n",
    "before [95% CI]",
    "after [95% CI]",
    "Δ pts [95% CI]",
  ]];
  const row = (label: string, g: GroupResult) => [
    label,
    String(g.before.total),
    `${pct(g.before.accuracy)} [${pct(g.before.low)}, ${pct(g.before.high)}]`,
    `${pct(g.after.accuracy)} [${pct(g.after.low)}, ${pct(g.after.high)}]`,
    `${signed(g.delta.estimate)} [${signed(g.delta.low)}, ${signed(g.delta.high)}]`,
  ];
  for (const s of sets) {
    for (const g of s.groups) rows.push(row(`${s.name} / ${g.group}`, g));
    rows.push(row(`${s.name} / all`, s.overall));
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const lines = rows.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const footer = sets.map((s) =>
    `${s.name}: mean per-kind accuracy ${pct(s.averageAccuracy.before)} → ${
      pct(s.averageAccuracy.after)
    }, mean forgetting ${signed(s.forgetting.mean)} pts`
  );
  return [...lines, ...footer].join("\n");
}

/** Evaluates the student before and after fine-tuning. */
export async function evaluateStage(ctx: StageContext): Promise<StageResult> {
  const c = ctx.config;
  // The student never sees the seeds (only the generator's prompts do): held out means not in
  // the data it was fine-tuned on (the question with its options: choice questions share a stem).
  const seen = new Set(
    (await readDataset(`${ctx.out}/datasets/dataset.jsonl`)).map(questionText),
  );
  const sets = await evaluationSets(ctx, seen);
  const base = await loadModel(c.models.student, ctx.runtime);
  const tuned = await loadModel(String(ctx.outputs["fine-tune"]?.student), ctx.runtime);
  const sandbox = await sandboxFor(sets.flatMap((s) => s.records), []);
  await Deno.mkdir(`${ctx.out}/eval`, { recursive: true });
  const results: SetResult[] = [];
  const tooLong: Record<string, number> = {};
  for (const s of sets) {
    const fit = fittingRecords(base, s.records, c.evaluation.maxNewTokens);
    tooLong[s.name] = fit.tooLong;
    if (fit.tooLong) {
      ctx.log(
        `evaluate: set '${s.name}': ${fit.tooLong} items left out, longer than the student's context`,
      );
    }
    s.records = fit.records;
    if (s.records.length === 0) {
      ctx.log(`evaluate: set '${s.name}' has no items left after excluding seen questions`);
      continue;
    }
    const before = await measure(ctx, base, s.records, `${s.name} before`, sandbox);
    const after = await measure(ctx, tuned, s.records, `${s.name} after`, sandbox);
    await writeJson(`${ctx.out}/eval/${s.name}.before.json`, before);
    await writeJson(`${ctx.out}/eval/${s.name}.after.json`, after);
    results.push(
      setResult(s.name, before, after, { seed: c.seed, resamples: c.evaluation.resamples }),
    );
  }
  const excluded = Object.fromEntries(sets.map((s) => [s.name, s.excluded]));
  await writeJson(`${ctx.out}/eval/results.json`, { sets: results, excluded, tooLong });
  const table = resultTable(results);
  await Deno.writeTextFile(`${ctx.out}/eval/table.txt`, table + "\n");
  return {
    outputs: {
      results: "eval/results.json",
      table: "eval/table.txt",
      overall: Object.fromEntries(
        results.map((
          r,
        ) => [r.name, { before: r.overall.before.accuracy, after: r.overall.after.accuracy }]),
      ),
    },
  };
}
