/**
 * The report stage: what the run did, gathered from its folder: reward curves per function
 * (from `metrics.jsonl`), the per-kind share of the generated tasks (early and late GRPO
 * steps, and the labelled dataset), per-kind accuracy before and after fine-tuning with
 * intervals (from `eval/results.json`), and the accuracy matrix as a heatmap with forgetting
 * bars and tables (from `eval/matrix.json`). Written as a self-contained HTML report
 * (`report/report.html`, lib/report), its data (`report/report.json`) and a markdown summary
 * (`report/summary.md`).
 *
 * @module
 */

import { FIGURES, type Section, writeReport } from "../report/mod.ts";
import type { GrpoStepMetrics } from "../rl/mod.ts";
import type { StageContext, StageResult } from "./context.ts";
import { readMarker, STAGES } from "./stages.ts";
import { readJsonl, writeJson } from "./run_log.ts";
import type { SetResult } from "./stage_evaluate.ts";
import type { StageMatrix } from "../eval/mod.ts";

/** Everything the report shows. */
export interface ReportData {
  readonly name: string;
  readonly baseline: string;
  /** Per reward part (and `reward`, the shaped total): the mean of each GRPO step. */
  readonly rewardCurves: Record<string, (number | null)[]>;
  /** Share of parsed generated tasks per kind: the first and last GRPO step, and the dataset. */
  readonly kindShares: {
    readonly firstStep: Record<string, number> | null;
    readonly lastStep: Record<string, number> | null;
    readonly dataset: Record<string, number>;
  };
  readonly evaluation: SetResult[];
  /** The accuracy matrix over stages (`eval/matrix.json`), null when no set had items. */
  readonly matrix: ReportMatrix | null;
  /** Seconds per stage, from the stage markers. */
  readonly seconds: Record<string, number>;
}

/** The accuracy matrix as the evaluate stage writes it: with the set each column comes from. */
export type ReportMatrix = StageMatrix & { readonly columnSets?: Record<string, string> };

async function readMetrics(path: string): Promise<GrpoStepMetrics[]> {
  try {
    return await readJsonl<GrpoStepMetrics>(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Reward curves per function: the step means, in step order. */
export function rewardCurves(
  metrics: readonly GrpoStepMetrics[],
): Record<string, (number | null)[]> {
  const names = [...new Set(metrics.flatMap((m) => Object.keys(m.parts)))];
  return {
    reward: metrics.map((m) => m.reward.mean),
    ...Object.fromEntries(names.map((n) => [n, metrics.map((m) => m.parts[n]?.mean ?? null)])),
  };
}

function shares(counts: Record<string, number>): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, total ? v / total : 0]));
}

const pct = (
  x: number | null | undefined,
) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(0)}%`);

/** Every kind that has a share at the first or last GRPO step or in the dataset, sorted. */
function sharedKinds(d: ReportData): string[] {
  const { firstStep, lastStep, dataset } = d.kindShares;
  return [
    ...new Set([
      ...Object.keys(firstStep ?? {}),
      ...Object.keys(lastStep ?? {}),
      ...Object.keys(dataset),
    ]),
  ].sort();
}

/** The markdown summary. */
export function reportMarkdown(d: ReportData, table: string): string {
  const curves = Object.entries(d.rewardCurves);
  const steps = curves[0]?.[1].length ?? 0;
  const fmt = (x: number | null) => (x === null ? "–" : x.toFixed(3));
  const kinds = sharedKinds(d);
  const acc = new Map(d.evaluation.flatMap((s) => s.groups.map((g) => [g.group, g] as const)));
  return [
    `# Run ${d.name}`,
    "",
    `Baseline: ${d.baseline}. Seconds per stage: ${
      Object.entries(d.seconds).map(([s, t]) => `${s} ${t.toFixed(1)}`).join(", ")
    }.`,
    "",
    "## Reward per function (GRPO step means)",
    "",
    steps === 0 ? "No GRPO steps in this run." : `| step | ${curves.map(([n]) => n).join(" | ")} |`,
    ...(steps === 0 ? [] : [`|---|${curves.map(() => "---").join("|")}|`]),
    ...Array.from(
      { length: steps },
      (_, i) => `| ${i + 1} | ${curves.map(([, v]) => fmt(v[i])).join(" | ")} |`,
    ),
    "",
    "## Kinds of the generated tasks, and the student's accuracy on them",
    "",
    "| kind | share, first GRPO step | share, last GRPO step | share of dataset | accuracy before | accuracy after |",
    "|---|---|---|---|---|---|",
    ...kinds.map((k) => {
      const g = acc.get(k);
      const a = (f?: { accuracy: number; low: number; high: number }) =>
        f ? `${pct(f.accuracy)} [${pct(f.low)}, ${pct(f.high)}]` : "–";
      return `| ${k} | ${pct(d.kindShares.firstStep?.[k])} | ${pct(d.kindShares.lastStep?.[k])} | ${
        pct(d.kindShares.dataset[k])
      } | ${a(g?.before)} | ${a(g?.after)} |`;
    }),
    "",
    "## Accuracy before and after fine-tuning (95% intervals; paired bootstrap for the change)",
    "",
    "```",
    table,
    "```",
    "",
  ].join("\n");
}

/**
 * The accuracy matrix section: the matrix as a heatmap, forgetting per column with its
 * bootstrap interval as bars, the matrix and its metrics as tables.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyMatrix } from "../eval/mod.ts";
 * import { matrixSection } from "./stage_report.ts";
 * const m = accuracyMatrix({ rows: ["base", "fine-tuned"], columns: ["add", "bbh"],
 *   verdicts: [[[true, true], [true, false]], [[true, false], [false, false]]] }, { resamples: 100 });
 * const s = matrixSection(m);
 * assert.deepEqual(s.figures!.map((f) => f.id), ["accuracy-matrix", "matrix-forgetting"]);
 * assert.deepEqual(s.tables!.map((t) => t.rows.length), [2, 4]);
 * ```
 */
export function matrixSection(m: ReportMatrix): Section {
  const x = m.metrics;
  const f = x.forgetting.perColumn;
  const label = (c: string) => {
    const set = m.columnSets?.[c];
    return set && set !== c ? `${c} (${set})` : c;
  };
  const metric = (name: string, i: { estimate: number; low: number; high: number } | null) =>
    i ? [name, i.estimate, i.low, i.high] : [name, null, null, null];
  return {
    title: "Accuracy matrix over stages and forgetting",
    text: `Rows are stages (${m.rows.join(" → ")}), columns the evaluation groups: each kind of ` +
      "the procedural set, each loader file and each cross-domain probe. Forgetting is the best " +
      "earlier accuracy minus the last one (positive: forgotten); intervals are 95% bootstrap " +
      "intervals over items, resampled within each column and paired across stages.",
    figures: [
      FIGURES.heatmap({
        id: "accuracy-matrix",
        title: "Accuracy matrix (rows: stages, columns: evaluation groups)",
        x: m.columns,
        y: m.rows,
        z: m.values,
        zmin: 0,
        zmax: 1,
      }),
      FIGURES.bars({
        id: "matrix-forgetting",
        title: "Forgetting per group with 95% intervals (best earlier − last)",
        yTitle: "forgetting",
        categories: m.columns,
        series: [{
          name: "forgetting",
          values: f.map((i) => i.estimate),
          low: f.map((i) => i.low),
          high: f.map((i) => i.high),
        }],
      }),
    ],
    tables: [{
      id: "matrix-values",
      title: "Accuracy matrix (items per column in the header)",
      columns: ["stage", ...m.columns.map((c, j) => `${label(c)} n=${m.counts[j]}`)],
      rows: m.rows.map((r, i) => [r, ...m.values[i]]),
    }, {
      id: "matrix-metrics",
      title: "Matrix metrics with 95% bootstrap intervals",
      columns: ["metric", "estimate", "low", "high"],
      rows: [
        metric(`average accuracy (${m.rows.at(-1)})`, x.averageAccuracy),
        metric("mean forgetting", x.forgetting.mean),
        metric("backward transfer", x.backwardTransfer),
        metric("forward transfer", x.forwardTransfer),
      ],
    }],
  };
}

/** The HTML report's sections: reward curves, kind shares, accuracy per kind, forgetting. */
export function reportSections(d: ReportData): Section[] {
  const curves = Object.entries(d.rewardCurves);
  const kinds = sharedKinds(d);
  const share = (m: Record<string, number> | null) => kinds.map((k) => m?.[k] ?? 0);
  const sections: Section[] = [{
    title: "Reward per function",
    text: curves.length && curves[0][1].length
      ? "Mean of each reward part over the rollouts of each GRPO step (`reward`: the shaped total)."
      : `No GRPO steps in this run (baseline: ${d.baseline}).`,
    figures: curves.length && curves[0][1].length
      ? [FIGURES.line({
        id: "reward-curves",
        title: "Reward per function over GRPO steps",
        xTitle: "step",
        yTitle: "mean",
        series: curves.map(([name, y]) => ({ name, x: y.map((_, i) => i + 1), y })),
      })]
      : [],
  }, {
    title: "Kinds of the generated tasks",
    text:
      "Share of the parsed tasks of each kind at the first and last GRPO step, and in the labelled dataset.",
    figures: [FIGURES.bars({
      id: "kind-shares",
      title: "Per-kind share of generated tasks",
      yTitle: "share",
      categories: kinds,
      series: [
        ...(d.kindShares.firstStep
          ? [{ name: "first GRPO step", values: share(d.kindShares.firstStep) }]
          : []),
        ...(d.kindShares.lastStep
          ? [{ name: "last GRPO step", values: share(d.kindShares.lastStep) }]
          : []),
        { name: "dataset", values: share(d.kindShares.dataset) },
      ],
    })],
  }];
  for (const set of d.evaluation) {
    const groups = set.groups;
    const series = (
      name: string,
      f: (g: (typeof groups)[number]) => { accuracy: number; low: number; high: number },
    ) => ({
      name,
      values: groups.map((g) => f(g).accuracy),
      low: groups.map((g) => f(g).low),
      high: groups.map((g) => f(g).high),
    });
    sections.push({
      title: `Accuracy on '${set.name}' before and after fine-tuning`,
      text:
        "Greedy answers checked by the verifiers; 95% Wilson intervals; the change has a paired bootstrap interval.",
      figures: [
        FIGURES.bars({
          id: `accuracy-${set.name}`,
          title: `Accuracy per kind (${set.name})`,
          yTitle: "accuracy",
          categories: groups.map((g) => g.group),
          series: [series("before", (g) => g.before), series("after", (g) => g.after)],
        }),
        FIGURES.bars({
          id: `change-${set.name}`,
          title: `Change of accuracy per kind (${set.name})`,
          yTitle: "after − before",
          categories: groups.map((g) => g.group),
          series: [{
            name: "change",
            values: groups.map((g) => g.delta.estimate),
            low: groups.map((g) => g.delta.low),
            high: groups.map((g) => g.delta.high),
          }],
        }),
      ],
      tables: [{
        id: `forgetting-${set.name}`,
        title: `Forgetting per kind (${set.name}): best earlier accuracy − final`,
        columns: ["kind", "forgetting"],
        rows: [
          ...Object.entries(set.forgetting.perGroup).map(([k, v]) => [k, v]),
          ["mean", set.forgetting.mean],
        ],
      }],
    });
  }
  if (d.matrix) sections.push(matrixSection(d.matrix));
  return sections;
}

/** Gathers the run's figures and writes the report. */
export async function reportStage(ctx: StageContext): Promise<StageResult> {
  const metrics = await readMetrics(`${ctx.out}/metrics.jsonl`);
  const evaluation = JSON.parse(await Deno.readTextFile(`${ctx.out}/eval/results.json`))
    .sets as SetResult[];
  const table = await Deno.readTextFile(`${ctx.out}/eval/table.txt`);
  const matrix = await Deno.readTextFile(`${ctx.out}/eval/matrix.json`).then(
    (t) => JSON.parse(t) as ReportMatrix,
    (e) => {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    },
  );
  const labelled = (ctx.outputs.label?.kinds ?? {}) as Record<string, number>;
  const seconds: Record<string, number> = {};
  for (const stage of STAGES) {
    const m = await readMarker(ctx.out, stage);
    if (m) seconds[stage] = m.seconds;
  }
  const data: ReportData = {
    name: ctx.config.name,
    baseline: ctx.config.baseline,
    rewardCurves: rewardCurves(metrics),
    kindShares: {
      firstStep: metrics[0]?.kinds ?? null,
      lastStep: metrics.at(-1)?.kinds ?? null,
      dataset: shares(labelled),
    },
    evaluation,
    matrix,
    seconds,
  };
  await Deno.mkdir(`${ctx.out}/report`, { recursive: true });
  await writeJson(`${ctx.out}/report/report.json`, data);
  await Deno.writeTextFile(`${ctx.out}/report/summary.md`, reportMarkdown(data, table.trimEnd()));
  const html = await writeReport(
    `${ctx.out}/report`,
    `AcquisitionSynthesis run ${data.name}`,
    reportSections(data),
  );
  ctx.log(`report: ${html}`);
  return {
    outputs: {
      report: "report/report.html",
      summary: "report/summary.md",
      data: "report/report.json",
    },
  };
}
