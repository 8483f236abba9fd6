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
  } finally {
    await Deno.remove(json);
  }
});
