/**
 * The verification benchmark.
 *
 * Code: 1,000 MBPP candidate programs (half the reference solutions, half another item's
 * solution, so half pass and half fail) judged in the fully isolated sandbox (every program in
 * namespaces of its own, forked by a zygote per worker, or with `--per-program-sandbox` in a
 * bubblewrap sandbox and interpreter of its own; the tests on the trusted side) with two workers, as programs per
 * second, against bare `python3 -I -c pass` starts of the same interpreter at the same
 * concurrency in the same run (half before and half after the sandbox round, so load from
 * elsewhere weighs on both alike). The ratio is the figure: 1.0 means judging a program costs no
 * more than starting a bare interpreter.
 *
 * Math and choice: items per second of the text checkers on the shared sets (GSM8K gold
 * solutions through `extractMathAnswer` and `mathEquivalent`; MedMCQA answers stated in words
 * through `extractChoice`), with the share judged correct (gold, so it should be 1.0).
 *
 * Run alone with `deno run -A tasks/bench_verify.ts`, or as the `verify` section of
 * `deno task bench`.
 */

import { loadDataset, type TaskRecord } from "../lib/data/mod.ts";
import { cli, runMain } from "../lib/run/mod.ts";
import {
  codeJob,
  createSandbox,
  extractChoice,
  extractMathAnswer,
  mapPool,
  mathEquivalent,
  requireStrongIsolation,
} from "../lib/verify/mod.ts";

/** Items per second and the share judged correct, of one text checker on one set. */
export interface CheckFigures {
  readonly items: number;
  readonly itemsPerSecond: number;
  readonly correct: number;
}

/** Figures of {@link benchVerify}. */
export interface VerifyFigures {
  readonly programs: number;
  readonly workers: number;
  readonly programsPerSecond: number;
  /** Bare interpreter starts per second at the same concurrency. */
  readonly barePerSecond: number;
  /** programsPerSecond / barePerSecond (goal >= 0.8). */
  readonly ratio: number;
  /** Mean wall time of one judged program (a worker's view), ms. */
  readonly runMs: number;
  /** Mean wall time of a bare start, ms. */
  readonly bareMs: number;
  /** runMs − bareMs. */
  readonly overheadMs: number;
  readonly passed: number;
  /** The interpreter both rounds ran. */
  readonly python: string;
  /** Candidates were forked by zygotes (else each started its own sandbox and interpreter). */
  readonly zygote: boolean;
  /** GSM8K gold solutions through the math checker, where the set is present. */
  readonly math?: CheckFigures;
  /** MedMCQA answers through the choice extractor, where the set is present. */
  readonly choice?: CheckFigures;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Runs `check` over `records` several times for a stable rate. */
function rate(records: readonly TaskRecord[], check: (r: TaskRecord) => boolean): CheckFigures {
  let ok = 0;
  const rounds = Math.max(1, Math.ceil(20000 / records.length));
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) {
    ok = 0;
    for (const r of records) if (check(r)) ok++;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    items: records.length,
    itemsPerSecond: (records.length * rounds) / seconds,
    correct: ok / records.length,
  };
}

/** Math and choice checking rates on the shared sets beside `mbppFile` (../math, ../medical). */
async function textFigures(mbppFile: string): Promise<Pick<VerifyFigures, "math" | "choice">> {
  const data = new URL("../", `file://${await Deno.realPath(mbppFile)}`).pathname;
  const out: { math?: CheckFigures; choice?: CheckFigures } = {};
  const gsm8k = `${data}math/gsm8k_train.jsonl`;
  if (await exists(gsm8k)) {
    const { records } = await loadDataset("gsm8k", gsm8k);
    out.math = rate(records, (r) => {
      const text = `${r.reasoning ?? ""}\n#### ${r.answer}`;
      return mathEquivalent(extractMathAnswer(text), r.answer);
    });
  }
  const medmcqa = `${data}medical/medmcqa_dev_singlechoice.jsonl`;
  if (await exists(medmcqa)) {
    const { records } = await loadDataset("medmcqa", medmcqa);
    out.choice = rate(records, (r) => {
      const text = `Considering each option in turn, the answer is (${r.answer}) ${
        r.choices?.[r.answer] ?? ""
      }.`;
      return extractChoice(text, r.choices ?? {}) === r.answer;
    });
  }
  return out;
}

/** Runs the benchmark on the MBPP file at `mbppFile` (and the shared sets beside it). */
export async function benchVerify(
  mbppFile: string,
  programs = 1000,
  workers = 2,
  zygote = true,
): Promise<VerifyFigures> {
  const { records } = await loadDataset("mbpp", mbppFile);
  const jobs = Array.from({ length: programs }, (_, i) => {
    const r = records[i % records.length];
    const program = i % 2 === 0 ? r.answer : records[(i * 7 + 13) % records.length].answer;
    return codeJob(r, program);
  });
  const sandbox = await createSandbox({ concurrency: workers, timeoutMs: 10000, zygote });
  requireStrongIsolation(sandbox);
  const python = sandbox.setup.python;
  if (!python) throw new Error("Cannot run the verification benchmark: no Python interpreter");
  const bareStart = async () => {
    const t0 = performance.now();
    await new Deno.Command(python, { args: ["-I", "-c", "pass"], stdout: "null", stderr: "null" })
      .output();
    return performance.now() - t0;
  };
  const bareRound = async (n: number) => {
    const t0 = performance.now();
    const ms = await mapPool(Array.from({ length: n }), bareStart, { concurrency: workers });
    return { ms, seconds: (performance.now() - t0) / 1000 };
  };
  await bareRound(20); // warm-up
  await sandbox.runAll(jobs.slice(0, 20));
  const before = await bareRound(Math.ceil(programs / 2));
  const t0 = performance.now();
  const results = await sandbox.runAll(jobs);
  const seconds = (performance.now() - t0) / 1000;
  const after = await bareRound(Math.floor(programs / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const bare = [...before.ms, ...after.ms];
  const runMs = mean(results.map((r) => r.ms)), bareMs = mean(bare);
  const barePerSecond = bare.length / (before.seconds + after.seconds);
  const programsPerSecond = programs / seconds;
  return {
    programs,
    workers,
    programsPerSecond,
    barePerSecond,
    ratio: programsPerSecond / barePerSecond,
    runMs,
    bareMs,
    overheadMs: runMs - bareMs,
    passed: results.filter((r) => r.status === "pass").length,
    python,
    zygote,
    ...await textFigures(mbppFile),
  };
}

/** Lines for the bench table. */
export function formatVerify(f: VerifyFigures): string {
  const lines = [
    `verify ${f.programs} MBPP programs (${f.workers} workers, bubblewrap-isolated${
      f.zygote ? ", forked by zygotes" : ""
    }, judged outside) ${f.programsPerSecond.toFixed(1)} programs/s vs bare ${f.python} -I starts ${
      f.barePerSecond.toFixed(1)
    }/s: ratio ${f.ratio.toFixed(2)} (goal >= 0.8)  run ${f.runMs.toFixed(1)} ms vs bare ${
      f.bareMs.toFixed(1)
    } ms  (${f.passed} passed)`,
  ];
  if (f.math) {
    lines.push(
      `verify math   GSM8K gold (${f.math.items} items): ${
        Math.round(f.math.itemsPerSecond)
      } items/s, ${(f.math.correct * 100).toFixed(2)}% judged correct`,
    );
  }
  if (f.choice) {
    lines.push(
      `verify choice MedMCQA (${f.choice.items} items): ${
        Math.round(f.choice.itemsPerSecond)
      } items/s, ${(f.choice.correct * 100).toFixed(2)}% judged correct`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  runMain(async () => {
    const flags = cli({
      name: "bench-verify",
      summary:
        `Judges N MBPP programs (half right, half wrong) in the isolated sandbox and prints programs/s
against bare interpreter starts at the same concurrency, then math and choice checking items/s.`,
      flags: {
        programs: {
          kind: "number",
          help: "programs to judge",
          default: 1000,
          integer: true,
          min: 1,
        },
        workers: { kind: "number", help: "runs at once", default: 2, integer: true, min: 1 },
        "per-program-sandbox": {
          kind: "boolean",
          help: "start a bubblewrap sandbox and interpreter per program (no zygote)",
        },
        data: {
          kind: "string",
          help: "the MBPP JSONL file",
          default: "../shared/data/code/mbpp.jsonl",
          value: "FILE",
        },
      },
      examples: ["deno run -A tasks/bench_verify.ts --programs 200 --workers 2"],
    });
    console.log(
      formatVerify(
        await benchVerify(
          flags.data,
          flags.programs,
          flags.workers,
          !flags["per-program-sandbox"],
        ),
      ),
    );
  });
}
