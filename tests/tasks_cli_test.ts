/**
 * Every `deno task` that runs a file in tasks/ answers a bad command line the same way: exit 2,
 * one `error: … (see --help)` line on stderr, no stack trace; and `--help` exits 0 with an
 * example.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Task name → file, from deno.json's "tasks" entries that run a file in tasks/. */
async function taskFiles(): Promise<[string, string][]> {
  const json = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const out: [string, string][] = [];
  for (const [name, command] of Object.entries(json.tasks as Record<string, string>)) {
    const file = /^deno run [^&|;]*?(tasks\/[\w/]+\.ts)\s*$/.exec(command)?.[1];
    if (file) out.push([name, file]);
  }
  return out;
}

async function run(file: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", file, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

function assertOneUsageError(
  what: string,
  r: { code: number; stderr: string },
  mentions: string,
) {
  assert.equal(r.code, 2, `${what}: exit code ${r.code}, stderr:\n${r.stderr}`);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  const errors = lines.filter((l) => l.startsWith("error:"));
  assert.equal(errors.length, 1, `${what}: expected one error line, stderr:\n${r.stderr}`);
  assert.ok(
    !/^\s+at /m.test(r.stderr) && !/Uncaught|Stack backtrace/.test(r.stderr),
    `${what}: stack trace on stderr:\n${r.stderr}`,
  );
  assert.ok(errors[0].includes(mentions), `${what}: '${errors[0]}' does not name ${mentions}`);
  assert.match(errors[0], /\(see --help\)$/, what);
}

/** A flag that takes a number (placeholder N in the help), or else any flag that takes a value. */
function flagToBreak(help: string): { flag: string; numeric: boolean } | undefined {
  const rows = [...help.matchAll(/^\s+(--[\w-]+) ([A-Z][A-Z_]*)\s/gm)];
  const numeric = rows.find((m) => m[2] === "N");
  if (numeric) return { flag: numeric[1], numeric: true };
  return rows[0] ? { flag: rows[0][1], numeric: false } : undefined;
}

const tasks = await taskFiles();

Deno.test("deno.json runs the sample, bench, demo, pretrain and score-predictions task files", () => {
  const names = tasks.map(([n]) => n);
  for (const n of ["sample", "bench", "demo", "pretrain", "score-predictions"]) {
    assert.ok(names.includes(n), `task '${n}' not found in ${names}`);
  }
});

for (const [name, file] of tasks) {
  Deno.test(`deno task ${name}: --help exits 0 and shows an example`, async () => {
    const r = await run(file, ["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: /m);
    assert.match(r.stdout, /^Examples?:\n\s+deno task /m);
  });

  Deno.test(`deno task ${name}: an unknown flag exits 2 with one error line naming it`, async () => {
    const r = await run(file, ["--no-such-flag", "3"]);
    assertOneUsageError(`${name} --no-such-flag`, r, "'--no-such-flag'");
  });

  Deno.test(`deno task ${name}: a bad value exits 2 with one error line naming the flag`, async () => {
    const help = (await run(file, ["--help"])).stdout;
    const target = flagToBreak(help);
    assert.ok(target, `${name} --help lists no flag that takes a value:\n${help}`);
    const args = target.numeric ? [target.flag, "abc"] : [target.flag];
    const r = await run(file, args);
    assertOneUsageError(`${name} ${args.join(" ")}`, r, `'${target.flag}'`);
  });
}

Deno.test("deno task sample refuses --temperature -1, naming the flag", async () => {
  const r = await run("tasks/sample.ts", ["--temperature", "-1"]);
  assertOneUsageError("sample --temperature -1", r, "'--temperature' must be at least 0");
});

Deno.test("deno task sample --json prints one object with samples, finish reasons and token counts", async () => {
  const r = await run("tasks/sample.ts", [
    "--model",
    "data/models/generator",
    "--prompt",
    "<question>",
    "--samples",
    "2",
    "--seed",
    "3",
    "--max-new-tokens",
    "120",
    "--stop",
    "</answer>",
    "--keep-stop",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.samples.length, 2);
  for (const s of out.samples) {
    assert.ok(["eos", "stop", "length"].includes(s.finish));
    assert.ok(Number.isInteger(s.tokens) && s.tokens > 0);
    assert.ok(s.logprob <= 0);
    if (s.finish === "stop") {
      assert.equal(s.stop, "</answer>");
      assert.ok(s.text.endsWith("</answer>"));
    }
  }
});
