/**
 * `deno task demo --quick`: the demo's three arms (confidence, the untrained generator, the
 * oracle) run end to end and it ends with the per-kind table, the summary with intervals and the
 * report's path; `--json` prints the results object; a bad command line exits 2.
 */
import assert from "node:assert/strict";

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

Deno.test("demo --quick runs its three arms, then prints the tables and the report path; --json rereads it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-" });
  const r = await run("--quick", "--out", dir, "--threads", "1");
  assert.equal(r.code, 0, r.stderr);
  // It says what each stage does, once.
  assert.equal(r.stdout.match(/→ fine-tune: /g)?.length, 1, r.stdout);
  // The per-kind table: the base student and each arm, weak kinds marked.
  assert.match(r.stdout, /^kind +base +confidence +untrained-generator +oracle$/m);
  assert.match(r.stdout, /^mul \* +\d+% +\d+% +\d+% +\d+%$/m);
  assert.match(r.stdout, /^add +\d+% +\d+% +\d+% +\d+%$/m);
  // The summary: weak, other, forgetting with intervals; the oracle's paired difference.
  const ci = String.raw`[+−]?\d+%? \[[+−]?\d+%?, [+−]?\d+%?\]`;
  assert.match(r.stdout, new RegExp(`^oracle +${ci} +${ci} +${ci} +${ci}`, "m"));
  assert.match(r.stdout, new RegExp(`Report: ${dir}/report.html$`, "m"));
  await Deno.stat(`${dir}/report.html`);

  // Rerun with --json: every run is skipped, stdout is the results object.
  const j = await run("--quick", "--out", dir, "--threads", "1", "--json");
  assert.equal(j.code, 0, j.stderr);
  const o = JSON.parse(j.stdout);
  assert.deepEqual(o.arms.map((a: { arm: string }) => a.arm), [
    "confidence",
    "untrained-generator",
    "oracle",
  ]);
  assert.equal(o.report, `${dir}/report.html`);
  assert.equal((j.stderr.match(/finished earlier: skipped/g) ?? []).length, 3, j.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("demo refuses an unknown flag and a bad value with one error line and exit 2", async () => {
  for (const args of [["--evals", "3"], ["--threads", "x"], ["--seeds", "a"]]) {
    const r = await run(...args);
    assert.equal(r.code, 2, args.join(" "));
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^error: .*'--(evals|threads|seeds)'.*\(see --help\)$/);
  }
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /deno task demo --quick/);
});
