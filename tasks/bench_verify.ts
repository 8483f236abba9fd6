/**
 * The verification benchmark: 1,000 MBPP candidate programs (half the reference solutions, half
 * another item's solution, so half pass and half fail) through the sandbox with two workers, as
 * programs per second; and the same number of bare `python3 -I -c pass` starts (the interpreter
 * and flags the sandbox uses) with the same two workers: the difference in mean wall time per run
 * is the overhead of the sandbox (folder, files, unshare, prlimit, setpriv, harness) plus running
 * the program and its tests.
 *
 * Run alone with `deno run -A tasks/bench_verify.ts [--programs N] [--workers N]`, or as the
 * `verify` section of `deno task bench`.
 */

import { parseArgs } from "node:util";
import { loadDataset } from "../lib/data/loaders.ts";
import { codeJob } from "../lib/verify/code.ts";
import { mapPool } from "../lib/verify/pool.ts";
import { createSandbox } from "../lib/verify/sandbox.ts";

/** Figures of {@link benchVerify}. */
export interface VerifyFigures {
  readonly programs: number;
  readonly workers: number;
  readonly programsPerSecond: number;
  /** Mean wall time of one sandboxed run (a worker's view), ms. */
  readonly runMs: number;
  /** Mean wall time of a bare `python3 -I -c pass` at the same concurrency, ms. */
  readonly bareMs: number;
  /** Bare starts per second at the same concurrency. */
  readonly barePerSecond: number;
  /** runMs − bareMs. */
  readonly overheadMs: number;
  readonly passed: number;
}

/** Runs the benchmark on the MBPP file at `mbppFile`. */
export async function benchVerify(
  mbppFile: string,
  programs = 1000,
  workers = 2,
): Promise<VerifyFigures> {
  const { records } = await loadDataset("mbpp", mbppFile);
  const jobs = Array.from({ length: programs }, (_, i) => {
    const r = records[i % records.length];
    const program = i % 2 === 0 ? r.answer : records[(i * 7 + 13) % records.length].answer;
    return codeJob(r, program);
  });
  const sandbox = await createSandbox({ concurrency: workers, timeoutMs: 10000 });
  const python = sandbox.setup.python;
  if (!python) throw new Error("Cannot run the verification benchmark: no Python interpreter");
  // Bare starts: the same interpreter and flags, spawned from Deno with the same concurrency.
  const bareStart = async () => {
    const t0 = performance.now();
    await new Deno.Command(python, { args: ["-I", "-c", "pass"], stdout: "null", stderr: "null" })
      .output();
    return performance.now() - t0;
  };
  await mapPool(Array.from({ length: 10 }), bareStart, { concurrency: workers }); // warm-up
  const tb = performance.now();
  const bare = await mapPool(Array.from({ length: programs }), bareStart, {
    concurrency: workers,
  });
  const bareSeconds = (performance.now() - tb) / 1000;
  const t0 = performance.now();
  const results = await sandbox.runAll(jobs);
  const seconds = (performance.now() - t0) / 1000;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const runMs = mean(results.map((r) => r.ms)), bareMs = mean(bare);
  return {
    programs,
    workers,
    programsPerSecond: programs / seconds,
    runMs,
    bareMs,
    barePerSecond: programs / bareSeconds,
    overheadMs: runMs - bareMs,
    passed: results.filter((r) => r.status === "pass").length,
  };
}

/** One line for the bench table. */
export function formatVerify(f: VerifyFigures): string {
  return `verify ${f.programs} MBPP programs (${f.workers} workers) ${
    f.programsPerSecond.toFixed(1)
  } programs/s (bare python3 starts ${f.barePerSecond.toFixed(1)}/s)  run ${
    f.runMs.toFixed(1)
  } ms vs bare ${f.bareMs.toFixed(1)} ms: overhead ${
    f.overheadMs.toFixed(1)
  } ms/program  (${f.passed} passed)`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      programs: { type: "string", default: "1000" },
      workers: { type: "string", default: "2" },
      data: { type: "string", default: "../shared/data/code/mbpp.jsonl" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: deno run -A tasks/bench_verify.ts [--programs N] [--workers N] [--data FILE]

Verifies N MBPP candidate programs (half right, half wrong) in the sandbox and prints programs/s
and the overhead per program against a bare interpreter start.`);
    Deno.exit(0);
  }
  for (const f of ["programs", "workers"] as const) {
    const v = Number(values[f]);
    if (!Number.isInteger(v) || v < 1) {
      console.error(`error: '--${f}' must be a positive integer: current value is '${values[f]}'`);
      Deno.exit(2);
    }
  }
  console.log(
    formatVerify(await benchVerify(values.data!, Number(values.programs), Number(values.workers))),
  );
}
