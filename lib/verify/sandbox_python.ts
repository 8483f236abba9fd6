/**
 * Python runs: a trusted judge process (harness_judge.py, outside the sandbox, holding the tests
 * and no candidate code) starts each candidate isolated (harness_candidate.py inside, two started
 * ahead so they are warm), runs the tests against proxies of the candidate's functions and sends
 * back the verdict. One judge serves one worker for a whole `runAll`.
 *
 * A candidate starts either in a bubblewrap sandbox and interpreter of its own, or forked by the
 * judge's zygote (harness_zygote.py: a pre-started interpreter inside bubblewrap, running as root
 * of its own user namespace only, an unprivileged uid outside), whose fork enters fresh user, PID,
 * mount, network, IPC, UTS and cgroup namespaces, drops every capability and sets no_new_privs
 * before the runner exists in it. Candidate pipes reach the zygote over a socket (SCM_RIGHTS);
 * each run has a keeper, outside its PID namespace, that ends it when the judge closes the run.
 *
 * @module
 */

import { bwrapArgs, type RunLimits, runUid, type SandboxSetup } from "./sandbox_setup.ts";
import { lineReader, type RunResult, tailReader } from "./sandbox_io.ts";

/** A judge process: send it a job, get the verdict; close it when done. */
export interface Judge {
  run(
    program: string,
    tests: string,
    names: readonly string[],
    timeoutMs: number,
  ): Promise<RunResult>;
  close(): Promise<void>;
  /** The process has ended (after a stall or crash): start a new one. */
  readonly ended: boolean;
}

async function source(name: string): Promise<string> {
  const url = new URL(name, import.meta.url);
  return url.protocol === "file:" ? await Deno.readTextFile(url) : await (await fetch(url)).text();
}

/**
 * Starts a judge whose candidates run with `limits`, `tag` in their environment. With `zygote`
 * (and bubblewrap), candidates are forked by a pre-started interpreter (harness_zygote.py) into
 * namespaces of their own instead of starting an interpreter each.
 */
export async function startJudge(
  setup: SandboxSetup,
  limits: RunLimits,
  tag: string,
  zygote = false,
): Promise<Judge> {
  const python = setup.python;
  if (!python) {
    throw new Error(
      "Cannot run a Python program in the sandbox: no Python interpreter runs here (install python3, or pass 'python')",
    );
  }
  const [judgeSrc, runnerSrc, zygoteSrc] = await Promise.all([
    source("./harness_judge.py"),
    source("./harness_candidate.py"),
    source("./harness_zygote.py"),
  ]);
  const candidate = [python, "-I", "-S", "-B", "-c", runnerSrc];
  const argv = setup.isolated && setup.bwrap
    ? [
      setup.bwrap,
      ...await bwrapArgs(["--ro-bind", python, python], limits, setup.noNestedUserns),
      ...candidate,
    ]
    : candidate;
  const limitArgs = [limits.memoryBytes, limits.cpuSeconds, limits.diskBytes, limits.processes]
    .map(String);
  const zygoteArgv = zygote && setup.isolated && setup.bwrap
    ? [
      setup.bwrap,
      ...await bwrapArgs(["--ro-bind", python, python], limits, setup.noNestedUserns, true),
      python,
      "-I",
      "-S",
      "-B",
      "-c",
      zygoteSrc,
      "acqsynth-zygote",
      runnerSrc,
      ...limitArgs,
    ]
    : null;
  const child = new Deno.Command(python, {
    args: ["-I", "-S", "-B", "-c", judgeSrc],
    cwd: "/",
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = tailReader(child.stderr, 8 << 10);
  const writer = child.stdin.getWriter();
  const lines = lineReader(child.stdout, 1 << 20);
  const send = (x: unknown) => writer.write(new TextEncoder().encode(JSON.stringify(x) + "\n"));
  await send({
    argv,
    zygote: zygoteArgv,
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/sandbox", ACQSYNTH_RUN_TAG: tag },
    uidBase: runUid(),
    uidCount: 1000,
    limits: {
      as: limits.memoryBytes,
      cpu: limits.cpuSeconds,
      fsize: limits.diskBytes,
      nproc: limits.processes,
    },
  });
  let dead = false;
  const close = async () => {
    if (!dead) {
      dead = true;
      await writer.close().catch(() => {});
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await child.status;
    clearTimeout(timer);
    lines.cancel();
    await stderr.catch(() => "");
  };
  return {
    async run(program, tests, names, timeoutMs) {
      const t0 = performance.now();
      if (dead) throw new Error("Cannot run a job: the judge process has ended");
      await send({ program, tests, names, timeoutMs });
      // The judge enforces the candidate's time; this guards against the judge itself stalling
      // (on a pathological answer), ending it so the pool starts a new one.
      const line = await lines.next(timeoutMs + 15000);
      if (typeof line === "string") {
        try {
          const r = JSON.parse(line);
          if (typeof r.note === "string") console.error(r.note);
          return { status: r.status, exitCode: r.exitCode, stderr: r.stderr, ms: r.ms };
        } catch { /* a garbled verdict: end this judge, below */ }
      }
      dead = true;
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      const why = line === "timeout"
        ? "the judge did not finish in time"
        : `the judge ended: ${(await stderr.catch(() => "")).slice(-1500)}`;
      return {
        status: line === "timeout" ? "timeout" : "error",
        exitCode: null,
        stderr: why,
        ms: performance.now() - t0,
      };
    },
    close,
    get ended() {
      return dead;
    },
  };
}
