/**
 * The ablation's one report, gathered from its finished runs: per arm the weak-kind accuracy,
 * other-kind accuracy and forgetting with 95% bootstrap intervals and paired differences against
 * the untrained generator (lib/pipeline/ablation_stats.ts); figures of those, a heatmap of
 * fine-tuned accuracy per arm and kind (with the base student's row), the per-kind share of the
 * generated tasks per arm, reward curves per arm, and a 2-D map of the synthesised questions'
 * embeddings (the base student's mean-pooled hidden states) coloured by arm. Written as
 * `OUT/report.html` (offline, lib/report), `OUT/results.json` and `OUT/summary.md`; the terminal
 * tables are {@link ablationTable} and {@link perKindTable}.
 *
 * @module
 */

import { studentEmbedder } from "../acquire/mod.ts";
import { questionText, TASK_KINDS } from "../data/mod.ts";
import type { Evaluation, Interval } from "../eval/mod.ts";
import { loadModel } from "../model/mod.ts";
import { type Figure, FIGURES, type Section, writeReport } from "../report/mod.ts";
import type { GrpoStepMetrics } from "../rl/mod.ts";
import { createRuntime } from "../runtime/mod.ts";
import { readDataset } from "../synth/mod.ts";
import type { AblationRun, ResolvedAblationConfig } from "./ablation_config.ts";
import {
  type ArmFigures,
  armFigures,
  pairedFigures,
  pairRows,
  type RunItems,
  runRows,
  type SeedUnits,
  type UnitSplit,
} from "./ablation_stats.ts";
import { readJsonl, writeJson } from "./run_log.ts";
import type { SetResult } from "./stage_evaluate.ts";
import { readMarker } from "./stages.ts";

/** The arm every other is compared with, item by item, when the ablation has it. */
export const REFERENCE_ARM_BASELINE = "untrained-generator";

/** One arm's results. */
export interface ArmResult {
  readonly arm: string;
  readonly baseline: string;
  readonly figures: ArmFigures;
  /** Arm − reference on the items both were evaluated on (null: this is the reference, or none). */
  readonly vsReference: ArmFigures | null;
  /** Items of one run but not the other, summed over seeds (each run leaves out its own dataset's questions). */
  readonly unpaired: number;
  /** Fine-tuned accuracy per kind (and `set:NAME` probe set), mean over seeds. */
  readonly perKind: Record<string, number>;
  /** Share of each kind in the labelled datasets, over seeds. */
  readonly kindShares: Record<string, number>;
  /** Mean GRPO reward per step, mean over seeds (empty without GRPO). */
  readonly rewardCurve: (number | null)[];
  /** Items compared per seed (those every run of the seed answered). */
  readonly items: Record<string, number>;
}

/** Everything `results.json` holds. */
export interface AblationResults {
  readonly name: string;
  readonly description: string;
  readonly quick: boolean;
  readonly seeds: readonly number[];
  readonly weakKinds: readonly string[];
  readonly otherKinds: readonly string[];
  readonly probeSets: readonly string[];
  /** The reference arm's name, or null when no arm is the untrained generator. */
  readonly reference: string | null;
  readonly resamples: number;
  /** Per run: its items left out because another run of its seed did not answer them. */
  readonly droppedItems: Record<string, number>;
  /** Kinds (or probe sets) no item of which every run of a seed answered: not compared. */
  readonly lostUnits: readonly string[];
  /** The base student (before fine-tuning) on the union of the runs' items. */
  readonly base: {
    readonly weak: Interval;
    readonly other: Interval;
    readonly perKind: Record<string, number>;
  };
  readonly arms: ArmResult[];
}

const KIND_ORDER = Object.values(TASK_KINDS).flat() as string[];
const byKindOrder = (a: string, b: string) =>
  (KIND_ORDER.indexOf(a) + 1 || 999) - (KIND_ORDER.indexOf(b) + 1 || 999) || a.localeCompare(b);

/** A run's item verdicts per unit: procedural kinds, and each file set as `set:NAME`. */
async function runItems(dir: string): Promise<RunItems> {
  const sets =
    (JSON.parse(await Deno.readTextFile(`${dir}/eval/results.json`)).sets) as SetResult[];
  const out = new Map<string, Map<string, readonly [boolean, boolean]>>();
  for (const s of sets) {
    const read = async (which: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/eval/${s.name}.${which}.json`)) as Evaluation;
    const [before, after] = [await read("before"), await read("after")];
    const afterById = new Map(after.items.map((i) => [i.id, i.correct]));
    for (const item of before.items) {
      const unit = s.name === "procedural" ? item.group : `set:${s.name}`;
      const a = afterById.get(item.id);
      if (a === undefined) {
        throw new Error(
          `Cannot compare run ${dir}: item '${item.id}' of set '${s.name}' has no verdict after fine-tuning`,
        );
      }
      if (!out.has(unit)) out.set(unit, new Map());
      out.get(unit)!.set(item.id, [item.correct, a]);
    }
  }
  return out;
}

async function rewardCurve(dir: string): Promise<(number | null)[]> {
  const metrics = await readJsonl<GrpoStepMetrics>(`${dir}/metrics.jsonl`).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  });
  return metrics.map((m) => m.reward.mean);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

/** Per step, the mean over the curves that reach it. */
function meanCurve(curves: readonly (number | null)[][]): (number | null)[] {
  const n = Math.max(0, ...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => {
    const v = curves.map((c) => c[i]).filter((x): x is number => typeof x === "number");
    return v.length ? mean(v) : null;
  });
}

/** Accuracy of column `col` per unit, mean over seeds. */
function perUnit(seeds: readonly SeedUnits[], col: number): Record<string, number> {
  const units = [...new Set(seeds.flatMap((s) => Object.keys(s)))];
  return Object.fromEntries(units.map((u) => {
    const accs = seeds.filter((s) => s[u]?.length).map((s) =>
      s[u].filter((r) => r[col]).length / s[u].length
    );
    return [u, mean(accs)];
  }));
}

/**
 * Every run restricted to the items all runs of its seed answered. A run's held-out items are
 * the seed's items less the questions of its own dataset, and a code task's question text is the
 * same for every instance of its kind: an arm whose data holds a code kind (the oracle) loses
 * that kind's items entirely. Comparing arms on their own items would set one arm's average over
 * fewer, harder kinds against the others'; on the common items every arm answers the same test.
 */
function commonItems(
  config: ResolvedAblationConfig,
  own: ReadonlyMap<string, RunItems>,
): { items: Map<string, RunItems>; dropped: Record<string, number>; lostUnits: string[] } {
  const items = new Map<string, RunItems>();
  const dropped: Record<string, number> = {};
  const lost = new Set<string>();
  for (const seed of config.seeds) {
    const runs = config.runs.filter((r) => r.seed === seed).map((r) =>
      [r.id, own.get(r.id)!] as const
    );
    const keep = (unit: string, id: string) => runs.every(([, m]) => m.get(unit)?.has(id));
    for (const [id, m] of runs) {
      const kept = new Map<string, Map<string, readonly [boolean, boolean]>>();
      let n = 0;
      for (const [unit, byId] of m) {
        const k = new Map([...byId].filter(([item]) => keep(unit, item)));
        n += byId.size - k.size;
        if (k.size) kept.set(unit, k);
        else lost.add(unit);
      }
      items.set(id, kept);
      dropped[id] = n;
    }
  }
  return { items, dropped, lostUnits: [...lost].sort(byKindOrder) };
}

/** Reads every run's outputs and computes the comparison. */
export async function ablationResults(
  config: ResolvedAblationConfig,
  out: string,
  options: { quick?: boolean } = {},
): Promise<AblationResults> {
  const runDir = (r: AblationRun) => `${out}/runs/${r.id}`;
  const own = new Map<string, RunItems>();
  for (const r of config.runs) own.set(r.id, await runItems(runDir(r)));
  const { items, dropped, lostUnits } = commonItems(config, own);
  const allUnits = [...new Set([...items.values()].flatMap((m) => [...m.keys()]))];
  const kinds = allUnits.filter((u) => !u.startsWith("set:")).sort(byKindOrder);
  const split: UnitSplit = {
    weakKinds: config.weakKinds.filter((k) => kinds.includes(k)),
    otherKinds: kinds.filter((k) => !config.weakKinds.includes(k)),
    probeSets: allUnits.filter((u) => u.startsWith("set:")).sort(),
  };
  const resamples = Math.min(...config.runs.map((r) => r.config.evaluation.resamples)) || 2000;
  const bootstrap = { seed: config.seeds[0] ?? 0, resamples };
  const refArm = config.arms.find((a) => a.baseline === REFERENCE_ARM_BASELINE)?.name ?? null;
  const runOf = (arm: string, seed: number) =>
    config.runs.find((r) => r.arm === arm && r.seed === seed);

  // The base student answered the same items in every run of a seed: one verdict per item.
  const baseSeeds: SeedUnits[] = config.seeds.map((seed) => {
    const units: Record<string, [boolean, boolean][]> = {};
    const seen = new Set<string>();
    for (const r of config.runs.filter((x) => x.seed === seed)) {
      for (const [u, m] of items.get(r.id)!) {
        for (const [id, [b]] of m) {
          if (seen.has(`${u}\n${id}`)) continue;
          seen.add(`${u}\n${id}`);
          (units[u] ??= []).push([b, b]);
        }
      }
    }
    return units;
  });
  const baseFigures = armFigures(baseSeeds, split, bootstrap);

  const arms: ArmResult[] = [];
  for (const arm of config.arms) {
    const runs = config.seeds.map((s) => runOf(arm.name, s)).filter((r) => r !== undefined);
    const seeds = runs.map((r) => runRows(items.get(r.id)!));
    let vsReference: ArmFigures | null = null;
    let unpaired = 0;
    if (refArm !== null && refArm !== arm.name) {
      const paired: SeedUnits[] = [];
      for (const r of runs) {
        const ref = runOf(refArm, r.seed);
        if (!ref) continue;
        const p = pairRows(items.get(r.id)!, items.get(ref.id)!);
        paired.push(p.rows);
        unpaired += p.unpaired;
      }
      vsReference = paired.length ? pairedFigures(paired, split, bootstrap) : null;
    }
    const counts: Record<string, number> = {};
    const curves: (number | null)[][] = [];
    for (const r of runs) {
      const label = await readMarker(runDir(r), "label");
      for (const [k, v] of Object.entries((label?.outputs.kinds ?? {}) as Record<string, number>)) {
        counts[k] = (counts[k] ?? 0) + v;
      }
      curves.push(await rewardCurve(runDir(r)));
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    arms.push({
      arm: arm.name,
      baseline: arm.baseline,
      figures: armFigures(seeds, split, bootstrap),
      vsReference,
      unpaired,
      perKind: perUnit(seeds, 1),
      kindShares: Object.fromEntries(
        Object.keys(counts).sort(byKindOrder).map((k) => [k, total ? counts[k] / total : 0]),
      ),
      rewardCurve: meanCurve(curves),
      items: Object.fromEntries(
        runs.map((r) => [
          String(r.seed),
          [...items.get(r.id)!.values()].reduce((s, m) => s + m.size, 0),
        ]),
      ),
    });
  }
  return {
    name: config.name,
    description: config.description,
    quick: options.quick ?? false,
    seeds: config.seeds,
    weakKinds: split.weakKinds,
    otherKinds: split.otherKinds,
    probeSets: split.probeSets,
    reference: refArm,
    resamples,
    droppedItems: dropped,
    lostUnits,
    base: { weak: baseFigures.weak, other: baseFigures.other, perKind: perUnit(baseSeeds, 0) },
    arms,
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : "–");
const pts = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(0)}` : "–";
const withCi = (i: Interval, f: (x: number) => string) =>
  `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;

function grid(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  const lines = rows.map((r) => r.map((c, j) => (c ?? "").padEnd(widths[j])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

/** The rows of the summary table: header first. */
function summaryRows(r: AblationResults): string[][] {
  const rows = [[
    "arm",
    "weak kinds [95% CI]",
    "other kinds [95% CI]",
    "forgetting pts [95% CI]",
    "Δ weak pts",
    "Δ other pts",
    "Δ forgetting pts",
  ]];
  rows.push(["base student", withCi(r.base.weak, pct), withCi(r.base.other, pct), "", "", "", ""]);
  for (const a of r.arms) {
    const d = a.vsReference;
    rows.push([
      a.arm,
      withCi(a.figures.weak, pct),
      withCi(a.figures.other, pct),
      withCi(a.figures.forgetting, pts),
      d ? withCi(d.weak, pts) : "",
      d ? withCi(d.other, pts) : "",
      d ? withCi(d.forgetting, pts) : "",
    ]);
  }
  return rows;
}

/**
 * The terminal summary: per arm, fine-tuned accuracy on the weak and the other kinds, forgetting
 * (points lost from base to fine-tuned over the other kinds and probe sets), each with its 95%
 * interval, and the paired differences against the reference arm.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ablationTable } from "./ablation_report.ts";
 * const i = (e: number) => ({ estimate: e, low: e - 0.1, high: e + 0.1 });
 * const f = { weak: i(0.5), other: i(0.8), forgetting: i(0.02) };
 * const text = ablationTable({ name: "a", description: "", quick: false, seeds: [0], weakKinds: ["mul"],
 *   otherKinds: ["add"], probeSets: [], reference: null, resamples: 100, droppedItems: {}, lostUnits: [],
 *   base: { weak: i(0.2), other: i(0.9), perKind: {} },
 *   arms: [{ arm: "oracle", baseline: "oracle", figures: f, vsReference: null, unpaired: 0,
 *     perKind: {}, kindShares: {}, rewardCurve: [], items: {} }] });
 * assert.match(text, /oracle +50% \[40%, 60%\] +80% \[70%, 90%\] +\+2 \[−8, \+12\]/);
 * ```
 */
export function ablationTable(r: AblationResults): string {
  const n = r.seeds.length;
  return [
    grid(summaryRows(r)),
    `weak kinds: ${r.weakKinds.join(", ")}; ${n} seed${n === 1 ? "" : "s"} (${
      r.seeds.join(", ")
    }); intervals: 95% bootstrap over items within each seed and kind${
      r.reference ? `; Δ: arm − ${r.reference}, paired` : ""
    }; on the items every run of a seed answered`,
    ...(r.lostUnits.length
      ? [
        `not compared (some run left out all their items, as in its fine-tuning data): ${
          r.lostUnits.join(", ")
        }`,
      ]
      : []),
  ].join("\n");
}

/**
 * Per kind: the base student's accuracy and each arm's after fine-tuning (mean over seeds),
 * weak kinds marked `*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perKindTable } from "./ablation_report.ts";
 * const i = { estimate: 0, low: 0, high: 0 };
 * const f = { weak: i, other: i, forgetting: i };
 * const text = perKindTable({ name: "a", description: "", quick: false, seeds: [0], weakKinds: ["mul"],
 *   otherKinds: ["add"], probeSets: [], reference: null, resamples: 100, droppedItems: {}, lostUnits: [],
 *   base: { weak: i, other: i, perKind: { mul: 0.1, add: 0.9 } },
 *   arms: [{ arm: "oracle", baseline: "oracle", figures: f, vsReference: null, unpaired: 0,
 *     perKind: { mul: 0.6, add: 0.8 }, kindShares: {}, rewardCurve: [], items: {} }] });
 * assert.match(text, /mul \* +10% +60%/);
 * ```
 */
export function perKindTable(r: AblationResults): string {
  const units = [...r.weakKinds, ...r.otherKinds, ...r.probeSets];
  const rows = [["kind", "base", ...r.arms.map((a) => a.arm)]];
  for (const u of units) {
    rows.push([
      `${u}${r.weakKinds.includes(u) ? " *" : ""}`,
      pct(r.base.perKind[u] ?? NaN),
      ...r.arms.map((a) => pct(a.perKind[u] ?? NaN)),
    ]);
  }
  return `${
    grid(rows)
  }\n* weak kind; accuracy of the base student and of each arm's fine-tuned student`;
}

/** The report's sections. */
function sections(r: AblationResults, map: Figure | null): Section[] {
  const names = r.arms.map((a) => a.arm);
  const series = (name: string, f: (a: ArmResult) => Interval) => ({
    name,
    values: r.arms.map((a) => f(a).estimate),
    low: r.arms.map((a) => f(a).low),
    high: r.arms.map((a) => f(a).high),
  });
  const units = [...r.weakKinds, ...r.otherKinds, ...r.probeSets];
  const shareKinds = [...new Set(r.arms.flatMap((a) => Object.keys(a.kindShares)))].sort(
    byKindOrder,
  );
  const curves = r.arms.filter((a) => a.rewardCurve.length > 0);
  const withRef = r.arms.filter((a) => a.vsReference);
  const out: Section[] = [{
    title: "Accuracy and forgetting per arm",
    text: [
      r.description,
      `Fine-tuned accuracy on the weak kinds (${
        r.weakKinds.join(", ")
      }: the student was pretrained without them) and on the other kinds, and forgetting: the mean drop from the base student to the fine-tuned one over the other kinds${
        r.probeSets.length ? " and the probe sets" : ""
      }. Means over seeds ${
        r.seeds.join(", ")
      }; 95% bootstrap intervals resampling items within each seed and kind (${r.resamples} resamples). Every arm is measured on the same items: those every run of a seed answered (a run leaves out the questions of its own fine-tuning data).`,
      r.lostUnits.length
        ? `Not compared, because some run left out all their items (its fine-tuning data held their questions; a code task's question is the same for every instance of its kind): ${
          r.lostUnits.join(", ")
        }.`
        : "",
    ].filter(Boolean).join("\n\n"),
    figures: [
      FIGURES.bars({
        id: "accuracy",
        title: "Fine-tuned accuracy on the weak and the other kinds",
        yTitle: "accuracy",
        categories: ["base student", ...names],
        series: [
          {
            name: "weak kinds",
            values: [r.base.weak.estimate, ...r.arms.map((a) => a.figures.weak.estimate)],
            low: [r.base.weak.low, ...r.arms.map((a) => a.figures.weak.low)],
            high: [r.base.weak.high, ...r.arms.map((a) => a.figures.weak.high)],
          },
          {
            name: "other kinds",
            values: [r.base.other.estimate, ...r.arms.map((a) => a.figures.other.estimate)],
            low: [r.base.other.low, ...r.arms.map((a) => a.figures.other.low)],
            high: [r.base.other.high, ...r.arms.map((a) => a.figures.other.high)],
          },
        ],
      }),
      FIGURES.bars({
        id: "forgetting",
        title: "Forgetting: accuracy lost from the base student (other kinds and probe sets)",
        yTitle: "base − fine-tuned",
        categories: names,
        series: [series("forgetting", (a) => a.figures.forgetting)],
      }),
    ],
    tables: [{
      id: "summary",
      title: "Summary",
      columns: summaryRows(r)[0],
      rows: summaryRows(r).slice(1),
    }],
  }];
  if (withRef.length) {
    out.push({
      title: `Paired differences against ${r.reference}`,
      text:
        "Each arm minus the reference on the items both runs of a seed answered (a run leaves out the questions of its own dataset), with paired bootstrap intervals.",
      figures: [FIGURES.bars({
        id: "paired",
        title: `Difference against ${r.reference}`,
        yTitle: "arm − reference",
        categories: withRef.map((a) => a.arm),
        series: [
          { name: "weak kinds", ...pick(withRef, (a) => a.vsReference!.weak) },
          { name: "other kinds", ...pick(withRef, (a) => a.vsReference!.other) },
          { name: "forgetting", ...pick(withRef, (a) => a.vsReference!.forgetting) },
        ],
      })],
    });
  }
  out.push({
    title: "Accuracy per kind",
    text:
      "Accuracy of the base student and of each arm's fine-tuned student per kind, mean over seeds.",
    figures: [FIGURES.heatmap({
      id: "per-kind",
      title: "Accuracy per arm and kind",
      x: units,
      y: ["base", ...names],
      z: [
        units.map((u) => r.base.perKind[u] ?? null),
        ...r.arms.map((a) => units.map((u) => a.perKind[u] ?? null)),
      ],
      zmin: 0,
      zmax: 1,
    })],
  }, {
    title: "Kinds of the generated tasks",
    text:
      "Share of each kind in the labelled datasets the students were fine-tuned on, over seeds.",
    figures: [FIGURES.bars({
      id: "kind-shares",
      title: "Per-kind share of the fine-tuning data per arm",
      yTitle: "share",
      categories: shareKinds,
      series: r.arms.map((a) => ({
        name: a.arm,
        values: shareKinds.map((k) => a.kindShares[k] ?? 0),
      })),
    })],
  }, {
    title: "Reward curves",
    text: curves.length
      ? "Mean shaped reward of each GRPO step, mean over seeds (arms without GRPO have none)."
      : "No arm trained the generator.",
    figures: curves.length
      ? [FIGURES.line({
        id: "reward-curves",
        title: "GRPO reward per arm",
        xTitle: "step",
        yTitle: "mean reward",
        series: curves.map((a) => ({
          name: a.arm,
          x: a.rewardCurve.map((_, i) => i + 1),
          y: a.rewardCurve,
        })),
      })]
      : [],
  });
  if (map) {
    out.push({
      title: "Where the synthesised questions lie",
      text: `The questions of each arm's dataset (seed ${
        r.seeds[0]
      }, at most ${MAP_PER_ARM} per arm), embedded with the base student's mean-pooled hidden states and projected to 2-D.`,
      figures: [map],
    });
  }
  return out;
}

function pick(arms: readonly ArmResult[], f: (a: ArmResult) => Interval) {
  return {
    values: arms.map((a) => f(a).estimate),
    low: arms.map((a) => f(a).low),
    high: arms.map((a) => f(a).high),
  };
}

/** Questions per arm on the map. */
export const MAP_PER_ARM = 100;

/** The map of the first seed's dataset questions per arm, or null with fewer than 3 questions. */
async function questionMap(config: ResolvedAblationConfig, out: string): Promise<Figure | null> {
  const seed = config.seeds[0];
  const runs = config.runs.filter((r) => r.seed === seed);
  const texts: string[] = [];
  const groups: string[] = [];
  for (const r of runs) {
    const records = await readDataset(`${out}/runs/${r.id}/datasets/dataset.jsonl`);
    for (const rec of records.slice(0, MAP_PER_ARM)) {
      texts.push(questionText(rec));
      groups.push(r.arm);
    }
  }
  if (texts.length < 3) return null;
  const first = runs[0].config;
  const student = await loadModel(first.models.student, createRuntime({ threads: first.threads }));
  const points = (await studentEmbedder(student).embed(texts)).map((v) => [...v]);
  return FIGURES.map2d({
    id: "question-map",
    title: `Synthesised questions per arm (seed ${seed})`,
    points,
    groups,
    labels: texts.map((t) => t.slice(0, 120)),
    method: points.length >= 8 ? "umap" : "pca",
    seed,
  });
}

/** Markdown of the summary, for `summary.md`. */
export function ablationMarkdown(r: AblationResults, report: string): string {
  return [
    `# Ablation ${r.name}${r.quick ? " (quick)" : ""}`,
    "",
    r.description,
    "",
    "```",
    ablationTable(r),
    "```",
    "",
    "## Accuracy per kind",
    "",
    "```",
    perKindTable(r),
    "```",
    "",
    `Report: ${report}`,
    "",
  ].join("\n");
}

/**
 * Computes the comparison of the finished runs in `out` and writes `results.json`,
 * `summary.md` and `report.html`.
 */
export async function writeAblationReport(
  config: ResolvedAblationConfig,
  out: string,
  options: { quick?: boolean } = {},
): Promise<{ results: AblationResults; report: string }> {
  const results = await ablationResults(config, out, options);
  await writeJson(`${out}/results.json`, results);
  const map = await questionMap(config, out);
  const report = await writeReport(
    out,
    `Ablation ${config.name}${options.quick ? " (quick)" : ""}`,
    sections(results, map),
  );
  await Deno.writeTextFile(`${out}/summary.md`, ablationMarkdown(results, report));
  return { results, report };
}
