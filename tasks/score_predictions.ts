/**
 * `deno task score-predictions`: scores a model's free-text predictions against a data set.
 */

import { parseArgs } from "node:util";
import { type DataFormat, loadDataset } from "../lib/data/loaders.ts";
import { progress } from "../lib/run/progress.ts";
import { createSandbox } from "../lib/verify/sandbox.ts";
import { CODE_FORMATS, scorePredictions, TEXT_FORMATS } from "../lib/verify/score.ts";

const FORMATS = [...TEXT_FORMATS, ...CODE_FORMATS];

const HELP =
  `Usage: deno task score-predictions --format FORMAT --data FILE --predictions PRED.jsonl [--out FILE]

Prints "accuracy: 0.xxxx" and writes one JSON line per item ({id, correct, gold, prediction};
code formats add the run's status: pass, fail, timeout or error, and the end of stderr).

  --format       ${FORMATS.join(", ")}
                 (mbpp and humaneval run each program against the item's tests in the sandbox)
  --data         the data set file (JSONL, JSON, CSV; as for the loaders)
  --predictions  JSONL of {id, prediction}; a record's id is the file's own id field where it has one
                 (realidx, task_id, ID, the PubMedQA key), else the 0-based line number as a string
  --out          per-item results (default: PRED.results.jsonl)
  --skip-bad-rows  skip malformed data rows (listed on stderr) instead of stopping
  --workers      code formats: programs run at once (default 2)
  --timeout      code formats: seconds one program may run (default 10)
  --memory       code formats: MiB one program may use (default 512)
  --help         this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    format: { type: "string" },
    data: { type: "string" },
    predictions: { type: "string" },
    out: { type: "string" },
    "skip-bad-rows": { type: "boolean", default: false },
    workers: { type: "string", default: "2" },
    timeout: { type: "string", default: "10" },
    memory: { type: "string", default: "512" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
function die(msg: string): never {
  console.error(`error: ${msg}`);
  Deno.exit(2);
}
for (const f of ["format", "data", "predictions"] as const) {
  if (!values[f]) die(`'--${f}' is required (see --help)`);
}
const format = values.format as DataFormat;
if (!FORMATS.includes(format)) {
  die(`'--format' must be one of ${FORMATS.join(", ")}: current value is '${format}'`);
}
function positive(name: "workers" | "timeout" | "memory", integer: boolean): number {
  const v = Number(values[name]);
  if (!(v > 0) || (integer && !Number.isInteger(v))) {
    die(
      `'--${name}' must be a positive ${integer ? "integer" : "number"}: current value is '${
        values[name]
      }'`,
    );
  }
  return v;
}
const workers = positive("workers", true);
const timeoutMs = positive("timeout", false) * 1000;
const memoryMb = positive("memory", true);

try {
  const { records, skipped } = await loadDataset(format, values.data!, {
    onBadRow: values["skip-bad-rows"] ? "skip" : "throw",
  });
  for (const s of skipped) console.error(`skipped ${values.data} line ${s.line}: ${s.reason}`);
  const preds = new Map<string, string>();
  (await Deno.readTextFile(values.predictions!)).split("\n").forEach((line, k) => {
    if (!line.trim()) return;
    let row: { id?: unknown; prediction?: unknown };
    try {
      row = JSON.parse(line);
    } catch {
      die(`${values.predictions} line ${k + 1}: not valid JSON`);
    }
    if (row.id === undefined || typeof row.prediction !== "string") {
      die(`${values.predictions} line ${k + 1}: needs 'id' and a string 'prediction'`);
    }
    preds.set(String(row.id), row.prediction as string);
  });
  const known = new Set(records.map((r) => r.id));
  const unknown = [...preds.keys()].filter((id) => !known.has(id));
  if (unknown.length) {
    die(`${unknown.length} prediction ids are not in ${values.data} (first: '${unknown[0]}')`);
  }
  let sandbox;
  if (CODE_FORMATS.includes(format)) {
    sandbox = await createSandbox({ concurrency: workers, timeoutMs, memoryMb });
  }
  const bar = sandbox ? progress(`running ${format} programs`, preds.size) : undefined;
  const results = await scorePredictions(format, records, preds, {
    sandbox,
    onProgress: bar && ((done) => bar.update(done)),
  });
  bar?.finish();
  if (sandbox) {
    const counts: Record<string, number> = {};
    for (const r of results) if (r.status) counts[r.status] = (counts[r.status] ?? 0) + 1;
    console.error(`runs: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  }
  const out = values.out ?? values.predictions!.replace(/\.jsonl$/, "") + ".results.jsonl";
  await Deno.writeTextFile(out, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const missing = records.length - records.filter((r) => preds.has(r.id)).length;
  if (missing) console.error(`${missing} items have no prediction and count as wrong`);
  console.log(
    `accuracy: ${
      (results.filter((r) => r.correct).length / Math.max(1, results.length)).toFixed(4)
    }`,
  );
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(1);
}
