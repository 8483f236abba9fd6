/**
 * `deno task score-predictions`: scores a model's free-text predictions against a data set with
 * the one answer checker (each record by its answer kind; code runs in the sandbox).
 */

import { DATA_FORMATS, type DataFormat, loadDataset } from "../lib/data/mod.ts";
import { cli, progress, runMain, usageExit } from "../lib/run/mod.ts";
import {
  createSandbox,
  parsePredictions,
  type RunStatus,
  scorePredictions,
  summarizeScores,
} from "../lib/verify/mod.ts";

const flags = cli({
  name: "score-predictions",
  summary:
    `Scores predictions ({id, prediction} per line) against a data set. Prints the accuracy over
the whole set (items without a prediction count as wrong) and, when only some items were
predicted, over those; writes one JSON line per item ({id, correct, status, gold, prediction,
extracted}; status is correct, wrong, unanswered or missing, or for code the run's pass, fail,
timeout or error). A record's id is the file's own id field where it has one (realidx, task_id,
ID, the PubMedQA key, BBH '<task>/<index>'), else the 0-based line number as a string.`,
  flags: {
    format: {
      kind: "string",
      help: "data set format, required ('records': the toolkit's own task-record JSONL)",
      choices: DATA_FORMATS,
      value: "FORMAT",
    },
    data: {
      kind: "string",
      help: "the data set file (JSONL, JSON, CSV), required",
      value: "FILE",
    },
    predictions: {
      kind: "string",
      help: "JSONL of {id, prediction}, required",
      value: "FILE",
    },
    out: { kind: "string", help: "per-item results (default: PRED.results.jsonl)", value: "FILE" },
    "skip-bad-rows": {
      kind: "boolean",
      help: "skip malformed data rows (listed on stderr) instead of stopping",
    },
    workers: {
      kind: "number",
      help: "code: programs run at once",
      default: 2,
      integer: true,
      min: 1,
    },
    timeout: { kind: "number", help: "code: seconds one program may run", default: 10, min: 0.1 },
    memory: {
      kind: "number",
      help: "code: MiB one program may use",
      default: 512,
      integer: true,
      min: 16,
    },
    json: { kind: "boolean", help: "print one JSON object (accuracy, counts, statuses) instead" },
  },
  examples: [
    "deno task score-predictions --format gsm8k --data ../shared/data/math/gsm8k_train.jsonl --predictions preds.jsonl",
    "deno task score-predictions --format records --data tasks.jsonl --predictions preds.jsonl --json",
  ],
});

const RUN_STATUSES: readonly RunStatus[] = ["pass", "fail", "timeout", "error"];

// Checked after parsing, so a bad value of another flag is named first.
for (const name of ["format", "data", "predictions"] as const) {
  if (flags[name] === undefined) usageExit(`'--${name}' is required`);
}

await runMain(async () => {
  const format = flags.format as DataFormat;
  const data = flags.data!, predictions = flags.predictions!;
  const predText = await Deno.readTextFile(predictions).catch((e) => {
    usageExit(`'--predictions' ${predictions}: ${(e as Error).message}`);
  });
  let preds: Map<string, string>;
  try {
    preds = parsePredictions(predText, predictions);
  } catch (e) {
    usageExit((e as Error).message);
  }
  const { records, skipped } = await loadDataset(format, data, {
    onBadRow: flags["skip-bad-rows"] ? "skip" : "throw",
  });
  for (const s of skipped) console.error(`skipped ${data} line ${s.line}: ${s.reason}`);
  if (records.length === 0) throw new Error(`${data} holds no records`);
  const known = new Set(records.map((r) => r.id));
  const unknown = [...preds.keys()].filter((id) => !known.has(id));
  if (unknown.length) {
    usageExit(
      `${unknown.length} prediction ids are not in ${data} (first: ${
        unknown.slice(0, 3).map((id) => `'${id}'`).join(", ")
      })`,
    );
  }
  const runs = records.filter((r) => r.answerKind === "code" && preds.has(r.id)).length;
  const sandbox = runs
    ? await createSandbox({
      concurrency: flags.workers,
      timeoutMs: flags.timeout * 1000,
      memoryMb: flags.memory,
    })
    : undefined;
  const bar = runs ? progress(`running ${runs} programs`, runs) : undefined;
  const results = await scorePredictions(records, preds, {
    sandbox,
    onProgress: bar && ((done) => bar.update(done)),
  });
  bar?.finish();
  const out = flags.out ?? predictions.replace(/\.jsonl$/, "") + ".results.jsonl";
  await Deno.writeTextFile(out, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const s = summarizeScores(results);
  const runCounts = RUN_STATUSES.filter((k) => s.byStatus[k]).map((k) => `${k} ${s.byStatus[k]}`);
  if (runCounts.length) console.error(`runs: ${runCounts.join(", ")}`);
  if (flags.json) {
    console.log(JSON.stringify({
      format,
      data: data,
      predictions,
      results: out,
      total: s.total,
      predicted: s.predicted,
      missing: s.total - s.predicted,
      correct: s.correct,
      accuracy: s.accuracy,
      predictedAccuracy: s.predictedAccuracy,
      byStatus: s.byStatus,
    }));
    return;
  }
  console.log(`accuracy: ${s.accuracy.toFixed(4)} (${s.correct}/${s.total})`);
  if (s.predicted < s.total) {
    console.log(
      `accuracy over predicted items: ${
        s.predictedAccuracy.toFixed(4)
      } (${s.correct}/${s.predicted}); ` +
        `${s.total - s.predicted} items have no prediction and count as wrong above`,
    );
  }
});
