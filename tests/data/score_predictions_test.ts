import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/procedural/mod.ts";
import { renderStudent } from "../../lib/data/pretrain_corpus.ts";
import { SHARED_DATA } from "../shared_data.ts";

const shared = await Deno.stat(`${SHARED_DATA}/math/svamp.json`).then(() => true, () => false);
const task = new URL("../../tasks/score_predictions.ts", import.meta.url).pathname;

async function run(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", task, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

/** A usage failure: exit 2, one `error:` line on stderr, no stack trace. */
function assertUsageError(r: { code: number; err: string }, pattern: RegExp) {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\bat .*\.ts:\d+/);
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** A three-item GSM8K file in a temp folder, and a helper to write predictions beside it. */
async function gsm8kFixture() {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/gsm8k.jsonl`;
  await Deno.writeTextFile(
    data,
    jsonl([
      { question: "2+3?", answer: "2+3=5\n#### 5" },
      { question: "4*4?", answer: "#### 16" },
      { question: "9-1?", answer: "#### 8" },
    ]),
  );
  const preds = async (text: string) => {
    await Deno.writeTextFile(`${dir}/pred.jsonl`, text);
    return `${dir}/pred.jsonl`;
  };
  return { dir, data, preds };
}

Deno.test({
  name: "score-predictions prints the accuracy and writes per-item results",
  ignore: !shared,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const data = JSON.parse(await Deno.readTextFile(`${SHARED_DATA}/math/svamp.json`)) as {
      ID: string;
      Answer: number;
    }[];
    // Half right (the gold answer in words), half wrong.
    const lines = data.map((r, i) =>
      JSON.stringify({
        id: r.ID,
        prediction: i % 2 === 0 ? `So the answer is ${r.Answer}.` : "I think 123456789.",
      })
    );
    await Deno.writeTextFile(`${dir}/pred.jsonl`, lines.join("\n"));
    const r = await run([
      "--format",
      "svamp",
      "--data",
      `${SHARED_DATA}/math/svamp.json`,
      "--predictions",
      `${dir}/pred.jsonl`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), "accuracy: 0.5000 (500/1000)");
    const results = (await Deno.readTextFile(`${dir}/pred.results.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(results.length, 1000);
    assert.deepEqual([results[0].correct, results[0].status], [true, "correct"]);
    assert.deepEqual([results[1].correct, results[1].status], [false, "wrong"]);
    // The wrong format is refused with the format the file looks like.
    const wrong = await run([
      "--format",
      "gsm8k",
      "--data",
      `${SHARED_DATA}/math/svamp.json`,
      "--predictions",
      `${dir}/pred.jsonl`,
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /^error: Cannot load GSM8K: .*looks like SVAMP \('svamp'\) data/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("score-predictions: a subset prints both accuracies; missing items are marked missing", async () => {
  const { dir, data, preds } = await gsm8kFixture();
  const pred = await preds(jsonl([{ id: "0", prediction: "The answer is 5." }]));
  const r = await run(["--format", "gsm8k", "--data", data, "--predictions", pred]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split("\n"), [
    "accuracy: 0.3333 (1/3)",
    "accuracy over predicted items: 1.0000 (1/1); 2 items have no prediction and count as wrong above",
  ]);
  const results = (await Deno.readTextFile(`${dir}/pred.results.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(results[1], {
    id: "1",
    correct: false,
    status: "missing",
    gold: "16",
    missing: true,
  });
  assert.equal(results[0].prediction, "The answer is 5.");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score-predictions --json prints one object with accuracy, counts and statuses", async () => {
  const { dir, data, preds } = await gsm8kFixture();
  const pred = await preds(jsonl([
    { id: "0", prediction: "#### 5" },
    { id: 1, prediction: "I cannot say." },
    { id: "2", prediction: "The answer is 9." },
  ]));
  const r = await run(["--format", "gsm8k", "--data", data, "--predictions", pred, "--json"]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.equal(lines.length, 1);
  const summary = JSON.parse(lines[0]);
  assert.equal(summary.total, 3);
  assert.equal(summary.predicted, 3);
  assert.equal(summary.correct, 1);
  assert.equal(summary.accuracy, 1 / 3);
  assert.equal(summary.missing, 0);
  const statuses = summary.byStatus as Record<string, number>;
  assert.equal(statuses.correct, 1);
  assert.equal((statuses.wrong ?? 0) + (statuses.unanswered ?? 0), 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score-predictions refuses duplicate ids, an empty file, bad lines and unknown ids with exit 2", async () => {
  const { dir, data, preds } = await gsm8kFixture();
  const args = (pred: string) => ["--format", "gsm8k", "--data", data, "--predictions", pred];
  const dup = await run(args(
    await preds(jsonl([
      { id: "0", prediction: "5" },
      { id: "1", prediction: "16" },
      { id: 0, prediction: "6" },
    ])),
  ));
  assertUsageError(dup, /id '0' appears more than once \(lines 1, 3\)/);
  assertUsageError(await run(args(await preds("\n\n"))), /pred\.jsonl holds no predictions/);
  assertUsageError(
    await run(args(await preds('{"id": "0", "prediction": "5"}\n{oops\n'))),
    /pred\.jsonl line 2: not valid JSON/,
  );
  assertUsageError(
    await run(args(await preds('{"id": "0", "answer": "5"}\n'))),
    /pred\.jsonl line 1: needs 'id' .* and a string 'prediction'/,
  );
  assertUsageError(
    await run(args(await preds('{"id": "7", "prediction": "5"}\n'))),
    /1 prediction ids are not in .*gsm8k\.jsonl \(first: '7'\)/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score-predictions: an unknown flag or a bad value exits 2 with one error line", async () => {
  assertUsageError(
    await run(["--format", "gsm8k", "--data", "x", "--predictions", "y", "--wokers", "2"]),
    /unknown flag '--wokers'/,
  );
  assertUsageError(
    await run(["--format", "gsm8kk", "--data", "x", "--predictions", "y"]),
    /'--format' must be one of .*records: current value is 'gsm8kk'/,
  );
  assertUsageError(
    await run(["--format", "gsm8k", "--data", "x", "--predictions", "y", "--workers", "0"]),
    /'--workers' must be at least 1/,
  );
});

Deno.test("score-predictions --format records scores procedural math, choice and code records (code in the sandbox)", async () => {
  const dir = await Deno.makeTempDir();
  const records = [
    ...generateTasks({ family: "arithmetic", count: 3, seed: 2 }),
    ...generateTasks({ family: "choice", count: 3, seed: 2 }),
    ...generateTasks({ family: "code", count: 3, seed: 2 }),
  ];
  await Deno.writeTextFile(`${dir}/tasks.jsonl`, jsonl(records));
  // Gold answers, except one wrong per family; the last code item is left unpredicted.
  const wrongIds = new Set([records[0].id, records[3].id, records[6].id]);
  const preds = records.slice(0, 8).map((r, i) => ({
    id: r.id,
    prediction: wrongIds.has(r.id)
      ? renderStudent(records[i + 1]).completion
      : renderStudent(r).completion,
  }));
  await Deno.writeTextFile(`${dir}/pred.jsonl`, jsonl(preds));
  const r = await run([
    "--format",
    "records",
    "--data",
    `${dir}/tasks.jsonl`,
    "--predictions",
    `${dir}/pred.jsonl`,
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.deepEqual(
    [summary.total, summary.predicted, summary.correct, summary.missing],
    [9, 8, 5, 1],
  );
  assert.equal(summary.byStatus.pass, 1);
  assert.equal(summary.byStatus.missing, 1);
  assert.match(r.err, /runs: pass 1, fail 1|runs: pass 1, error 1/);
  const results = (await Deno.readTextFile(`${dir}/pred.results.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    results.map((x) => x.correct),
    [false, true, true, false, true, true, false, true, false],
  );
  assert.equal(results[8].status, "missing");
  await Deno.remove(dir, { recursive: true });
});
