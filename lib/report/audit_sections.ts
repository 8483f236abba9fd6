/**
 * The acquisition audit as report sections, from plain numbers: one scatter per function (its
 * score against the measured gain of training on each candidate, with the least-squares trend and
 * Spearman's ρ), the distribution of gains, and the correlation table.
 *
 * @module
 */

import type { Interval } from "../eval/mod.ts";
import type { Figure, Section, Table } from "./figure.ts";
import { FIGURES } from "./figures.ts";

/** One audited function: its score of each candidate and the correlations of score with gain. */
export interface AuditedFunction {
  readonly name: string;
  /** One per candidate, in the order of `gains` (null: does not apply). */
  readonly scores: readonly (number | null)[];
  /** Pairs with both a score and a gain. */
  readonly n: number;
  readonly leftOut: number;
  readonly spearman: Interval | null;
  readonly kendall: Interval | null;
}

/** What {@link auditSections} draws: the audit's numbers. */
export interface AuditReportInput {
  /** The drop of validation loss after training on each candidate (null: nothing to train on). */
  readonly gains: readonly (number | null)[];
  readonly functions: readonly AuditedFunction[];
  /** A short label per candidate (its question), shown on hover. */
  readonly labels?: readonly string[];
  /** A paragraph on the settings (steps, learning rate, validation set). */
  readonly summary?: string;
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/**
 * Report sections of an acquisition audit: a correlation table, one scatter (score vs gain) per
 * function, and a histogram of the gains.
 *
 * @example Two functions, five candidates
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditSections } from "./audit_sections.ts";
 * const gains = [0.1, 0.2, null, 0.4, 0.3];
 * const sections = auditSections({ gains, functions: [
 *   { name: "confidence", scores: [1, 2, 3, 4, null], n: 3, leftOut: 2,
 *     spearman: { estimate: 1, low: 1, high: 1 }, kendall: { estimate: 1, low: 1, high: 1 } },
 *   { name: "proximity", scores: [5, 4, 3, 2, 1], n: 4, leftOut: 1, spearman: null, kendall: null },
 * ] });
 * const [summary, scatters] = sections;
 * assert.deepEqual(summary.tables![0].rows[1], ["proximity", 4, 1, null, null, null, null, null, null]);
 * assert.equal(scatters.figures!.length, 2);
 * assert.equal(scatters.figures![0].title, "confidence: Spearman ρ 1.00 [1.00, 1.00] (n = 3)");
 * ```
 */
export function auditSections(input: AuditReportInput): Section[] {
  const { gains, functions, labels } = input;
  functions.forEach((f) => {
    if (f.scores.length !== gains.length) {
      throw new RangeError(
        `Cannot report audit: '${f.name}.scores' must have one entry per gain (${gains.length}): ` +
          `current length is ${f.scores.length}`,
      );
    }
  });
  const ends = (
    r: Interval | null,
  ) => (r === null ? [null, null, null] : [r.estimate, r.low, r.high]);
  const table: Table = {
    id: "audit-correlations",
    title: "Correlation of score with gain (95% bootstrap intervals)",
    columns: [
      "function",
      "n",
      "left out",
      "spearman",
      "spearman low",
      "spearman high",
      "kendall",
      "kendall low",
      "kendall high",
    ],
    rows: functions.map((f) => [f.name, f.n, f.leftOut, ...ends(f.spearman), ...ends(f.kendall)]),
  };
  const scatters: Figure[] = functions.map((f) =>
    FIGURES.scatter({
      id: `audit-${slug(f.name)}`,
      title: f.name,
      xTitle: `${f.name} score`,
      yTitle: "gain (validation loss before − after)",
      x: f.scores,
      y: gains,
      ...(labels && { labels }),
      correlation: f.spearman,
    })
  );
  const measured = gains.filter((g): g is number => g !== null);
  return [
    {
      title: "Does a higher score mean a larger gain?",
      text: input.summary ?? "",
      tables: [table],
      figures: [
        FIGURES.histogram({
          id: "audit-gains",
          title: `Gain of training on each candidate (${measured.length} measured)`,
          xTitle: "gain (validation loss before − after)",
          samples: [{ name: "gain", values: measured }],
        }),
      ],
    },
    { title: "Score against gain, per function", figures: scatters },
  ];
}
