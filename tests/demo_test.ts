import assert from "node:assert/strict";

interface Figures {
  total: number;
  accuracy: number;
  low: number;
  high: number;
}
interface KindFigures {
  before: Figures;
  after: Figures;
  delta: number;
  deltaLow: number;
  deltaHigh: number;
}

const demo = new URL("../tasks/demo.ts", import.meta.url).pathname;

async function run(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", demo, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("demo --json prints one object with every kind's figures before and after, and the deltas", async () => {
  const r = await run("--eval", "2", "--steps", "2", "--batch", "4", "--threads", "1", "--json");
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(Object.keys(o.kinds).length, 18);
  for (const [kind, k] of Object.entries(o.kinds) as [string, KindFigures][]) {
    assert.equal(k.before.total, 2, kind);
    assert.equal(k.after.total, 2, kind);
    assert.ok(k.before.low <= k.before.accuracy && k.before.accuracy <= k.before.high, kind);
    assert.equal(k.delta, k.after.accuracy - k.before.accuracy, kind);
    assert.ok(k.deltaLow <= k.delta && k.delta <= k.deltaHigh, kind);
  }
  assert.equal(o.overall.before.total, 36);
  assert.equal(o.losses.length, 2);
  assert.equal(o.generated.length, 3);
  assert.ok(o.fineTunedKinds.length > 0);
});

Deno.test("demo refuses an unknown flag and a bad value with one error line and exit 2", async () => {
  for (const args of [["--evals", "3"], ["--eval", "0"], ["--lr", "x"]]) {
    const r = await run(...args);
    assert.equal(r.code, 2, args.join(" "));
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^error: .*'--(evals|eval|lr)'.*\(see --help\)$/);
  }
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /deno task demo --eval 100/);
});
