/**
 * A report in a real browser: headless Chromium (Debian's `chromium`, driven by puppeteer-core)
 * opens a report holding every kind of figure from file://, with every request off the page's
 * own folder refused (offline); every figure draws (plotly adds `.main-svg`), the console shows
 * no error, a hostile title reads as text, and a screenshot is kept as a test artefact. Skips
 * with a message where /usr/bin/chromium is absent (.ci/run installs it).
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { type Figure, FIGURES, writeReport } from "../../lib/report/mod.ts";
import { createRng } from "../../lib/run/mod.ts";

const CHROMIUM = "/usr/bin/chromium";
const present = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!present) {
  console.warn(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

const TITLE = `Run <script>alert("pwned")</script> & co`;

/** One figure of every kind the builders make, from made-up but plausible numbers. */
function everyKind(): Figure[] {
  const rng = createRng(5);
  const functions = ["confidence", "proximity", "gradient-magnitude"];
  const steps = Array.from({ length: 20 }, (_, i) => i + 1);
  const kinds = ["add", "sub", "mul", "list-max"];
  return [
    FIGURES.line({
      id: "reward",
      title: "Mean reward per step",
      xTitle: "step",
      yTitle: "reward",
      series: functions.map((name, k) => ({
        name,
        x: steps,
        y: steps.map((s) => 0.2 + 0.01 * s * (k + 1) + 0.05 * rng.next()),
      })),
    }),
    FIGURES.histogram({
      id: "scores",
      title: "Score distributions",
      samples: functions.map((name, k) => ({
        name,
        values: Array.from({ length: 200 }, () => k + rng.normal()),
      })),
    }),
    FIGURES.box({
      id: "scores-box",
      title: "Score distributions (box)",
      samples: functions.map((name, k) => ({
        name,
        values: Array.from({ length: 50 }, () => k * 0.5 + rng.normal()),
      })),
    }),
    FIGURES.scatter({
      id: "audit-confidence",
      title: "confidence",
      xTitle: "score",
      yTitle: "gain",
      x: Array.from({ length: 40 }, (_, i) => i / 40),
      y: Array.from({ length: 40 }, (_, i) => i / 400 + 0.02 * rng.normal()),
      labels: Array.from({ length: 40 }, (_, i) => `<candidate ${i}>`),
      correlation: { estimate: 0.61, low: 0.4, high: 0.77 },
    }),
    FIGURES.heatmap({
      id: "matrix",
      title: "Accuracy matrix",
      x: kinds,
      y: ["base", "stage 1", "stage 2"],
      z: [[0.2, 0.3, 0.9, 0.8], [0.6, 0.5, 0.85, 0.7], [0.55, 0.7, 0.8, null]],
      zmin: 0,
      zmax: 1,
    }),
    FIGURES.bars({
      id: "forgetting",
      title: "Forgetting with 95% intervals",
      categories: kinds,
      series: ["oracle", "random"].map((name) => ({
        name,
        values: kinds.map(() => 0.1 + 0.1 * rng.next()),
        low: kinds.map(() => 0.05),
        high: kinds.map(() => 0.25),
      })),
    }),
    FIGURES.bars({
      id: "share",
      title: "Share of kinds before and after training",
      categories: kinds,
      series: [{ name: "before", values: [0.25, 0.25, 0.25, 0.25] }, {
        name: "after",
        values: [0.4, 0.3, 0.2, 0.1],
      }],
    }),
    FIGURES.map2d({
      id: "map",
      title: "Question embeddings",
      points: Array.from(
        { length: 60 },
        (_, i) => Array.from({ length: 8 }, () => (i < 30 ? 0 : 4) + rng.normal()),
      ),
      groups: Array.from({ length: 60 }, (_, i) => (i < 30 ? "confidence" : "oracle")),
      seed: 1,
    }),
  ];
}

async function launch(profile: string): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

Deno.test({
  name:
    "a report with every kind of figure renders offline in headless Chromium with no console error",
  ignore: !present,
  // puppeteer keeps timers and sockets of its own between launch and close.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // The artefact's folder is fixed and replaced on each run, so runs do not pile up.
    const dir = join(tmpdir(), "acqsynth-browser-test");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const profile = await Deno.makeTempDir({ prefix: "acqsynth-chromium-" });
    const figures = everyKind();
    const path = await writeReport(dir, TITLE, [
      { title: "Training", text: "Rewards <b>per</b> step.", figures: figures.slice(0, 3) },
      {
        title: "Audit and evaluation",
        figures: figures.slice(3),
        tables: [{
          id: "t",
          title: "Summary",
          columns: ["method", "accuracy"],
          rows: [["oracle", 0.8], ["random", null]],
        }],
      },
    ]);
    const browser = await launch(profile);
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warn") {
          problems.push(`console.${m.type()}: ${m.text()}`);
        }
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e}`));
      page.on("dialog", (d) => {
        problems.push(`dialog: ${d.message()}`);
        d.dismiss();
      });
      // Offline: anything not from the report's own folder (or made in the page: a heatmap's
      // data: image) is refused and recorded.
      await page.setRequestInterception(true);
      page.on("request", (r) => {
        if (/^(data|blob):/.test(r.url()) || r.url().startsWith(`file://${dir}/`)) r.continue();
        else {
          problems.push(`request off the report folder: ${r.url()}`);
          r.abort();
        }
      });
      await page.goto(`file://${path}`, { waitUntil: "load" });
      await page.waitForSelector(`body[data-rendered="${figures.length}"]`, { timeout: 15_000 });
      const drawn = await page.$$eval(
        ".figure",
        (divs) => divs.map((d) => d.querySelectorAll(".main-svg").length),
      );
      assert.equal(drawn.length, figures.length);
      assert.ok(drawn.every((n) => n > 0), `figures without .main-svg: ${drawn}`);
      // Each kind of trace made it to the page.
      const traces = await page.$$eval(
        ".figure",
        (divs) =>
          divs.map((d) =>
            ["scatterlayer .trace", "barlayer .trace", "boxlayer .trace", "heatmaplayer image"]
              .map((s) => d.querySelectorAll(`.${s}`).length)
          ),
      );
      assert.ok(
        traces[0][0] === 3 && traces[1][1] === 3 && traces[2][2] === 3,
        JSON.stringify(traces),
      );
      assert.ok(
        traces[4][3] >= 1 && traces[5][1] === 2 && traces[7][0] === 2,
        JSON.stringify(traces),
      );
      assert.equal(await page.$eval("h1", (h) => h.textContent), TITLE);
      assert.equal(await page.$eval("#plotly-missing", (p) => p.hasAttribute("hidden")), true);
      assert.equal(problems.join("\n"), "");
      const shot = `${dir}/screenshot.png`;
      await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
      assert.ok((await Deno.stat(shot)).size > 10_000);
      console.log(`report and screenshot kept: ${path} ${shot}`);

      // Without plotly.min.js beside it the report says so, and its tables still hold the numbers.
      await Deno.remove(`${dir}/plotly.min.js`);
      problems.length = 0;
      await page.goto(`file://${path}`, { waitUntil: "load" });
      assert.equal(await page.$eval("#plotly-missing", (p) => p.hasAttribute("hidden")), false);
      assert.equal(await page.$$eval(".main-svg", (s) => s.length), 0);
      assert.ok((await page.$$eval("td", (t) => t.length)) > 100);
      // The one complaint is the missing file itself.
      assert.match(
        problems.join("\n"),
        /^console\.error: Failed to load resource: net::ERR_FILE_NOT_FOUND$/,
      );
    } finally {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
