/** `deno task audit` end to end on the default models, and its answers to bad command lines. */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

async function audit(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "tasks/audit.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

function oneErrorLine(r: { code: number; stderr: string }, mentions: RegExp) {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^error: .*\(see --help\)$/);
  assert.match(lines[0], mentions);
}

Deno.test("deno task audit answers an unknown flag, an unknown function and a bad kind with exit 2", async () => {
  oneErrorLine(await audit(["--candidtes", "4"]), /unknown flag '--candidtes'/);
  oneErrorLine(await audit(["--functions", "nope"]), /'--functions' takes .*'nope'/);
  oneErrorLine(await audit(["--weak-kinds", "add,fly"]), /'--weak-kinds' takes .*'fly'/);
  oneErrorLine(await audit(["--candidates", "1"]), /'--candidates' must be at least 2/);
});

Deno.test("deno task audit --help shows an example", async () => {
  const r = await audit(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Example[s]?:\n {2}deno task audit /);
});

Deno.test("deno task audit --candidates 6 --steps 1 prints a line per function and writes JSON", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const r = await audit([
      "--candidates",
      "6",
      "--steps",
      "1",
      "--resamples",
      "200",
      "--json",
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(await Deno.readTextFile(json));
    assert.equal(out.candidates.length, 6);
    assert.ok(out.functions.length >= 1);
    for (const f of out.functions) {
      assert.match(
        r.stdout,
        new RegExp(
          `^${f.name} +spearman (n/a|nan|-?\\d\\.\\d\\d \\[.*\\]) {2}kendall .*\\(n=${f.n}`,
          "m",
        ),
      );
      assert.equal(f.n + f.leftOut, 6);
    }
    for (const c of out.candidates) {
      assert.equal(c.gain === null, !c.parsed);
      if (c.gain !== null) assert.ok(Math.abs(out.lossBefore - c.lossAfter - c.gain) < 1e-12);
    }
    // The report beside the JSON: one scatter of score against gain per function, whose points
    // are the JSON's pairs, and the correlation table.
    const dir = json.replace(/\.json$/, "-report");
    assert.match(r.stdout, new RegExp(`^wrote ${dir}/report\\.html$`, "m"));
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert.ok((await Deno.stat(`${dir}/plotly.min.js`)).size > 1_000_000);
    const figures = JSON.parse(
      /<script type="application\/json" id="figures-json">(.*?)<\/script>/s.exec(html)![1],
    );
    assert.equal(figures.length, out.functions.length + 1);
    for (const [i, f] of out.functions.entries()) {
      assert.match(html, new RegExp(`<h3>${f.name}: Spearman ρ [^<]* \\(n = ${f.n}\\)</h3>`));
      const points = figures[i + 1].data[0];
      const pairs = out.candidates.filter((
        c: { gain: number | null; scores: Record<string, number | null> },
      ) => c.gain !== null && c.scores[f.name] !== null && Number.isFinite(c.scores[f.name]));
      assert.deepEqual(
        points.x,
        pairs.map((c: { scores: Record<string, number> }) => c.scores[f.name]),
      );
      assert.deepEqual(points.y, pairs.map((c: { gain: number }) => c.gain));
      assert.match(html, new RegExp(`<tr><td>${f.name}</td><td class="n">${f.n}</td>`));
    }
    await Deno.remove(dir, { recursive: true });
  } finally {
    await Deno.remove(json);
  }
});

Deno.test("deno task audit --report DIR writes the report there without any JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await audit([
      "--candidates",
      "2",
      "--steps",
      "1",
      "--resamples",
      "100",
      "--functions",
      "reference-loss",
      "--report",
      `${dir}/audit`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^wrote ${dir}/audit/report\\.html$`, "m"));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["audit"]);
    const html = await Deno.readTextFile(`${dir}/audit/report.html`);
    assert.match(html, /<h3>reference-loss: Spearman ρ [^<]*<\/h3>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
