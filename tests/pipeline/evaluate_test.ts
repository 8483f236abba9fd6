/**
 * The evaluate stage's accuracy matrix through the real pipeline on a tiny budget (the oracle
 * baseline under --quick: no GRPO): one column per kind and per probe, forgetting with
 * intervals, the base student's evaluation shared through the run cache, probes skipped with one
 * logged line when their folder is absent, and the report's heatmap and forgetting bars, drawn in
 * headless Chromium (skipped where /usr/bin/chromium is absent).
 * Nothing here depends on what the shipped models answer.
 */
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { runPipeline, validatePipelineConfig } from "../../lib/pipeline/mod.ts";
import { sharedFile } from "../shared_data.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!chromium) console.warn(`skipping the report's browser check: ${CHROMIUM} is not installed`);

/** Opens a report in headless Chromium: the figures drawn (plotly's svg each) and any console error. */
async function openReport(path: string): Promise<{ drawn: number[]; problems: string[] }> {
  const profile = await Deno.makeTempDir({ prefix: "acqsynth-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(String(e)));
    await page.goto(`file://${path}`, { waitUntil: "load" });
    const n = await page.$$eval(".figure", (d) => d.length);
    await page.waitForSelector(`body[data-rendered="${n}"]`, { timeout: 20_000 });
    const drawn = await page.$$eval(
      ".figure",
      (divs) => divs.map((d) => d.querySelectorAll(".main-svg").length),
    );
    return { drawn, problems };
  } finally {
    await browser.close();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

const probesFolder = await sharedFile("probes");
const KINDS = ["add", "largest", "sum", "max"];

const tiny = (probes: Record<string, unknown> | undefined) => ({
  name: "matrix",
  baseline: "oracle",
  seeds: { kinds: ["add", "largest", "sum"], count: 3 },
  synth: { count: 4 },
  sft: { steps: 2, batchSize: 2 },
  evaluation: {
    procedural: { kinds: KINDS, count: 3 },
    ...(probes ? { probes } : {}),
    resamples: 200,
  },
});

interface MatrixJson {
  rows: string[];
  columns: string[];
  values: number[][];
  counts: number[];
  learnedAt: number[];
  columnSets: Record<string, string>;
  metrics: {
    averageAccuracy: { estimate: number; low: number; high: number };
    forgetting: {
      perColumn: { estimate: number; low: number; high: number }[];
      mean: { estimate: number; low: number; high: number };
    };
  };
}

const readMatrix = async (out: string): Promise<MatrixJson> =>
  JSON.parse(await Deno.readTextFile(`${out}/eval/matrix.json`));

Deno.test({
  name:
    "the evaluate stage writes the accuracy matrix with one column per kind and probe, and the report draws it",
  // puppeteer keeps timers and sockets of its own between launch and close.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: matrixRun,
});

async function matrixRun() {
  const probes = probesFolder ? { bbh: 4, mmluStem: 4, folder: probesFolder } : undefined;
  const raw = tiny(probes);
  const out = await Deno.makeTempDir(), cache = await Deno.makeTempDir();
  const lines: string[] = [];
  await runPipeline({
    config: validatePipelineConfig(raw),
    raw,
    out,
    cache,
    quick: true,
    onLog: (l) => lines.push(l),
  });
  const m = await readMatrix(out);
  const probeColumns = probes ? ["bbh", "mmlu-stem"] : [];
  assert.deepEqual(m.rows, ["base", "fine-tuned"]);
  assert.deepEqual([...m.columns].sort(), [...KINDS, ...probeColumns].sort());
  assert.deepEqual(m.columns.slice(KINDS.length), probeColumns, "probes come after the kinds");
  assert.equal(m.columnSets.add, "procedural");
  // Quick caps the procedural set at 2 items per kind; a probe draws exactly its count.
  m.columns.forEach((c, j) => {
    assert.ok(m.counts[j] >= 1 && m.counts[j] <= (probeColumns.includes(c) ? 4 : 2), c);
    if (probeColumns.includes(c)) assert.equal(m.counts[j], 4);
  });
  // The oracle fine-tunes on add, largest and sum: learned at the last stage; probes never. The
  // code kind sum asks one question for every task (only the tests differ), and its items stay.
  assert.equal(m.learnedAt[m.columns.indexOf("add")], 1);
  assert.equal(m.learnedAt[m.columns.indexOf("largest")], 1);
  assert.equal(m.learnedAt[m.columns.indexOf("sum")], 1);
  assert.notEqual(m.learnedAt[m.columns.indexOf("max")], 1);
  for (const c of probeColumns) assert.equal(m.learnedAt[m.columns.indexOf(c)], -1);
  // Two rows: forgetting is the first row minus the last, each within its interval.
  m.columns.forEach((c, j) => {
    const f = m.metrics.forgetting.perColumn[j];
    assert.ok(Math.abs(f.estimate - (m.values[0][j] - m.values[1][j])) < 1e-12, c);
    assert.ok(f.low <= f.estimate && f.estimate <= f.high, c);
  });
  const avg = m.metrics.averageAccuracy;
  assert.ok(avg.low <= avg.estimate && avg.estimate <= avg.high);

  const table = await Deno.readTextFile(`${out}/eval/table.txt`);
  assert.match(table, /procedural \/ all/);
  assert.match(table, /accuracy matrix \(eval\/matrix\.json\): rows base → fine-tuned/);
  assert.match(table, /mean forgetting [+−]\d+ \[/);
  if (probes) assert.match(table, /^bbh: \d+% → \d+%, forgetting .* \(n 4\)$/m);
  const html = await Deno.readTextFile(`${out}/report/report.html`);
  for (const id of ["accuracy-matrix", "matrix-forgetting", "matrix-values", "matrix-metrics"]) {
    assert.ok(html.includes(`id="${id}"`), `report.html lacks '${id}'`);
  }
  assert.ok(html.includes('"type":"heatmap"'));
  if (chromium) {
    const { drawn, problems } = await openReport(`${out}/report/report.html`);
    assert.ok(drawn.length >= 2 && drawn.every((k) => k > 0), `figures not drawn: ${drawn}`);
    assert.equal(problems.join("\n"), "");
  }

  // The base student is measured once: a rerun of the stage reads it from the cache.
  assert.equal(lines.filter((l) => /^base-eval: computed/.test(l)).length, 1);
  lines.length = 0;
  await runPipeline({
    config: validatePipelineConfig(raw),
    raw,
    out,
    cache,
    quick: true,
    from: "evaluate",
    onLog: (l) => lines.push(l),
  });
  assert.equal(lines.filter((l) => /^base-eval: from cache/.test(l)).length, 1);
  assert.ok(!lines.some((l) => / before: /.test(l)), "the base student was measured again");
  assert.deepEqual((await readMatrix(out)).values, m.values);
}

Deno.test("probes are skipped with one logged line when their folder is absent", async () => {
  const missing = `${await Deno.makeTempDir()}/no-such-folder`;
  const raw = tiny({ bbh: 4, mmluStem: 4, folder: missing });
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const r = await runPipeline({
    config: validatePipelineConfig(raw),
    raw,
    out,
    quick: true,
    onLog: (l) => lines.push(l),
  });
  assert.equal(r.signal, null);
  const skipped = lines.filter((l) => /probe/.test(l));
  assert.deepEqual(skipped, [
    `evaluate: probes bbh, mmlu-stem skipped: the probe folder ${missing} does not exist ` +
    "(set 'evaluation.probes.folder' or ACQSYNTH_SHARED_DATA)",
  ]);
  assert.deepEqual([...(await readMatrix(out)).columns].sort(), [...KINDS].sort());
});

Deno.test("the probe config is checked field by field and defaults to no probes", () => {
  const c = validatePipelineConfig({ name: "x" });
  assert.deepEqual(c.evaluation.probes, { bbh: 0, mmluStem: 0, folder: null });
  assert.throws(
    () => validatePipelineConfig({ name: "x", evaluation: { probes: { bbh: -1 } } }, "x.json"),
    /Cannot read pipeline config x\.json: 'evaluation\.probes\.bbh' must be an integer ≥ 0: current value is -1/,
  );
  assert.throws(
    () => validatePipelineConfig({ name: "x", evaluation: { probes: { mmlu: 5 } } }),
    /'evaluation\.probes\.mmlu' is not a field \(fields: bbh, mmluStem, folder\)/,
  );
  // Probes alone are an evaluation set.
  const only = validatePipelineConfig({
    name: "x",
    evaluation: { procedural: null, probes: { mmluStem: 10 } },
  });
  assert.equal(only.evaluation.probes.mmluStem, 10);
});
