import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/procedural/mod.ts";
import type { TaskRecord } from "../../lib/data/record.ts";
import { codeJob } from "../../lib/verify/code.ts";
import { createSandbox, type SandboxJob } from "../../lib/verify/sandbox.ts";
import { parseCallTests } from "../../lib/verify/sandbox_wire.ts";
import { SHARED_DATA } from "../shared_data.ts";
import { listeners, markerFiles, survivors } from "./attacks_shared.ts";

const TAG = `acqtsattack${crypto.randomUUID().slice(0, 8)}`;
const sandbox = await createSandbox({ timeoutMs: 3000, memoryMb: 256, concurrency: 2, tag: TAG });
const REPO = new URL("../../", import.meta.url).pathname;

/** Procedural TypeScript code items of several kinds. */
const ITEMS: TaskRecord[] = ["sum", "reverse", "filter-gt"].map((kind, i) =>
  generateTasks({ family: "code", kinds: [kind], count: 1, seed: 7 + i, difficulty: 3 })[0]
);

/**
 * Wrong programs that try to be judged right; `expected` is the first test's expected value, as
 * if the attacker had guessed it, to show that even then only the plain value itself passes.
 */
const ATTACKS: Record<string, (expected: string) => string> = {
  "Deno.exit(0) while loading": () => "Deno.exit(0);",
  "Deno.exit(0) inside the call": () => "function f(xs: number[]) { Deno.exit(0); }",
  "printing pass tokens and fake answers": () =>
    `console.log("ACQSYNTH-PASS-0");\n` +
    `await Deno.stdout.write(new TextEncoder().encode('{"v":["B",true]}\\n'.repeat(20)));\n` +
    `function f(xs: number[]) { Deno.stdout.writeSync(new TextEncoder().encode('{"v":["N"]}\\n')); return 0; }`,
  "overriding JSON, assertEquals and prototypes": () =>
    `JSON.stringify = () => '{"v":["B",true]}';\n` +
    `(globalThis as any).assertEquals = () => {};\n` +
    `(Object.prototype as any).toJSON = function () { return true; };\n` +
    `Array.prototype.map = function () { return []; } as any;\n` +
    "function f(xs: number[]) { return 0; }",
  "an object whose valueOf, toJSON, toString and toPrimitive give the expected value": (e) =>
    `const want = ${e};\n` +
    "function f(xs: number[]) {\n" +
    "  return { valueOf: () => want, toJSON: () => want, toString: () => String(want),\n" +
    "    [Symbol.toPrimitive]: () => want };\n}",
  "a class instance that mimics the expected value": (e) =>
    `const want = ${e};\nclass Fake { toJSON() { return want; } valueOf() { return want; } }\n` +
    "function f(xs: number[]) { return new Fake(); }",
  "the expected value as a string, a bigint or wrapped": (e) =>
    `const want = ${e};\nlet n = 0;\n` +
    "function f(xs: number[]) {\n  n++;\n" +
    "  return [JSON.stringify(want), typeof want === 'number' ? BigInt(Math.trunc(want)) : String(want),\n" +
    "    [want], { value: want }][n % 4];\n}",
  "importing host and harness files as text": () =>
    `const t = await import(${
      JSON.stringify("file://" + REPO + "lib/verify/sandbox_ts.ts")
    }, { with: { type: "text" } });\n` +
    "function f(xs: number[]) { return t.default.length; }",
  "a static import of /etc/passwd": () =>
    `import pw from "file:///etc/passwd" with { type: "text" };\nfunction f(xs: number[]) { return pw.length; }`,
  "a loop that never answers": () => "function f(xs: number[]) { while (true) {} }",
  "a memory bomb": () =>
    "function f(xs: number[]) { const a = []; while (true) a.push(new Uint8Array(64 << 20).fill(1)); }",
  "a worker bomb": () =>
    "for (let i = 0; i < 1000; i++) {\n" +
    "  try { new Worker('data:application/javascript,while(true){}', { type: 'module' }); } catch { break; }\n" +
    "}\nfunction f(xs: number[]) { return 0; }",
  "running a process and signalling every pid": () =>
    "function f(xs: number[]) {\n" +
    "  try { new Deno.Command('sh', { args: ['-c', 'kill -9 -1'] }).outputSync(); } catch {}\n" +
    "  try { Deno.kill(-1, 'SIGKILL'); } catch {}\n  return 0;\n}",
};

Deno.test("typescript attacks on procedural code items are never judged pass; correct runs beside them pass; nothing survives", async () => {
  const jobs: { job: SandboxJob; attack: string | null; id: string }[] = [];
  for (const r of ITEMS) {
    const expected = JSON.stringify(parseCallTests(r.tests![0])[0].expected);
    for (const [name, attack] of Object.entries(ATTACKS)) {
      jobs.push({ job: codeJob(r, attack(expected)), attack: name, id: r.id });
      jobs.push({ job: codeJob(r, r.answer), attack: null, id: r.id });
    }
  }
  const results = await sandbox.runAll(jobs.map((j) => j.job));
  const wrong = jobs.flatMap((j, i) => {
    const s = results[i].status;
    if (j.attack && s === "pass") return [`${j.id}: '${j.attack}' was judged pass`];
    if (!j.attack && s !== "pass") {
      return [`${j.id}: gold beside attacks: ${s} ${results[i].stderr}`];
    }
    return [];
  });
  assert.deepEqual(wrong, []);
  assert.deepEqual(await survivors(TAG), [], "no process of any run survives");
});

/** A probe passes only if its escape worked: `probe()` returns true, the test wants true. */
function probe(body: string): SandboxJob {
  return {
    language: "typescript",
    program: `async function probe(): Promise<boolean> {\n${body}\n}`,
    tests: "assertEquals(probe(), true);",
  };
}

Deno.test("typescript probes: each escape would pass if it worked, and none does", async () => {
  const net = listeners(TAG);
  try {
    const control = await sandbox.run(probe("return true;"));
    assert.equal(control.status, "pass", control.stderr);
    const read = (path: string) =>
      `try { Deno.readTextFileSync(${JSON.stringify(path)}); return true; } catch { /* denied */ }`;
    const probes: Record<string, string> = {
      "host files are readable": [
        read("/etc/passwd"),
        read(`${SHARED_DATA}code/mbpp.jsonl`),
        read(`${REPO}deno.json`),
        read("/proc/self/cmdline"),
        "return false;",
      ].join("\n"),
      "host files can be imported": [
        `for (const p of ["/etc/passwd", ${
          JSON.stringify(REPO + "deno.json")
        }, "/proc/self/environ"]) {`,
        '  try { await import("file://" + p, { with: { type: "text" } }); return true; } catch { /* denied */ }',
        "}",
        "return false;",
      ].join("\n"),
      "the environment is readable":
        "try { Deno.env.toObject(); return true; } catch { return false; }",
      "files can be written":
        `try { Deno.writeTextFileSync("/tmp/${TAG}", "x"); return true; } catch { return false; }`,
      "TCP to 127.0.0.1 answers":
        `try { (await Deno.connect({ hostname: "127.0.0.1", port: ${net.port} })).close(); return true; } catch { return false; }`,
      "a host unix socket answers": `try { (await Deno.connect({ transport: "unix", path: ${
        JSON.stringify(net.socketPath)
      } })).close(); return true; } catch { return false; }`,
      "fetch reaches the host":
        `try { await fetch("http://127.0.0.1:${net.port}/"); return true; } catch { return false; }`,
      "a process can be started":
        `try { new Deno.Command("true").outputSync(); return true; } catch { return false; }`,
      "it runs as root": "try { return Deno.uid() === 0; } catch { return false; }",
    };
    const names = Object.keys(probes);
    const runs = await sandbox.runAll(names.map((n) => probe(probes[n])));
    const escaped = names.filter((_, i) => runs[i].status === "pass");
    assert.deepEqual(escaped, []);
    assert.equal(net.accepted(), 0, "the host listeners saw no connection");
    assert.deepEqual(await markerFiles(TAG), []);
  } finally {
    await net.close();
  }
});

Deno.test("typescript: the expected value is never in the candidate's reach", async () => {
  const secret = `SECRET_${crypto.randomUUID()}`;
  const hunt = [
    "function hunt(): string {",
    "  const seen: unknown[] = [Deno.args, new Error().stack, Object.keys(globalThis)];",
    "  for (const k of Object.getOwnPropertyNames(globalThis)) {",
    "    try { seen.push((globalThis as any)[k]); } catch { /* getter */ }",
    "  }",
    "  for (const v of seen) {",
    "    const m = /SECRET_[0-9a-f-]{36}/.exec(String(v));",
    "    if (m) return m[0];",
    "  }",
    "  return 'not found';",
    "}",
  ].join("\n");
  const r = await sandbox.run({
    language: "typescript",
    program: hunt,
    tests: `assertEquals(hunt(), ${JSON.stringify(secret)});`,
  });
  assert.equal(r.status, "fail", r.stderr);
  assert.match(r.stderr, /returned "not found"/);
});
