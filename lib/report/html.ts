/**
 * Self-contained HTML reports: one `report.html` with every figure drawn by plotly.js from a
 * `plotly.min.js` beside it (copied from the npm package, so the folder works offline and from
 * file://), and every figure's numbers as a table under it. All text is escaped; files are
 * written atomically (a temporary file renamed into place).
 *
 * @module
 */

import { join } from "node:path";
import { type Figure, figureTable, formatCell, type Section, type Table } from "./figure.ts";

/**
 * The file name of plotly.js beside a report.
 *
 * @example The report loads it by this relative name
 * ```ts
 * import assert from "node:assert/strict";
 * import { PLOTLY_FILE, renderReport } from "./html.ts";
 * assert.ok(renderReport("r", []).includes(`<script src="./${PLOTLY_FILE}"></script>`));
 * ```
 */
export const PLOTLY_FILE = "plotly.min.js";

/**
 * The file name of a report in its folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REPORT_FILE } from "./html.ts";
 * assert.equal(REPORT_FILE, "report.html");
 * ```
 */
export const REPORT_FILE = "report.html";

/**
 * Text made safe to place in HTML content and in quoted attribute values.
 *
 * @example A script tag reads as text
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./html.ts";
 * assert.equal(escapeHtml(`<script>alert("x & 'y'")</script>`),
 *   "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
});

/**
 * JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the two line separators
 * JavaScript does not accept in strings are written as escapes, so no text can close the element.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A table as HTML (cells escaped, numbers right-aligned); tables longer than `openRows` rows
 * start folded.
 *
 * @example A short table starts open, a long one folded
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableHtml } from "./html.ts";
 * const t = { id: "t", title: "acc", columns: ["kind", "accuracy"], rows: [["add", 0.25], ["mul", null]] };
 * assert.match(tableHtml(t), /^<details id="t" open><summary>acc \(2 rows\)<\/summary>/);
 * assert.match(tableHtml(t), /<tr><td>mul<\/td><td>n\/a<\/td><\/tr>/);
 * assert.ok(!tableHtml(t, 1).includes(" open>"));
 * ```
 */
export function tableHtml(table: Table, openRows = 25): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows.map((r) =>
    `<tr>${
      r.map((v) =>
        `<td${typeof v === "number" ? ' class="n"' : ""}>${escapeHtml(formatCell(v))}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  return `<details id="${escapeHtml(table.id)}"${table.rows.length <= openRows ? " open" : ""}>` +
    `<summary>${escapeHtml(table.title)} (${table.rows.length} rows)</summary>\n` +
    `<table><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></details>`;
}

function paragraphs(text: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)
    .map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
}

/** Throws when two figures or tables of a report share an id (anchors must be unique). */
function checkIds(sections: readonly Section[]): void {
  const seen = new Set<string>();
  for (const [i, s] of sections.entries()) {
    for (const item of [...(s.figures ?? []), ...(s.tables ?? [])]) {
      if (typeof item.id !== "string" || item.id === "" || seen.has(item.id)) {
        throw new RangeError(
          `Cannot write report: every figure and table needs its own non-empty 'id': ` +
            `section ${i} ('${s.title}') repeats or lacks one: current value is '${item.id}'`,
        );
      }
      seen.add(item.id);
    }
  }
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { font-size: 1.05em; }
.figure { min-height: 420px; } table { border-collapse: collapse; font-size: 13px; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
summary { cursor: pointer; color: #555; } #plotly-missing { background: #fee; padding: .5em 1em; }
nav ol { columns: 2; }`;

// Draws every figure from the JSON block; if plotly.min.js is missing, says so (the tables
// still hold every number). `data-rendered` tells a test how many figures are drawn.
const DRAW = `
(function () {
  var figures = JSON.parse(document.getElementById("figures-json").textContent);
  if (typeof Plotly === "undefined") {
    var note = document.getElementById("plotly-missing");
    note.hidden = false;
    return;
  }
  Promise.all(figures.map(function (f) {
    return Plotly.newPlot(document.getElementById("plot-" + f.index), f.data, f.layout,
      { responsive: true, displaylogo: false });
  })).then(function () { document.body.setAttribute("data-rendered", String(figures.length)); });
})();`;

/**
 * The HTML text of a report (see {@link writeReport}).
 *
 * @example Text is escaped, figures become plot divs with their tables
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderReport } from "./html.ts";
 * const html = renderReport("<script>x</script>", [{ title: "A", figures: [
 *   { id: "f", title: "F", data: [{ type: "bar", name: "s", x: ["a"], y: [1] }] }] }]);
 * assert.ok(html.includes("<title>&lt;script&gt;x&lt;/script&gt;</title>"));
 * assert.ok(html.includes('id="plot-0"') && html.includes("<td>a</td>"));
 * ```
 */
export function renderReport(title: string, sections: readonly Section[]): string {
  checkIds(sections);
  const figures: { index: number; data: unknown[]; layout: Record<string, unknown> }[] = [];
  const figureHtml = (f: Figure) => {
    const index = figures.length;
    // The heading carries the title; plotly's own would repeat it.
    const { title: _, ...layout } = f.layout ?? {};
    figures.push({
      index,
      data: f.data,
      layout: { ...layout, margin: { t: 20, r: 20, b: 50, l: 60 } },
    });
    return `<section class="fig" id="${escapeHtml(f.id)}"><h3>${escapeHtml(f.title)}</h3>\n` +
      `<div class="figure" id="plot-${index}"></div>\n${tableHtml(figureTable(f), 12)}</section>`;
  };
  const body = sections.map((s, i) =>
    `<section id="section-${i}"><h2>${escapeHtml(s.title)}</h2>\n${paragraphs(s.text ?? "")}\n` +
    (s.figures ?? []).map(figureHtml).join("\n") + "\n" +
    (s.tables ?? []).map((t) => `<h3>${escapeHtml(t.title)}</h3>\n${tableHtml(t)}`).join("\n") +
    "</section>"
  ).join("\n");
  const nav = sections.map((s, i) => `<li><a href="#section-${i}">${escapeHtml(s.title)}</a></li>`)
    .join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
<script src="./${PLOTLY_FILE}"></script>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p id="plotly-missing" hidden>${PLOTLY_FILE} is missing beside this file, so the figures are not drawn; the tables under each figure hold its numbers.</p>
<nav><ol>${nav}</ol></nav>
${body}
<script type="application/json" id="figures-json">${scriptJson(figures)}</script>
<script>${DRAW}</script>
</body></html>
`;
}

/** Writes `text` to `path` through a temporary file in the same folder and a rename. */
async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** The text of plotly.min.js, read from the npm package when a report is first written. */
async function plotlySource(): Promise<string> {
  const { default: source } = await import("plotly.js-dist-min/plotly.min.js", {
    with: { type: "text" },
  });
  return source;
}

/**
 * Writes `dir/report.html` and `dir/plotly.min.js` (the folder is created if needed) and returns
 * the report's path. The report opens offline, from file://; each figure's numbers are in a
 * table under it.
 *
 * @example A report with one figure
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeReport } from "./html.ts";
 * import { FIGURES } from "./figures.ts";
 * const dir = await Deno.makeTempDir();
 * const path = await writeReport(dir, "Demo", [{ title: "Rewards", figures: [
 *   FIGURES.line({ id: "r", title: "reward", series: [{ name: "confidence", x: [1, 2], y: [0.1, 0.4] }] }),
 * ] }]);
 * assert.equal(path, `${dir}/report.html`);
 * assert.ok((await Deno.stat(`${dir}/plotly.min.js`)).size > 1_000_000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeReport(
  dir: string,
  title: string,
  sections: readonly Section[],
): Promise<string> {
  const html = renderReport(title, sections);
  await Deno.mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, PLOTLY_FILE), await plotlySource());
  const path = join(dir, REPORT_FILE);
  await writeAtomic(path, html);
  return path;
}
