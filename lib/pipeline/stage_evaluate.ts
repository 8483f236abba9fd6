/**
 * The evaluate stage: the student before (its configured folder) and after fine-tuning,
 * answering the same held-out items, per kind: accuracy with 95% Wilson intervals, the change
 * with a paired bootstrap interval; and the accuracy matrix (rows = stages, columns = each
 * procedural kind, each loader file and each cross-domain probe, BBH and MMLU-STEM) with
 * average accuracy, forgetting, backward and forward transfer, each with a bootstrap interval.
 * Held-out items exclude every question of the fine-tuning dataset. Results go to
 * `eval/results.json` (each evaluation's items to `eval/SET.before.json` / `.after.json`), the
 * matrix to `eval/matrix.json` and a terminal table to `eval/table.txt`.
 *
 * @module
 */

import {
  loadDataset,
  questionText,
  renderStudent,
  TASK_KINDS,
  type TaskFamily,
  type TaskRecord,
  tasksPerKind,
} from "../data/mod.ts";
import {
  accuracyByGroup,
  type AccuracyChange,
  accuracyMatrix,
  averageAccuracy,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type Evaluation,
  forgetting,
  type GroupAccuracy,
  type ItemResult,
  type StageMatrix,
} from "../eval/mod.ts";
import { type LanguageModel, loadModel } from "../model/mod.ts";
import { createRng, type JsonValue } from "../run/mod.ts";
import { readDataset } from "../synth/mod.ts";
import type { Sandbox } from "../verify/mod.ts";
import { SET_SEEDS, type StageContext, type StageResult } from "./context.ts";
import { cachedRunResult, modelFingerprint } from "./cache.ts";
import { writeJson } from "./run_log.ts";
import { sandboxFor } from "./stage_generator.ts";
import { kindOf } from "./stage_seed.ts";

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

/** Where the matrix takes a set's columns from: one per group (kind), or the set as one. */
type ColumnsOf = "groups" | "whole";

/** One evaluation set: its candidate items (before leaving out the dataset's questions). */
interface EvalSet {
  readonly name: string;
  readonly records: TaskRecord[];
  /** Record field the set's figures are grouped by. */
  readonly groupBy: string;
  readonly columns: ColumnsOf;
  /** Items already known too long for the student's context (probes are drawn among those that fit). */
  readonly tooLong?: number;
}

/** The probes: name, file or folder under the probe folder, loader format, config field. */
const PROBES = Object.freeze(
  [
    { name: "bbh", path: "bbh", format: "bbh", field: "bbh" },
    { name: "mmlu-stem", path: "mmlu_stem_test.jsonl", format: "mmlu", field: "mmluStem" },
  ] as const,
);

/**
 * The default probe folder: `$ACQSYNTH_SHARED_DATA/probes`, else `../shared/data/probes` beside
 * the repository (where tests/shared_data.ts looks too).
 */
export function defaultProbeFolder(): string {
  const shared = Deno.env.get("ACQSYNTH_SHARED_DATA") ??
    new URL("../../../shared/data/", import.meta.url).pathname;
  return `${shared.replace(/\/$/, "")}/probes`;
}

/**
 * `count` records drawn (seeded) from `all` among those that fit the model's context, and how
 * many drawn items were passed over as too long (tokenizing lazily: a probe file holds thousands).
 */
function drawFitting(
  model: LanguageModel,
  all: readonly TaskRecord[],
  count: number,
  maxNewTokens: number,
  rng: ReturnType<typeof createRng>,
): { records: TaskRecord[]; tooLong: number } {
  const records: TaskRecord[] = [];
  let tooLong = 0;
  for (const r of rng.shuffle(all)) {
    if (records.length >= count) break;
    if (fittingRecords(model, [r], maxNewTokens).tooLong) tooLong++;
    else records.push(r);
  }
  return { records, tooLong };
}

/** The probe sets the config asks for; a missing probe folder or file is logged and skipped. */
async function probeSets(ctx: StageContext, model: LanguageModel): Promise<EvalSet[]> {
  const { probes, maxNewTokens } = ctx.config.evaluation;
  const wanted = PROBES.filter((p) => probes[p.field] > 0);
  if (wanted.length === 0) return [];
  const folder = probes.folder ?? defaultProbeFolder();
  const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
  if (!(await exists(folder))) {
    ctx.log(
      `evaluate: probes ${
        wanted.map((p) => p.name).join(", ")
      } skipped: the probe folder ${folder} ` +
        "does not exist (set 'evaluation.probes.folder' or ACQSYNTH_SHARED_DATA)",
    );
    return [];
  }
  const sets: EvalSet[] = [];
  for (const p of wanted) {
    const path = `${folder}/${p.path}`;
    if (!(await exists(path))) {
      ctx.log(`evaluate: probe '${p.name}' skipped: ${path} does not exist`);
      continue;
    }
    const { records: all } = await loadDataset(p.format, path, { onBadRow: "skip" });
    const rng = createRng(ctx.config.seed).split(`probe ${p.name}`);
    const drawn = drawFitting(model, all, probes[p.field], maxNewTokens, rng);
    sets.push({ name: p.name, groupBy: "domain", columns: "whole", ...drawn });
  }
  return sets;
}

/**
 * The evaluation sets' candidate items: procedural items per kind, each loader file (a seeded
 * draw of `count`), then the probes. The draws do not depend on the fine-tuning data, so every
 * arm of an ablation draws the same candidates; the dataset's questions are left out afterwards.
 */
async function evaluationSets(ctx: StageContext, model: LanguageModel): Promise<EvalSet[]> {
  const { evaluation: e, seed } = ctx.config;
  const sets: EvalSet[] = [];
  if (e.procedural) {
    const p = e.procedural;
    const records = tasksPerKind(
      p.kinds,
      p.count,
      p.difficulty,
      SET_SEEDS.evaluation + 1000 * seed,
    );
    sets.push({ name: "procedural", records, groupBy: "meta.kind", columns: "groups" });
  }
  for (const [i, f] of e.files.entries()) {
    const { records: all } = await loadDataset(f.format, f.path, { onBadRow: "skip" });
    const records = f.count === null || f.count >= all.length
      ? all
      : createRng(seed).split(`evaluation ${i}`).shuffle(all).slice(0, f.count);
    sets.push({ name: `${f.format}-${i}`, records, groupBy: "meta.kind", columns: "whole" });
  }
  return [...sets, ...await probeSets(ctx, model)];
}

async function measure(
  ctx: StageContext,
  model: LanguageModel,
  records: readonly TaskRecord[],
  label: string,
  sandbox: Sandbox | undefined,
  groupBy: string,
): Promise<Evaluation> {
  const t0 = performance.now();
  const r = await evaluate(model, records, {
    sandbox,
    groupBy,
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
export function resultTable(
  sets: readonly SetResult[],
  matrix?: { readonly matrix: StageMatrix; readonly detail?: readonly string[] },
): string {
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
  return [...lines, ...footer, ...(matrix ? matrixLines(matrix.matrix, matrix.detail) : [])].join(
    "\n",
  );
}

/**
 * The evaluations of the base student, one per set over its candidate items, through the run
 * cache: the candidates depend only on the student, the evaluation config and the seed (never
 * on the fine-tuning data), so every arm of an ablation with the same seed measures the base
 * student once. Stored per item (id, group, verdict, answer); the ids are checked on the way back.
 */
async function baseEvaluations(
  ctx: StageContext,
  model: LanguageModel,
  sets: readonly EvalSet[],
  sandbox: Sandbox | undefined,
): Promise<Evaluation[]> {
  const c = ctx.config;
  const key = {
    student: await modelFingerprint(c.models.student),
    evaluation: { ...c.evaluation, probes: { ...c.evaluation.probes, folder: null } },
    // The probe items are drawn from the folder's files: their content is part of the key.
    sets: sets.map((s) => ({ name: s.name, ids: s.records.map((r) => r.id) })),
    seed: c.seed,
    maxNewTokens: c.evaluation.maxNewTokens,
  };
  const compute = async (): Promise<JsonValue> => {
    const out: Evaluation[] = [];
    for (const s of sets) {
      out.push(await measure(ctx, model, s.records, `${s.name} before`, sandbox, s.groupBy));
    }
    return out.map((e) => e.items) as unknown as JsonValue;
  };
  const items = await cachedRunResult(ctx, "base-eval", key, compute) as unknown as ItemResult[][];
  return sets.map((s, k) => {
    const got = items[k] ?? [];
    if (got.length !== s.records.length || got.some((it, i) => it.id !== s.records[i].id)) {
      throw new RangeError(
        `Cannot reuse the cachedRunResult base evaluation of set '${s.name}': its items differ from the set's; delete the cache entry`,
      );
    }
    return {
      items: got,
      ...accuracyByGroup(s.records, got.map((it) => it.correct), s.groupBy),
    };
  });
}

/** The items of `ev` at `keep` (positions), regrouped. */
function subset(
  ev: Evaluation,
  keep: readonly number[],
  records: readonly TaskRecord[],
  groupBy: string,
): Evaluation {
  const items = keep.map((i) => ev.items[i]);
  return { items, ...accuracyByGroup(records, items.map((it) => it.correct), groupBy) };
}

/**
 * Kinds the student learned in pretraining, from its folder's `recipe.json` (the corpus
 * families less its held-out kinds); empty when the folder has no recipe.
 */
async function pretrainedKinds(student: string): Promise<Set<string>> {
  let recipe: { corpus?: { families?: Record<string, number>; holdOut?: string[] } };
  try {
    recipe = JSON.parse(await Deno.readTextFile(`${student}/recipe.json`));
  } catch {
    return new Set();
  }
  const families = Object.entries(recipe.corpus?.families ?? {}).filter(([, w]) => w > 0)
    .map(([f]) => f);
  const held = new Set(recipe.corpus?.holdOut ?? []);
  return new Set(
    families.flatMap((f) => [...(TASK_KINDS[f as TaskFamily] ?? [])]).filter((k) => !held.has(k)),
  );
}

/** One set's evaluations at every stage (rows), on the same items. */
interface SetEvaluations {
  readonly set: EvalSet;
  /** One evaluation per row, in row order. */
  readonly stages: readonly Evaluation[];
}

/**
 * The accuracy matrix of the sets' evaluations (rows = `rows`): one column per group of a
 * grouped set (the procedural kinds), one per other set (loader files, probes). A kind is
 * learned at the last stage when the fine-tuning data holds it, at stage 0 when the student
 * pretrained on it, else never; files and probes are never learned.
 */
export function stageMatrix(
  rows: readonly string[],
  evaluations: readonly SetEvaluations[],
  learned: { readonly fineTuned: ReadonlySet<string>; readonly pretrained: ReadonlySet<string> },
  options: { seed: number; resamples: number },
): StageMatrix {
  const columns: string[] = [], learnedAt: number[] = [];
  const verdicts: boolean[][][] = rows.map(() => []);
  const last = rows.length - 1;
  for (const { set, stages } of evaluations) {
    const parts = set.columns === "groups"
      ? stages[0].groups.map((g) => ({ name: g.group, group: g.group }))
      : [{ name: set.name, group: null }];
    for (const part of parts) {
      columns.push(part.name);
      learnedAt.push(
        part.group === null
          ? -1
          : learned.fineTuned.has(part.group)
          ? last
          : learned.pretrained.has(part.group)
          ? 0
          : -1,
      );
      stages.forEach((ev, r) =>
        verdicts[r].push(
          ev.items.filter((it) => part.group === null || it.group === part.group).map((it) =>
            it.correct
          ),
        )
      );
    }
  }
  return accuracyMatrix({ rows, columns, verdicts }, { learnedAt, ...options });
}

const interval = (i: { estimate: number; low: number; high: number }, f: (x: number) => string) =>
  `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;

/**
 * The matrix metrics as lines under the terminal table, and a line for each column named in
 * `detail` (the probes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyMatrix } from "../eval/mod.ts";
 * import { matrixLines } from "./stage_evaluate.ts";
 * const m = accuracyMatrix({ rows: ["base", "fine-tuned"], columns: ["add", "bbh"],
 *   verdicts: [[[true, true], [true, false]], [[true, false], [false, false]]] }, { resamples: 100 });
 * const text = matrixLines(m, ["bbh"]).join("\n");
 * assert.match(text, /mean forgetting \+50 \[\+0, \+100\] pts/);
 * assert.match(text, /backward transfer: not defined/);
 * assert.match(text, /bbh: 50% → 0%, forgetting \+50 \[\+0, \+100\] pts \(n 2\)/);
 * ```
 */
export function matrixLines(m: StageMatrix, detail: readonly string[] = []): string[] {
  const { metrics: x } = m;
  const learnedBefore = m.learnedAt.filter((s) => s >= 0 && s < m.rows.length - 1).length;
  return [
    `accuracy matrix (eval/matrix.json): rows ${m.rows.join(" → ")}, ${m.columns.length} columns`,
    `average accuracy (${m.rows.at(-1)}): ${interval(x.averageAccuracy, pct)}`,
    `mean forgetting ${interval(x.forgetting.mean, signed)} pts (best earlier − last)`,
    x.backwardTransfer
      ? `backward transfer ${
        interval(x.backwardTransfer, signed)
      } pts over ${learnedBefore} columns learned before the last stage`
      : "backward transfer: not defined (no column was learned before the last stage)",
    x.forwardTransfer
      ? `forward transfer ${interval(x.forwardTransfer, signed)} pts`
      : "forward transfer: not defined (no column was learned after a stage that could help it)",
    ...detail.filter((c) => m.columns.includes(c)).map((c) => {
      const j = m.columns.indexOf(c);
      return `${c}: ${pct(m.values[0][j])} → ${pct(m.values.at(-1)![j])}, forgetting ${
        interval(x.forgetting.perColumn[j], signed)
      } pts (n ${m.counts[j]})`;
    }),
  ];
}

/** What makes an evaluation item the same as a training item: its question, options and tests. */
function itemKey(r: TaskRecord): string {
  return r.tests?.length ? `${questionText(r)}\n${r.tests.join("\n")}` : questionText(r);
}

/** Evaluates the student before and after fine-tuning. */
export async function evaluateStage(ctx: StageContext): Promise<StageResult> {
  const c = ctx.config;
  // The student never sees the seeds (only the generator's prompts do): held out means not in
  // the data it was fine-tuned on (the question with its options: choice questions share a stem;
  // and with its tests: every task of a procedural code kind asks the same question, so a kind
  // in the data would otherwise leave the evaluation altogether).
  const dataset = await readDataset(`${ctx.out}/datasets/dataset.jsonl`);
  const seen = new Set(dataset.map(itemKey));
  const base = await loadModel(c.models.student, ctx.runtime);
  const tuned = await loadModel(String(ctx.outputs["fine-tune"]?.student), ctx.runtime);
  const tooLong: Record<string, number> = {};
  const sets = (await evaluationSets(ctx, base)).map((s): EvalSet => {
    if (s.tooLong !== undefined) {
      tooLong[s.name] = s.tooLong;
      return s;
    }
    const fit = fittingRecords(base, s.records, c.evaluation.maxNewTokens);
    tooLong[s.name] = fit.tooLong;
    return { ...s, records: fit.records, tooLong: fit.tooLong };
  });
  for (const s of sets) {
    if (tooLong[s.name]) {
      ctx.log(
        `evaluate: set '${s.name}': ${
          tooLong[s.name]
        } items left out, longer than the student's context`,
      );
    }
  }
  const sandbox = await sandboxFor(sets.flatMap((s) => s.records), []);
  await Deno.mkdir(`${ctx.out}/eval`, { recursive: true });
  const befores = await baseEvaluations(ctx, base, sets, sandbox);
  const results: SetResult[] = [];
  const evaluations: SetEvaluations[] = [];
  const excluded: Record<string, number> = {};
  for (const [k, s] of sets.entries()) {
    const keep = s.records.map((r, i) => (seen.has(itemKey(r)) ? -1 : i)).filter((i) => i >= 0);
    excluded[s.name] = s.records.length - keep.length;
    if (keep.length === 0) {
      ctx.log(`evaluate: set '${s.name}' has no items left after excluding seen questions`);
      continue;
    }
    const records = keep.map((i) => s.records[i]);
    const before = subset(befores[k], keep, records, s.groupBy);
    const after = await measure(ctx, tuned, records, `${s.name} after`, sandbox, s.groupBy);
    await writeJson(`${ctx.out}/eval/${s.name}.before.json`, before);
    await writeJson(`${ctx.out}/eval/${s.name}.after.json`, after);
    results.push(
      setResult(s.name, before, after, { seed: c.seed, resamples: c.evaluation.resamples }),
    );
    evaluations.push({ set: { ...s, records }, stages: [before, after] });
  }
  await writeJson(`${ctx.out}/eval/results.json`, { sets: results, excluded, tooLong });
  const matrix = evaluations.length
    ? stageMatrix(["base", "fine-tuned"], evaluations, {
      fineTuned: new Set(dataset.map(kindOf)),
      pretrained: await pretrainedKinds(c.models.student),
    }, { seed: c.seed, resamples: c.evaluation.resamples })
    : null;
  // Which set each column comes from (a kind's set, or the set itself).
  const columnSets = Object.fromEntries(
    evaluations.flatMap(({ set, stages }) =>
      set.columns === "groups"
        ? stages[0].groups.map((g) => [g.group, set.name])
        : [[set.name, set.name]]
    ),
  );
  if (matrix) await writeJson(`${ctx.out}/eval/matrix.json`, { ...matrix, columnSets });
  const whole = evaluations.filter((e) => e.set.columns === "whole").map((e) => e.set.name);
  const table = resultTable(results, matrix ? { matrix, detail: whole } : undefined);
  await Deno.writeTextFile(`${ctx.out}/eval/table.txt`, table + "\n");
  return {
    outputs: {
      results: "eval/results.json",
      table: "eval/table.txt",
      ...(matrix ? { matrix: "eval/matrix.json" } : {}),
      overall: Object.fromEntries(
        results.map((
          r,
        ) => [r.name, { before: r.overall.before.accuracy, after: r.overall.after.accuracy }]),
      ),
    },
  };
}
