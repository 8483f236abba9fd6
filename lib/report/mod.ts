/**
 * Reports: figures as plotly specs built from plain numbers (one table of builders), the numbers
 * of every figure as a table, self-contained offline HTML reports (plotly.js copied beside them)
 * and rich display in Deno Jupyter notebooks. Tested in headless Chromium.
 *
 * @example A report with a line and a heatmap
 * ```ts
 * import assert from "node:assert/strict";
 * import { FIGURES, writeReport } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const html = await writeReport(dir, "Run 1", [{
 *   title: "Training",
 *   figures: [
 *     FIGURES.line({ id: "reward", title: "reward", series: [{ name: "confidence", x: [1, 2, 3], y: [0.2, 0.3, 0.5] }] }),
 *     FIGURES.heatmap({ id: "acc", title: "accuracy", x: ["add", "mul"], y: ["base", "stage 1"], z: [[0.2, 0.9], [0.5, 0.8]] }),
 *   ],
 * }]);
 * assert.match(await Deno.readTextFile(html), /<h3>accuracy<\/h3>/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  type Cell,
  type Figure,
  figureTable,
  formatCell,
  type Section,
  type Table,
} from "./figure.ts";
export {
  type BarSeries,
  type Correlation,
  type FigureBase,
  type FigureKind,
  FIGURES,
  type LineSeries,
  type Sample,
} from "./figures.ts";
export {
  escapeHtml,
  PLOTLY_FILE,
  renderReport,
  REPORT_FILE,
  tableHtml,
  writeReport,
} from "./html.ts";
export {
  type Displayable,
  displayFigure,
  displayTable,
  JUPYTER_DISPLAY,
  PLOTLY_MIME,
  show,
  showFigure,
  showTable,
  showText,
} from "./display.ts";
export {
  project2d,
  type ProjectionMethod,
  type ProjectionOptions,
  PROJECTIONS,
  UMAP_MIN_POINTS,
} from "./projection.ts";
export { type AuditedFunction, type AuditReportInput, auditSections } from "./audit_sections.ts";
export { leastSquares } from "./stats.ts";
