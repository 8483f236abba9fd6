/**
 * Figures and tables in a Deno Jupyter notebook: objects that carry the kernel's display method
 * (`Symbol.for("Jupyter.display")`, which `Deno.jupyter.$display` names), so a cell whose last
 * value is one — or `await Deno.jupyter.display(x)` anywhere — shows the plot inline (the plotly
 * MIME bundle, which JupyterLab and VS Code draw) with the figure's table as the HTML fallback.
 *
 * @module
 */

import { type Figure, figureTable, formatCell, type Table } from "./figure.ts";
import { escapeHtml, tableHtml } from "./html.ts";

/**
 * The MIME type under which Jupyter front ends draw a plotly figure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PLOTLY_MIME } from "./display.ts";
 * assert.equal(PLOTLY_MIME, "application/vnd.plotly.v1+json");
 * ```
 */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * The symbol Deno's Jupyter kernel calls to get an object's MIME bundle (`Deno.jupyter.$display`).
 *
 * @example It is the registered symbol, so any object can carry it
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY } from "./mod.ts";
 * assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** Something a Deno notebook cell displays richly. */
export interface Displayable {
  [JUPYTER_DISPLAY](): Record<string, unknown>;
}

function plainTable(t: Table): string {
  return [t.title, t.columns.join("\t"), ...t.rows.map((r) => r.map(formatCell).join("\t"))].join(
    "\n",
  );
}

/**
 * A figure as a notebook shows it: the plotly bundle, its table as HTML (for front ends that do
 * not draw plotly) and as plain text.
 *
 * @example The bundle a cell receives
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayFigure, FIGURES, JUPYTER_DISPLAY } from "./mod.ts";
 * const fig = FIGURES.bars({ id: "b", title: "share", categories: ["add"], series: [{ name: "before", values: [0.2] }] });
 * const bundle = displayFigure(fig)[JUPYTER_DISPLAY]();
 * assert.deepEqual(bundle["application/vnd.plotly.v1+json"], { data: fig.data, layout: fig.layout });
 * assert.match(String(bundle["text/html"]), /<td>add<\/td>/);
 * ```
 */
export function displayFigure(figure: Figure): Displayable {
  return {
    [JUPYTER_DISPLAY]: () => {
      const table = figureTable(figure);
      return {
        [PLOTLY_MIME]: {
          data: figure.data,
          layout: figure.layout ?? { title: { text: figure.title } },
        },
        "text/html": `<h4>${escapeHtml(figure.title)}</h4>\n${tableHtml(table, 0)}`,
        "text/plain": plainTable(table),
      };
    },
  };
}

/**
 * A table as a notebook shows it: HTML, and tab-separated plain text.
 *
 * @example An HTML table with escaped text
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayTable, JUPYTER_DISPLAY } from "./mod.ts";
 * const t = { id: "t", title: "kinds", columns: ["kind", "accuracy"], rows: [["<add>", 0.25]] };
 * const bundle = displayTable(t)[JUPYTER_DISPLAY]();
 * assert.match(String(bundle["text/html"]), /<td>&lt;add&gt;<\/td><td class="n">0.25<\/td>/);
 * assert.equal(bundle["text/plain"], "kinds\nkind\taccuracy\n<add>\t0.25");
 * ```
 */
export function displayTable(table: Table): Displayable {
  return {
    [JUPYTER_DISPLAY]: () => ({
      "text/html": tableHtml(table, Infinity),
      "text/plain": plainTable(table),
    }),
  };
}

/** The part of Deno's Jupyter namespace `show` uses (present only inside a Deno kernel). */
interface JupyterNamespace {
  display(value: unknown, options?: { raw?: boolean }): Promise<void>;
}

/**
 * Shows a figure or table now: inside a Deno Jupyter kernel it is published as a display message
 * and awaited, so it reaches the notebook before the cell ends (a cell's final value can arrive
 * after the kernel reports the cell idle, and headless runners then drop it); outside a kernel
 * the plain-text table is printed.
 *
 * @example Outside a notebook the figure's numbers are printed
 * ```ts
 * import { displayFigure, FIGURES, show } from "./mod.ts";
 * await show(displayFigure(FIGURES.line({ id: "r", title: "reward", series: [{ name: "mean", x: [1, 2], y: [0.1, 0.4] }] })));
 * ```
 */
export async function show(item: Displayable): Promise<void> {
  let jupyter: JupyterNamespace | undefined;
  try {
    jupyter = (Deno as unknown as { jupyter?: JupyterNamespace }).jupyter;
  } catch {
    // Outside `deno jupyter` the namespace's getter throws: print instead.
  }
  if (jupyter && typeof jupyter.display === "function") {
    await jupyter.display(item[JUPYTER_DISPLAY](), { raw: true });
    // The kernel can still report the cell idle before the message is out, and headless runners
    // drop what comes after idle: a short pause lets it leave first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  console.log(String(item[JUPYTER_DISPLAY]()["text/plain"] ?? ""));
}

/**
 * `show(displayFigure(figure))`: a figure inline now.
 *
 * @example
 * ```ts
 * import { FIGURES, showFigure } from "./mod.ts";
 * await showFigure(FIGURES.bars({ id: "acc", title: "accuracy", categories: ["add", "mul"], series: [{ name: "after", values: [0.4, 0.9] }] }));
 * ```
 */
export function showFigure(figure: Figure): Promise<void> {
  return show(displayFigure(figure));
}

/**
 * `show(displayTable(table))`: a table inline now.
 *
 * @example
 * ```ts
 * import { showTable } from "./mod.ts";
 * await showTable({ id: "t", title: "kinds", columns: ["kind", "n"], rows: [["add", 50]] });
 * ```
 */
export function showTable(table: Table): Promise<void> {
  return show(displayTable(table));
}

/**
 * Shows a line of text now: inside a Deno Jupyter kernel as an awaited display message (so it
 * reaches the notebook even from a cell's last line, where printed output can arrive after the
 * cell is reported idle); outside a kernel it is printed.
 *
 * @example
 * ```ts
 * import { showText } from "./mod.ts";
 * await showText("report: runs/x/report.html");
 * ```
 */
export function showText(text: string): Promise<void> {
  return show({ [JUPYTER_DISPLAY]: () => ({ "text/plain": text }) });
}
