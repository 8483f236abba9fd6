import assert from "node:assert/strict";
import { type DataFormat, loadDataset } from "../../lib/data/loaders.ts";
import type { TaskRecord } from "../../lib/data/record.ts";
import { isCorrect } from "../../lib/verify/score.ts";
import { SHARED_DATA } from "../shared_data.ts";

const shared = await Deno.stat(SHARED_DATA).then(() => true, () => false);
if (!shared) console.warn(`skipping data-set tests: ${SHARED_DATA} not found`);

/** A gold prediction written the way a model would: reasoning, then the answer. */
function goldText(format: DataFormat, r: TaskRecord): string {
  if (format === "gsm8k" || format === "svamp" || format === "math") {
    return `Working it out.\nThe answer is ${r.answer}.`;
  }
  if (format === "pubmedqa") return `Based on the abstract: ${r.answer}.`;
  if (format === "bbh") return r.answer;
  return `Answer: ${r.answer}`;
}

function accuracy(format: DataFormat, records: TaskRecord[], preds: string[]): number {
  return records.filter((r, i) => isCorrect(format, r, preds[i])).length / records.length;
}

/** Rotating answers across items: a prediction for another question. */
function shuffled(format: DataFormat, records: TaskRecord[]): string[] {
  return records.map((_, i) => goldText(format, records[(i * 7 + 13) % records.length]));
}

const CASES: { format: DataFormat; file: string; count: number; chance: number }[] = [
  { format: "gsm8k", file: "math/gsm8k_train.jsonl", count: 7473, chance: 0.05 },
  { format: "svamp", file: "math/svamp.json", count: 1000, chance: 0.08 },
  { format: "medmcqa", file: "medical/medmcqa_dev_singlechoice.jsonl", count: 2816, chance: 0.35 },
  { format: "pubmedqa", file: "medical/pubmedqa_ori_pqal.json", count: 1000, chance: 0.6 },
  { format: "mmlu", file: "probes/mmlu_stem_test.jsonl", count: 3018, chance: 0.35 },
];

for (const c of CASES) {
  Deno.test({
    name:
      `${c.format}: ${c.file} has ${c.count} records; gold answers score 1.0 and shuffled ones near chance`,
    ignore: !shared,
    fn: async () => {
      const { records, skipped } = await loadDataset(c.format, `${SHARED_DATA}/${c.file}`);
      assert.equal(records.length, c.count);
      assert.deepEqual(skipped, []);
      assert.equal(new Set(records.map((r) => r.id)).size, c.count, "ids are unique");
      assert.equal(accuracy(c.format, records, records.map((r) => goldText(c.format, r))), 1);
      const s = accuracy(c.format, records, shuffled(c.format, records));
      assert.ok(s < c.chance, `shuffled accuracy ${s}`);
    },
  });
}

Deno.test({
  name: "bbh: 27 task files hold 6,511 examples; gold scores 1.0, shuffled near chance",
  ignore: !shared,
  fn: async () => {
    const dir = `${SHARED_DATA}/probes/bbh`;
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"))
      .sort();
    assert.equal(files.length, 27);
    const all: TaskRecord[] = [];
    for (const f of files) all.push(...(await loadDataset("bbh", `${dir}/${f}`)).records);
    assert.equal(all.length, 6511);
    assert.equal(accuracy("bbh", all, all.map((r) => r.answer)), 1);
    assert.ok(accuracy("bbh", all, shuffled("bbh", all)) < 0.3);
  },
});

Deno.test({
  name: "mbpp and the HumanEval-format MBPP load with their counts and tests",
  ignore: !shared,
  fn: async () => {
    const mbpp = await loadDataset("mbpp", `${SHARED_DATA}/code/mbpp.jsonl`);
    assert.equal(mbpp.records.length, 974);
    assert.ok(
      mbpp.records.every((r) => r.tests!.filter((t) => t.startsWith("assert")).length >= 3),
    );
    const he = await loadDataset(
      "humaneval",
      `${SHARED_DATA}/code/mbpp_sanitized_humaneval_format.jsonl`,
    );
    assert.equal(he.records.length, 427);
    assert.ok(
      he.records.every((r) =>
        r.id.startsWith("MbppEval/") && r.tests![1].startsWith("_acqsynth_check(")
      ),
    );
  },
});

Deno.test("MATH JSONL (boxed and answer-field variants), MMLU CSV with and without header, gzipped HumanEval", async () => {
  const fx = new URL("../fixtures/", import.meta.url).pathname;
  const math = await loadDataset("math", `${fx}math_small.jsonl`);
  assert.deepEqual(math.records.map((r) => r.answer), ["\\frac{3}{4}", "132", "7"]);
  assert.ok(isCorrect("math", math.records[0], "so we get \\boxed{0.75}"));
  const withHeader = await loadDataset("mmlu", `${fx}mmlu_header.csv`);
  assert.deepEqual(withHeader.records.map((r) => [r.answer, r.choices!.C]), [["C", "7"], [
    "B",
    "5",
  ]]);
  assert.equal(withHeader.records[1].choices!.D, "6, maybe");
  assert.equal(withHeader.records[0].question, 'Which is a prime, "small" number?');
  const plain = await loadDataset("mmlu", `${fx}mmlu_plain.csv`);
  assert.deepEqual(plain.records.map((r) => r.answer), ["B", "C"]);
  const he = await loadDataset("humaneval", `${fx}humaneval_toy.jsonl.gz`);
  assert.equal(he.records[0].id, "Toy/0");
  assert.match(he.records[0].answer, /return a \+ b/);
});

Deno.test("a malformed row is reported with its line number: skipped and counted, or stopped at", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    path,
    [
      JSON.stringify({ question: "1+1?", answer: "1+1=2\n#### 2" }),
      "{not json",
      JSON.stringify({ question: "no final answer", answer: "just text" }),
      JSON.stringify({ question: "2+2?", answer: "#### 4" }),
    ].join("\n"),
  );
  await assert.rejects(
    () => loadDataset("gsm8k", path),
    new RegExp(`Cannot load GSM8K: line 2 of ${path}: not valid JSON`),
  );
  const { records, skipped } = await loadDataset("gsm8k", path, { onBadRow: "skip" });
  assert.deepEqual(records.map((r) => [r.id, r.answer]), [["0", "2"], ["3", "4"]]);
  assert.deepEqual(skipped.map((s) => s.line), [2, 3]);
  assert.match(skipped[1].reason, /no '####' final answer/);
});
