/**
 * A sandbox for untrusted programs: Python (MBPP, HumanEval) or TypeScript/JavaScript (run by
 * Deno with no permissions), each in a throwaway working folder with a timeout, a memory limit
 * and no network, with the whole process group killed on timeout.
 *
 * Isolation is OS-level where the machine allows it, probed once by {@link createSandbox}:
 * `unshare -n` (a network namespace with no interface up), `prlimit` (address space for Python,
 * data segment for Deno, CPU seconds, file size, process count), and, when running as root,
 * `setpriv` to the `nobody` user so root-owned folders cannot be written. Where a tool is missing
 * or refused (a container without CAP_SYS_ADMIN), Python falls back to a preamble that sets the
 * same rlimits and disables sockets; {@link SandboxSetup} says which was used.
 *
 * @module
 */

import { mapPool } from "./pool.ts";

/** Languages the sandbox runs. */
export type SandboxLanguage = "python" | "typescript";

/** How a run ended: tests passed, a test failed, time ran out, or the program could not run. */
export type RunStatus = "pass" | "fail" | "timeout" | "error";

/** A program to run: the candidate, then the test code run after it in the same scope. */
export interface SandboxJob {
  readonly language: SandboxLanguage;
  /** The candidate program. */
  readonly program: string;
  /** Test code (Python asserts, or TypeScript `assertEquals(...)` lines); may be empty. */
  readonly tests?: string;
}

/** The outcome of one run. */
export interface RunResult {
  readonly status: RunStatus;
  /** The exit code, or null when killed by a signal. */
  readonly exitCode: number | null;
  /** The last 2,000 characters of stderr. */
  readonly stderr: string;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** Wall-clock limit of one run. @default 10000 */
  readonly timeoutMs?: number;
  /** Memory limit of one run, in MiB. @default 512 */
  readonly memoryMb?: number;
  /** How many runs {@link Sandbox.runAll} keeps in flight. @default 2 */
  readonly concurrency?: number;
  /** The Python interpreter; found by probing (one `nobody` can run, when root) if absent. */
  readonly python?: string;
  /** The Deno binary for TypeScript. @default Deno.execPath() */
  readonly deno?: string;
}

/** What the probe found: the command prefixes used and the isolation they give. */
export interface SandboxSetup {
  /** The Python interpreter, or null where none runs (TypeScript jobs still run). */
  readonly python: string | null;
  readonly deno: string;
  /** Runs start in their own session, so a timeout kills the whole process group. */
  readonly processGroup: boolean;
  /** A separate network namespace (`unshare -n`); otherwise a Python preamble blocks sockets. */
  readonly networkNamespace: boolean;
  /** `prlimit` sets the limits; otherwise the Python harness sets them itself. */
  readonly prlimit: boolean;
  /** Python runs as `nobody` (root hosts): root-owned folders are read-only to it. */
  readonly dropToNobody: boolean;
}

/** A probed sandbox: run one job, or many with a pool. */
export interface Sandbox {
  readonly setup: SandboxSetup;
  /** Runs one job in a fresh working folder, removed afterwards. */
  run(job: SandboxJob): Promise<RunResult>;
  /** Runs jobs `concurrency` at a time; `onDone` after each. Results in input order. */
  runAll(
    jobs: readonly SandboxJob[],
    onDone?: (done: number, result: RunResult) => void,
  ): Promise<RunResult[]>;
}

const NOBODY = 65534;
const PASS = "ACQSYNTH-PASS-";
/** Exit codes the harnesses use. */
const EXIT = { testFailed: 7, candidateError: 8, memory: 9 } as const;

async function works(cmd: string, args: string[]): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return r.success;
  } catch {
    return false;
  }
}

async function which(cmd: string): Promise<string | null> {
  try {
    const r = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "piped" })
      .output();
    const p = new TextDecoder().decode(r.stdout).trim();
    return r.success && p ? p : null;
  } catch {
    return null;
  }
}

/** The real interpreter behind `python3` (pyenv shims are slow and live under /root). */
async function realPython(cmd: string): Promise<string | null> {
  try {
    const r = await new Deno.Command(cmd, {
      args: ["-c", "import sys; print(sys.executable)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return r.success ? new TextDecoder().decode(r.stdout).trim() || null : null;
  } catch {
    return null;
  }
}

const AS_NOBODY = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];

/** Probes which isolation tools work here. */
export async function probeSandbox(options: SandboxOptions = {}): Promise<SandboxSetup> {
  const root = Deno.uid() === 0;
  const unshareArgs = root ? ["-n"] : ["--map-current-user", "-n"];
  const [setsid, networkNamespace, prlimit] = await Promise.all([
    which("setsid").then((p) => p !== null),
    works("unshare", [...unshareArgs, "true"]),
    works("prlimit", ["--cpu=5", "true"]),
  ]);
  const candidates = options.python ? [options.python] : [
    ...new Set(
      [await realPython("python3"), "/usr/bin/python3", "/usr/local/bin/python3", "python3"]
        .filter((p): p is string => !!p),
    ),
  ];
  let python: string | null = null, dropToNobody = false;
  if (root && await works("setpriv", ["--help"])) {
    for (const p of candidates) {
      if (await works("setpriv", [...AS_NOBODY, p, "-c", "pass"])) {
        [python, dropToNobody] = [p, true];
        break;
      }
    }
  }
  if (!python) {
    for (const p of candidates) {
      if (await works(p, ["-c", "pass"])) (python = p, dropToNobody = false);
    }
  }
  return {
    python,
    deno: options.deno ?? Deno.execPath(),
    processGroup: setsid,
    networkNamespace,
    prlimit,
    dropToNobody: root && dropToNobody,
  };
}

/** The Python harness: limits and socket block (when the OS gives none), candidate, tests. */
function pythonHarness(setup: SandboxSetup, memoryBytes: number, cpuSeconds: number): string {
  const limits = setup.prlimit ? "" : `
import resource
resource.setrlimit(resource.RLIMIT_AS, (${memoryBytes}, ${memoryBytes}))
resource.setrlimit(resource.RLIMIT_CPU, (${cpuSeconds}, ${cpuSeconds}))
resource.setrlimit(resource.RLIMIT_FSIZE, (${64 << 20}, ${64 << 20}))
`;
  // Weaker than a network namespace (C extensions could still open sockets), so used only when
  // unshare is refused.
  const noNet = setup.networkNamespace ? "" : `
import socket, _socket
class _NoSocket:
    def __init__(self, *a, **k):
        raise PermissionError("network access is disabled in the sandbox")
def _no_net(*a, **k):
    raise PermissionError("network access is disabled in the sandbox")
socket.socket = _socket.socket = _NoSocket
socket.create_connection = socket.create_server = socket.socketpair = _no_net
`;
  return `import sys, traceback
# The pass token comes on stdin, so the candidate cannot print it without the harness.
_token = sys.stdin.readline().strip()
${limits}${noNet}
def _run(name, code, exit_code):
    try:
        exec(compile(code, name, "exec"), _scope)
    except MemoryError:
        traceback.print_exc(); sys.stderr.flush(); sys.exit(${EXIT.memory})
    except BaseException:
        traceback.print_exc(); sys.stderr.flush(); sys.exit(exit_code)
_scope = {"__name__": "__main__"}
with open("candidate.py") as f: _candidate = f.read()
with open("tests.py") as f: _tests = f.read()
_run("candidate.py", _candidate, ${EXIT.candidateError})
_run("tests.py", _tests, ${EXIT.testFailed})
sys.stdout.flush()
print("\\n${PASS}" + _token, flush=True)
`;
}

/** The TypeScript program: candidate, `assertEquals`, tests in a try, then the pass token. */
function denoProgram(job: SandboxJob, token: string): string {
  return `${job.program}
;function assertEquals(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual), b = JSON.stringify(expected);
  if (a !== b) throw new Error("assertEquals failed: " + a + " !== " + b);
}
try {
${job.tests ?? ""}
} catch (e) {
  console.error(e);
  Deno.exit(${EXIT.testFailed});
}
console.log("\\n${PASS}${token}");
`;
}

/** Reads a stream keeping at most `cap` bytes (the tail), so output floods cannot fill memory. */
async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    chunks.push(c);
    size += c.length;
    while (size - chunks[0].length > cap) size -= chunks.shift()!.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (all.set(c, at), at += c.length);
  return new TextDecoder().decode(all);
}

function command(
  setup: SandboxSetup,
  job: SandboxJob,
  memoryBytes: number,
  cpuSeconds: number,
  memoryMb: number,
): string[] {
  const root = Deno.uid() === 0;
  const prefix: string[] = [];
  if (setup.processGroup) prefix.push("setsid");
  if (setup.networkNamespace) {
    prefix.push("unshare", ...(root ? ["-n"] : ["--map-current-user", "-n"]));
  }
  if (setup.prlimit) {
    // V8 reserves far more address space than it uses, so Deno is held by its data segment,
    // with room for the ~600 MiB of writable regions (code range, cages) V8 maps at start.
    const mem = job.language === "python"
      ? `--as=${memoryBytes}`
      : `--data=${memoryBytes + (768 << 20)}`;
    prefix.push("prlimit", mem, `--cpu=${cpuSeconds}`, `--fsize=${64 << 20}`, "--nproc=512", "--");
  }
  if (job.language === "python") {
    if (setup.dropToNobody) prefix.push("setpriv", ...AS_NOBODY);
    return [...prefix, setup.python!, "-I", "-B", "harness.py"];
  }
  return [
    ...prefix,
    setup.deno,
    "run",
    "--no-prompt",
    "--no-config",
    "--no-remote",
    "--no-npm",
    "--no-lock",
    `--v8-flags=--max-old-space-size=${Math.max(16, memoryMb >> 1)}`,
    "main.ts",
  ];
}

/** The status a finished run has, from its exit, the pass token and whether it was killed. */
function statusOf(
  code: number,
  signal: string | null,
  stdout: string,
  token: string,
  timedOut: boolean,
): RunStatus {
  if (timedOut || signal === "SIGXCPU") return "timeout";
  if (code === 0 && stdout.includes(PASS + token)) return "pass";
  if (code === EXIT.testFailed) return "fail";
  return "error";
}

/** Runs one job (see {@link Sandbox.run}). */
async function runJob(
  setup: SandboxSetup,
  job: SandboxJob,
  options: SandboxOptions,
): Promise<RunResult> {
  const { timeoutMs = 10000, memoryMb = 512 } = options;
  if (job.language === "python" && !setup.python) {
    throw new Error(
      "Cannot run a Python program in the sandbox: no Python interpreter runs here (install python3, or pass 'python')",
    );
  }
  const memoryBytes = memoryMb * 1024 * 1024;
  const cpuSeconds = Math.ceil(timeoutMs / 1000) + 1;
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "acqsynth_sandbox_" });
  const token = crypto.randomUUID();
  try {
    if (job.language === "python") {
      await Deno.writeTextFile(`${dir}/candidate.py`, job.program);
      await Deno.writeTextFile(`${dir}/tests.py`, job.tests ?? "");
      await Deno.writeTextFile(`${dir}/harness.py`, pythonHarness(setup, memoryBytes, cpuSeconds));
    } else await Deno.writeTextFile(`${dir}/main.ts`, denoProgram(job, token));
    if (setup.dropToNobody && job.language === "python") {
      for (const f of ["", "/candidate.py", "/tests.py", "/harness.py"]) {
        await Deno.chown(dir + f, NOBODY, NOBODY);
      }
    }
    const [cmd, ...args] = command(setup, job, memoryBytes, cpuSeconds, memoryMb);
    const child = new Deno.Command(cmd, {
      args,
      cwd: dir,
      clearEnv: true,
      env: {
        PATH: "/usr/local/bin:/usr/bin:/bin",
        HOME: dir,
        LANG: "C.UTF-8",
        NO_COLOR: "1",
        DENO_DIR: `${dir}/.deno`,
        DENO_NO_UPDATE_CHECK: "1",
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // A negative pid signals the whole group that setsid started.
        Deno.kill(setup.processGroup ? -child.pid : child.pid, "SIGKILL");
      } catch { /* already gone */ }
    }, timeoutMs);
    const stdout = readCapped(child.stdout, 64 << 10);
    const stderr = readCapped(child.stderr, 16 << 10);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(token + "\n")).catch(() => {});
    await writer.close().catch(() => {});
    const status = await child.status;
    clearTimeout(timer);
    // A grandchild that left the group could hold the pipes open; do not wait for it forever.
    const grace = <T>(p: Promise<T>, fallback: T) =>
      Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), 1000))]);
    const [out, err] = await Promise.all([grace(stdout, ""), grace(stderr, "")]);
    return {
      status: statusOf(status.code, status.signal, out, token, timedOut),
      exitCode: status.signal ? null : status.code,
      stderr: err.slice(-2000),
      ms: performance.now() - started,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Probes the machine and returns a sandbox. Each run gets a fresh folder under the system temp
 * folder (its working directory), removed afterwards.
 *
 * @example A passing and a failing Python candidate
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSandbox } from "./sandbox.ts";
 * const sandbox = await createSandbox({ timeoutMs: 5000 });
 * const program = "def add(a, b):\n    return a + b\n";
 * const ok = await sandbox.run({ language: "python", program, tests: "assert add(2, 3) == 5" });
 * assert.equal(ok.status, "pass");
 * const bad = await sandbox.run({ language: "python", program, tests: "assert add(2, 3) == 6" });
 * assert.equal(bad.status, "fail");
 * assert.match(bad.stderr, /AssertionError/);
 * ```
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { concurrency = 2 } = options;
  const setup = await probeSandbox(options);
  return {
    setup,
    run: (job) => runJob(setup, job, options),
    runAll: (jobs, onDone) =>
      mapPool(jobs, (job) => runJob(setup, job, options), {
        concurrency,
        onDone: onDone && ((done, r) => onDone(done, r)),
      }),
  };
}
