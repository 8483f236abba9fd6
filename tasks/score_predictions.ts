/**
 * `deno task score-predictions`: scores a model's free-text predictions against a data set.
 */

import { parseArgs } from "node:util";
import { type DataFormat, loadDataset } from "../lib/data/loaders.ts";
import { isCorrect, TEXT_FORMATS } from "../lib/verify/score.ts";

const HELP =
  `Usage: deno task score-predictions --format FORMAT --data FILE --predictions PRED.jsonl [--out FILE]

Prints "accuracy: 0.xxxx" and writes one JSON line per item ({id, correct, gold, prediction}).

  --format       ${
    TEXT_FORMATS.join(", ")
  } (mbpp and humaneval need the code sandbox, not built yet)
  --data         the data set file (JSONL, JSON, CSV; as for the loaders)
  --predictions  JSONL of {id, prediction}; a record's id is the file's own id field where it has one
                 (realidx, task_id, ID, the PubMedQA key), else the 0-based line number as a string
  --out          per-item results (default: PRED.results.jsonl)
  --skip-bad-rows  skip malformed data rows (listed on stderr) instead of stopping
  --help         this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    format: { type: "string" },
    data: { type: "string" },
    predictions: { type: "string" },
    out: { type: "string" },
    "skip-bad-rows": { type: "boolean", default: false },
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
if (!TEXT_FORMATS.includes(format)) {
  die(`'--format' must be one of ${TEXT_FORMATS.join(", ")}: current value is '${format}'`);
}

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
  const results = records.map((r) => {
    const prediction = preds.get(r.id) ?? "";
    return {
      id: r.id,
      correct: preds.has(r.id) && isCorrect(format, r, prediction),
      gold: r.answer,
      prediction,
    };
  });
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
