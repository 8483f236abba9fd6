/**
 * The figures of an ablation from its runs' item verdicts: per arm, weak-kind accuracy,
 * other-kind accuracy and forgetting (the mean drop from the base student to the fine-tuned one
 * over the other kinds and the probe sets), each with a 95% bootstrap interval that resamples
 * items within each seed and kind (then averages over seeds), and the paired difference against a
 * reference arm on the items both were evaluated on.
 *
 * Why pairing is by item id: a run's held-out items are the seed's items less the questions of
 * its own fine-tuning dataset, so two arms of one seed can differ by the few items one of them
 * trained on; the paired comparison keeps the items both have.
 *
 * @module
 */

import type { Interval } from "../eval/mod.ts";
import { createRng } from "../run/mod.ts";

/** One item's verdicts: a row of booleans (e.g. before, after). */
export type Row = readonly boolean[];

/** One seed's items: unit (a kind, or `set:NAME` for a probe set) → rows. */
export type SeedUnits = Readonly<Record<string, readonly Row[]>>;

/** Options of {@link seedBootstrap}. */
export interface SeedBootstrapOptions {
  /** Seed of the resampling. @default 0 */
  readonly seed?: number;
  /** @default 2000 */
  readonly resamples?: number;
}

/**
 * Percentile bootstrap intervals of several statistics over seeds of items, from the same
 * resamples: each resample draws, within every seed and every unit, as many rows as it has, with
 * replacement (so every kind keeps its count and no seed borrows another's items).
 *
 * @example The mean accuracy of two kinds, and an interval that holds it
 * ```ts
 * import assert from "node:assert/strict";
 * import { seedBootstrap } from "./ablation_stats.ts";
 * const seeds = [{ add: [[true], [false]], mul: [[true], [true]] }];
 * const mean = (s: readonly (typeof seeds)[number][]) => (s[0].add.filter((r) => r[0]).length / 2 +
 *   s[0].mul.filter((r) => r[0]).length / 2) / 2;
 * const { acc } = seedBootstrap(seeds, { acc: mean }, { resamples: 500 });
 * assert.equal(acc.estimate, 0.75);
 * assert.ok(acc.low <= 0.75 && acc.high >= 0.75 && acc.low >= 0.5 && acc.high <= 1);
 * ```
 */
export function seedBootstrap<S extends SeedUnits, K extends string>(
  seeds: readonly S[],
  statistics: Readonly<Record<K, (seeds: readonly S[]) => number>>,
  options: SeedBootstrapOptions = {},
): Record<K, Interval> {
  const { seed = 0, resamples = 2000 } = options;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(
      `Cannot bootstrap: 'resamples' must be an integer ≥ 1: current value is ${resamples}`,
    );
  }
  const names = Object.keys(statistics) as K[];
  const rng = createRng(seed);
  const draw = (rows: readonly Row[]) =>
    rows.length === 0 ? rows : rows.map(() => rows[rng.int(0, rows.length - 1)]);
  const stats = names.map(() => [] as number[]);
  for (let i = 0; i < resamples; i++) {
    const sample = seeds.map((units) =>
      Object.fromEntries(Object.entries(units).map(([u, rows]) => [u, draw(rows)])) as S
    );
    names.forEach((k, j) => stats[j].push(statistics[k](sample)));
  }
  const interval = (k: K, j: number): Interval => {
    const finite = stats[j].filter(Number.isFinite).sort((a, b) => a - b);
    const at = (q: number) =>
      finite.length ? finite[Math.min(finite.length - 1, Math.floor(q * finite.length))] : NaN;
    return { estimate: statistics[k](seeds), low: at(0.025), high: at(0.975) };
  };
  return Object.fromEntries(names.map((k, j) => [k, interval(k, j)])) as Record<K, Interval>;
}

/** Mean of column `col` over rows (NaN for none). */
export function columnMean(rows: readonly Row[], col: number): number {
  if (rows.length === 0) return NaN;
  let s = 0;
  for (const r of rows) s += r[col] ? 1 : 0;
  return s / rows.length;
}

const mean = (xs: readonly number[]) => {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
};

/**
 * Mean over seeds of the mean over `units` (those a seed has) of column `col`'s accuracy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitAccuracy } from "./ablation_stats.ts";
 * const seeds = [{ add: [[true], [false]], mul: [[true]] }, { add: [[true]], mul: [[false]] }];
 * assert.equal(unitAccuracy(seeds, ["add", "mul"], 0), (0.75 + 0.5) / 2);
 * ```
 */
export function unitAccuracy(
  seeds: readonly SeedUnits[],
  units: readonly string[],
  col: number,
): number {
  return mean(seeds.map((s) => mean(units.filter((u) => s[u]).map((u) => columnMean(s[u], col)))));
}

/**
 * Mean over seeds of the mean over `units` of column `before` minus column `after`: the drop
 * (positive: forgotten).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitDrop } from "./ablation_stats.ts";
 * assert.equal(unitDrop([{ add: [[true, false], [true, true]] }], ["add"], 0, 1), 0.5);
 * ```
 */
export function unitDrop(
  seeds: readonly SeedUnits[],
  units: readonly string[],
  before: number,
  after: number,
): number {
  return mean(
    seeds.map((s) =>
      mean(units.filter((u) => s[u]).map((u) => columnMean(s[u], before) - columnMean(s[u], after)))
    ),
  );
}

/** The three figures of one arm (or their paired differences). */
export interface ArmFigures {
  /** Fine-tuned accuracy on the weak kinds. */
  readonly weak: Interval;
  /** Fine-tuned accuracy on the other kinds. */
  readonly other: Interval;
  /** Mean drop from base to fine-tuned over the other kinds and the probe sets. */
  readonly forgetting: Interval;
}

/** Which units the figures read. */
export interface UnitSplit {
  readonly weakKinds: readonly string[];
  readonly otherKinds: readonly string[];
  /** `set:NAME` units of the probe (file) sets. */
  readonly probeSets: readonly string[];
}

/**
 * An arm's figures from its per-seed rows `[before, after]`.
 *
 * @example A kind learnt, another forgotten
 * ```ts
 * import assert from "node:assert/strict";
 * import { armFigures } from "./ablation_stats.ts";
 * const f = armFigures([{ mul: [[false, true], [false, true]], add: [[true, false], [true, true]] }],
 *   { weakKinds: ["mul"], otherKinds: ["add"], probeSets: [] }, { resamples: 200 });
 * assert.equal(f.weak.estimate, 1);
 * assert.equal(f.other.estimate, 0.5);
 * assert.equal(f.forgetting.estimate, 0.5);
 * ```
 */
export function armFigures(
  seeds: readonly SeedUnits[],
  split: UnitSplit,
  options: SeedBootstrapOptions = {},
): ArmFigures {
  const kept = [...split.otherKinds, ...split.probeSets];
  return seedBootstrap(seeds, {
    weak: (s) => unitAccuracy(s, split.weakKinds, 1),
    other: (s) => unitAccuracy(s, split.otherKinds, 1),
    forgetting: (s) => unitDrop(s, kept, 0, 1),
  }, options);
}

/**
 * The paired differences arm − reference from per-seed rows `[before, after, refBefore,
 * refAfter]` on the items both have (forgetting: the arm's drop − the reference's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairedFigures } from "./ablation_stats.ts";
 * const d = pairedFigures([{ mul: [[false, true, false, false], [false, true, false, true]] }],
 *   { weakKinds: ["mul"], otherKinds: [], probeSets: [] }, { resamples: 200 });
 * assert.equal(d.weak.estimate, 0.5);
 * assert.ok(d.weak.low >= 0 && d.weak.high <= 1);
 * ```
 */
export function pairedFigures(
  seeds: readonly SeedUnits[],
  split: UnitSplit,
  options: SeedBootstrapOptions = {},
): ArmFigures {
  const kept = [...split.otherKinds, ...split.probeSets];
  const diff =
    (f: (s: readonly SeedUnits[], b: number, a: number) => number) => (s: readonly SeedUnits[]) =>
      f(s, 0, 1) - f(s, 2, 3);
  return seedBootstrap(seeds, {
    weak: diff((s, _, a) => unitAccuracy(s, split.weakKinds, a)),
    other: diff((s, _, a) => unitAccuracy(s, split.otherKinds, a)),
    forgetting: diff((s, b, a) => unitDrop(s, kept, b, a)),
  }, options);
}

/** An item's verdicts before and after, keyed by unit and id. */
export type RunItems = ReadonlyMap<string, ReadonlyMap<string, readonly [boolean, boolean]>>;

/** One run's rows `[before, after]` per unit. */
export function runRows(items: RunItems): SeedUnits {
  return Object.fromEntries([...items].map(([u, m]) => [u, [...m.values()]]));
}

/**
 * Rows `[before, after, refBefore, refAfter]` of the items both runs have, per unit, and how
 * many items were left out of the pairing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairRows } from "./ablation_stats.ts";
 * const a = new Map([["add", new Map([["1", [true, true] as const], ["2", [false, true] as const]])]]);
 * const r = new Map([["add", new Map([["1", [true, false] as const]])]]);
 * assert.deepEqual(pairRows(a, r), { rows: { add: [[true, true, true, false]] }, unpaired: 1 });
 * ```
 */
export function pairRows(arm: RunItems, ref: RunItems): { rows: SeedUnits; unpaired: number } {
  const rows: Record<string, Row[]> = {};
  let unpaired = 0;
  for (const [u, items] of arm) {
    const other = ref.get(u);
    for (const [id, v] of items) {
      const w = other?.get(id);
      if (!w) {
        unpaired++;
        continue;
      }
      (rows[u] ??= []).push([v[0], v[1], w[0], w[1]]);
    }
  }
  for (const [u, items] of ref) {
    for (const id of items.keys()) if (!arm.get(u)?.has(id)) unpaired++;
  }
  return { rows, unpaired };
}
