/**
 * TypeScript runs: the candidate runs in Deno with no permissions, inside bubblewrap as an
 * unprivileged user, and only answers "call NAME with these arguments" requests; the trusted side
 * (this process) parses the `assertEquals` tests, makes the calls and compares the decoded
 * answers with the expected values. The candidate never sees a test, an expected value or a file
 * of the host: its main module is a `data:` URL and its program arrives on stdin.
 *
 * @module
 */

import {
  type CallTest,
  decodeWire,
  encodeWire,
  parseCallTests,
  showValue,
  strictEqual,
} from "./sandbox_wire.ts";
import { bwrapArgs, type RunLimits, runUid, type SandboxSetup } from "./sandbox_setup.ts";
import { type LineReader, lineReader, type RunResult, tailReader } from "./sandbox_io.ts";

/**
 * The candidate-side runner (untrusted like the candidate: all it can do is choose the answers).
 * It imports the program from a `data:` URL with an export of the names the tests call appended,
 * then answers one JSON line per request with a typed encoding (see sandbox_wire.ts).
 */
const RUNNER = String.raw`
const te = new TextEncoder(), td = new TextDecoder();
const out = Deno.stdout;
for (const k of ["log", "info", "debug", "warn", "table", "dir"]) console[k] = console.error;
function enc(x, depth) {
  if (depth > 200) throw new RangeError("value nested deeper than 200 levels");
  if (x === null) return ["N"];
  if (x === undefined) return ["U"];
  switch (typeof x) {
    case "boolean": return ["B", x];
    case "number": return ["F", Object.is(x, -0) ? "-0" : String(x)];
    case "bigint": return ["I", x.toString()];
    case "string": return ["S", x];
  }
  if (Array.isArray(x)) {
    const a = [];
    for (let i = 0; i < x.length; i++) a.push(enc(x[i], depth + 1));
    return ["L", a];
  }
  if (x instanceof Map) return ["M", [...x].map(([k, v]) => [enc(k, depth + 1), enc(v, depth + 1)])];
  if (x instanceof Set) return ["E", [...x].map((v) => enc(v, depth + 1))];
  const proto = typeof x === "object" ? Object.getPrototypeOf(x) : undefined;
  if (typeof x === "object" && (proto === Object.prototype || proto === null)) {
    return ["O", Object.keys(x).map((k) => [k, enc(x[k], depth + 1)])];
  }
  return ["H", typeof x === "function" ? "function" : String(proto?.constructor?.name ?? "object").slice(0, 80)];
}
function dec(v) {
  switch (v[0]) {
    case "N": return null;
    case "U": return undefined;
    case "B": case "S": return v[1];
    case "F": return Number(v[1]);
    case "I": return BigInt(v[1]);
    case "L": return v[1].map(dec);
    case "O": return Object.fromEntries(v[1].map(([k, x]) => [k, dec(x)]));
  }
  throw new TypeError("unknown tag " + v[0]);
}
async function send(obj) {
  const data = te.encode(JSON.stringify(obj) + "\n");
  for (let at = 0; at < data.length;) at += await out.write(data.subarray(at));
}
let fns = {};
let buf = "";
for await (const chunk of Deno.stdin.readable) {
  buf += td.decode(chunk, { stream: true });
  let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    let reply;
    try {
      const req = JSON.parse(line);
      if (req.op === "load") {
        const tail = "\n;export const __acqsynthNames = {" + req.names.map((n) =>
          n + ": typeof " + n + " === 'undefined' ? undefined : " + n).join(", ") + "};\n";
        const mod = await import("data:application/typescript," + encodeURIComponent(req.src + tail));
        fns = mod.__acqsynthNames;
        reply = { v: ["N"] };
      } else if (req.op === "call") {
        const f = fns[req.f];
        if (typeof f !== "function") throw new TypeError(req.f + " is not a function");
        let r = f(...req.a.map(dec));
        if (r instanceof Promise) r = await r;
        reply = { v: enc(r, 0) };
      } else throw new TypeError("unknown request");
    } catch (e) {
      reply = { e: String(e?.name ?? "Error"), m: String(e?.stack ?? e).slice(-2000) };
    }
    await send(reply);
  }
}
`;

/** The command line of one TypeScript run (setsid, limits, unprivileged user, bubblewrap). */
async function tsCommand(
  setup: SandboxSetup,
  limits: RunLimits,
  memoryMb: number,
): Promise<string[]> {
  const deno = [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-remote",
    "--no-npm",
    "--no-lock",
    `--v8-flags=--max-old-space-size=${Math.max(16, memoryMb >> 1)}`,
    `data:application/javascript,${encodeURIComponent(RUNNER)}`,
  ];
  // V8 reserves far more address space than it uses, so Deno is held by its data segment, with
  // room for the ~600 MiB of writable regions (code range, cages) V8 maps at start.
  const rlimits = [
    "prlimit",
    `--data=${limits.memoryBytes + (768 << 20)}`,
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.diskBytes}`,
    `--nproc=${limits.processes}`,
    "--core=0",
    "--",
  ];
  const root = Deno.uid() === 0;
  const uid = runUid();
  const user = root ? ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"] : [];
  if (!setup.isolated || !setup.bwrap) {
    return ["setsid", ...rlimits, ...user, setup.deno, ...deno];
  }
  const args = await bwrapArgs(
    ["--ro-bind", setup.deno, "/opt/deno/deno"],
    limits,
    setup.noNestedUserns,
  );
  return ["setsid", ...rlimits, ...user, setup.bwrap, ...args, "/opt/deno/deno", ...deno];
}

/** Sends one request and reads one answer line, or says why none came. */
async function ask(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  lines: LineReader,
  msg: unknown,
  deadline: number,
): Promise<{ v: unknown } | { e: string; m: string } | "timeout" | "gone"> {
  try {
    await writer.write(new TextEncoder().encode(JSON.stringify(msg) + "\n"));
  } catch {
    return "gone";
  }
  const line = await lines.next(deadline - performance.now());
  if (line === "timeout" || line === null) return line ?? "gone";
  try {
    const reply = JSON.parse(line);
    if (typeof reply !== "object" || reply === null) return "gone";
    if ("e" in reply) return { e: String(reply.e).slice(0, 100), m: String(reply.m).slice(-2000) };
    if (!("v" in reply)) return "gone";
    return { v: reply.v };
  } catch {
    return "gone";
  }
}

/** Calls each test in the candidate and compares; the status and a message. */
async function judgeCalls(
  child: Deno.ChildProcess,
  program: string,
  tests: readonly CallTest[],
  deadline: number,
): Promise<[RunResult["status"], string]> {
  const writer = child.stdin.getWriter();
  const lines = lineReader(child.stdout, 32 << 20);
  try {
    const names = [...new Set(tests.map((t) => t.name))];
    const load = await ask(writer, lines, { op: "load", src: program, names }, deadline);
    if (load === "timeout") return ["timeout", "the candidate did not load in time"];
    if (load === "gone") return ["error", "the candidate's process ended while loading"];
    if ("e" in load) return ["error", `the program does not load: ${load.m}`];
    for (const t of tests) {
      const r = await ask(
        writer,
        lines,
        { op: "call", f: t.name, a: t.args.map((a) => encodeWire(a)) },
        deadline,
      );
      if (r === "timeout") return ["timeout", `no answer in time to ${t.source}`];
      if (r === "gone") {
        return ["error", `the candidate's process ended or garbled its answer to ${t.source}`];
      }
      if ("e" in r) return ["fail", `${t.source}: the candidate raised ${r.e}: ${r.m}`];
      let got: unknown;
      try {
        got = decodeWire(r.v);
      } catch (e) {
        return ["error", `${t.source}: ${(e as Error).message}`];
      }
      if (!strictEqual(got, t.expected)) {
        return [
          "fail",
          `assertEquals failed: ${t.source} returned ${showValue(got)}, expected ${
            showValue(t.expected)
          }`,
        ];
      }
    }
    return ["pass", ""];
  } finally {
    lines.cancel();
    await writer.close().catch(() => {});
  }
}

/** How one TypeScript run is limited and labelled. */
export interface TsRunOptions {
  readonly limits: RunLimits;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** Put in the run's environment as ACQSYNTH_RUN_TAG. */
  readonly tag: string;
}

/** Runs one TypeScript job: candidate sandboxed, tests judged here. */
export async function runTypeScript(
  setup: SandboxSetup,
  job: { readonly program: string; readonly tests?: string },
  options: TsRunOptions,
): Promise<RunResult> {
  const { limits, timeoutMs, memoryMb, tag } = options;
  const program = job.program, testCode = job.tests ?? "";
  const started = performance.now();
  let tests: CallTest[];
  try {
    tests = parseCallTests(testCode);
  } catch (e) {
    return { status: "error", exitCode: null, stderr: (e as Error).message, ms: 0 };
  }
  const [cmd, ...args] = await tsCommand(setup, limits, memoryMb);
  const child = new Deno.Command(cmd, {
    args,
    cwd: "/",
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: "/sandbox",
      LANG: "C.UTF-8",
      NO_COLOR: "1",
      DENO_DIR: "/tmp/deno",
      DENO_NO_UPDATE_CHECK: "1",
      ACQSYNTH_RUN_TAG: tag,
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = tailReader(child.stderr, 16 << 10);
  let status: RunResult["status"], message: string;
  try {
    [status, message] = await judgeCalls(child, program, tests, started + timeoutMs);
  } finally {
    try {
      // The whole session: setsid made the run's first process its leader.
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  const end = await child.status;
  if (status === "error" && end.signal === "SIGXCPU") status = "timeout";
  const err = await stderr;
  return {
    status,
    exitCode: end.signal ? null : end.code,
    stderr: (err + (message ? `\n${message}` : "")).trim().slice(-2000),
    ms: performance.now() - started,
  };
}
