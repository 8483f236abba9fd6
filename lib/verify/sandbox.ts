/**
 * A sandbox for untrusted programs, judged from outside. A Python (MBPP, HumanEval) or
 * TypeScript candidate runs in its own bubblewrap sandbox (new user, PID, network, IPC and UTS
 * namespaces; uid 65534 inside and an unprivileged uid outside; a read-only view of only the
 * interpreter; size-capped tmpfs run folder, /tmp and /dev/shm; memory, CPU, file-size and
 * process limits; every process gone when the run ends) and only answers "call NAME with these
 * arguments" with plain typed data. Python candidates of large batches are forked into the same
 * kind of isolation by a pre-started interpreter per worker (see {@link SandboxOptions.zygote}). The tests run on the trusted side against proxies of the
 * candidate's functions (a trusted Python judge for Python, this process for TypeScript), so
 * nothing the candidate does to itself (exiting early, patching builtins, printing, overriding
 * equality) can make a pass, and no test, expected value or secret is ever in its reach.
 *
 * Where bubblewrap does not work, the sandbox says so once on stderr and `setup.isolated` is
 * false; {@link requireStrongIsolation} lets a reward refuse to start then.
 *
 * @module
 */

import { mapPool } from "./pool.ts";
import type { RunResult } from "./sandbox_io.ts";
import { type Judge, startJudge } from "./sandbox_python.ts";
import {
  type ProbeOptions,
  probeSandbox,
  type RunLimits,
  type SandboxLanguage,
  type SandboxSetup,
} from "./sandbox_setup.ts";
import { runTypeScript } from "./sandbox_ts.ts";

export type { RunResult, RunStatus } from "./sandbox_io.ts";
export { probeSandbox, type SandboxLanguage, type SandboxSetup } from "./sandbox_setup.ts";

/**
 * A program to run and the tests that judge it. Python tests are Python code (MBPP asserts, a
 * HumanEval `check` and its call) run by the trusted judge, where each name the candidate defines
 * is a proxy; TypeScript tests are `assertEquals(NAME(ARGS), EXPECTED);` lines with JSON
 * arguments. With no tests, a program that loads passes.
 */
export interface SandboxJob {
  readonly language: SandboxLanguage;
  /** The candidate program. */
  readonly program: string;
  /** The tests, run on the trusted side; may be empty. */
  readonly tests?: string;
  /**
   * Python: the names the tests take from the candidate even where they shadow a builtin or a
   * standard module (the functions under test). Other builtins and modules are the judge's own.
   */
  readonly names?: readonly string[];
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions extends ProbeOptions {
  /** Wall-clock limit of one run. @default 10000 */
  readonly timeoutMs?: number;
  /** Memory limit of one run, in MiB. @default 512 */
  readonly memoryMb?: number;
  /** Size cap of the run folder and of its /tmp, each, in MiB. @default 16 */
  readonly diskMb?: number;
  /** How many runs {@link Sandbox.runAll} keeps in flight. @default 2 */
  readonly concurrency?: number;
  /**
   * A label put in every run's environment (`ACQSYNTH_RUN_TAG`), so a test can look for any
   * process of its runs left behind. @default "acqsynth"
   */
  readonly tag?: string;
  /**
   * Python candidates are forked by a pre-started interpreter (a zygote: one per worker, itself
   * inside bubblewrap, with the runner and common modules already imported) into fresh namespaces
   * of their own (user, PID, mount, network, IPC, UTS, cgroup; uid 65534 alone; no capability;
   * no_new_privs; no further user namespaces; own /proc, /dev/pts, keyrings and capped tmpfs)
   * instead of starting a bubblewrap sandbox and an interpreter each. Only where bubblewrap
   * isolates; where a zygote cannot start, each candidate starts its own sandbox as before.
   * Starting a zygote costs more than one sandbox, so by default it is used for batches of at
   * least {@link ZYGOTE_MIN_JOBS} Python jobs. @default undefined (by batch size)
   */
  readonly zygote?: boolean;
}

/** A probed sandbox: run one job, or many with a pool. */
export interface Sandbox {
  readonly setup: SandboxSetup;
  /** Runs one job. */
  run(job: SandboxJob): Promise<RunResult>;
  /** Runs jobs `concurrency` at a time; `onDone` after each. Results in input order. */
  runAll(
    jobs: readonly SandboxJob[],
    onDone?: (done: number, result: RunResult) => void,
  ): Promise<RunResult[]>;
}

/** The smallest `runAll` batch of Python jobs that uses zygotes when `zygote` is not given. */
export const ZYGOTE_MIN_JOBS = 16;

/** Runs jobs with one judge per worker, closed at the end. */
async function runJobs(
  setup: SandboxSetup,
  jobs: readonly SandboxJob[],
  options: SandboxOptions,
  onDone?: (done: number, result: RunResult) => void,
): Promise<RunResult[]> {
  const {
    timeoutMs = 10000,
    memoryMb = 512,
    diskMb = 16,
    concurrency = 2,
    tag = "acqsynth",
    zygote = jobs.filter((j) => j.language === "python").length >= ZYGOTE_MIN_JOBS,
  } = options;
  const base = {
    memoryBytes: memoryMb << 20,
    cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
    diskBytes: diskMb << 20,
  };
  const pyLimits: RunLimits = { ...base, processes: 16 };
  const tsLimits: RunLimits = { ...base, processes: 96 };
  const idle: Judge[] = [];
  const all: Judge[] = [];
  const runOne = async (job: SandboxJob): Promise<RunResult> => {
    if (job.language === "typescript") {
      return await runTypeScript(setup, job, { limits: tsLimits, timeoutMs, memoryMb, tag });
    }
    let judge = idle.pop();
    if (!judge || judge.ended) {
      judge = await startJudge(setup, pyLimits, tag, zygote);
      all.push(judge);
    }
    try {
      return await judge.run(job.program, job.tests ?? "", job.names ?? [], timeoutMs);
    } finally {
      idle.push(judge);
    }
  };
  try {
    return await mapPool(jobs, runOne, {
      concurrency,
      onDone: onDone && ((done, r) => onDone(done, r)),
    });
  } finally {
    await Promise.all(all.map((j) => j.close()));
  }
}

/**
 * Probes the machine and returns a sandbox. Each `run`/`runAll` call starts its trusted judges
 * and closes them before it returns, so nothing outlives a call.
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
  const setup = await probeSandbox(options);
  if (!setup.isolated) {
    console.error(
      `\n*** SANDBOX WARNING: code runs are NOT isolated by bubblewrap: ${setup.reason}.\n` +
        "*** Candidates run as an unprivileged user with limits, but can read host files and " +
        "see other processes.\n*** Code correctness must not be used as a reward here unless " +
        "allowWeakIsolation is set.\n",
    );
  }
  return {
    setup,
    run: async (job) => (await runJobs(setup, [job], { ...options, concurrency: 1 }))[0],
    runAll: (jobs, onDone) => runJobs(setup, jobs, options, onDone),
  };
}

/** Options of {@link requireStrongIsolation}. */
export interface IsolationOptions {
  /** Accept a sandbox without bubblewrap isolation (named on purpose). @default false */
  readonly allowWeakIsolation?: boolean;
}

/**
 * Throws unless `sandbox` isolates every run with bubblewrap, or the caller opted in by name to
 * weaker isolation. Anything that uses code correctness as a reward calls this first.
 *
 * @example A weak sandbox is refused unless weaker isolation is accepted by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireStrongIsolation } from "./sandbox.ts";
 * const weak = { setup: { isolated: false, reason: "no bwrap" } } as never;
 * assert.throws(() => requireStrongIsolation(weak), /allowWeakIsolation/);
 * requireStrongIsolation(weak, { allowWeakIsolation: true });
 * ```
 */
export function requireStrongIsolation(
  sandbox: Pick<Sandbox, "setup">,
  options: IsolationOptions = {},
): void {
  const { allowWeakIsolation = false } = options;
  if (sandbox.setup.isolated || allowWeakIsolation) return;
  throw new Error(
    `Cannot use code correctness as a reward: the sandbox is not isolated (${sandbox.setup.reason}); ` +
      "install bubblewrap, or pass { allowWeakIsolation: true } to accept weaker isolation",
  );
}
