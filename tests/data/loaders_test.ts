import assert from "node:assert/strict";
import { type DataFormat, loadDataset, sniffFormats } from "../../lib/data/loaders.ts";
import type { AnswerKind, TaskRecord } from "../../lib/data/record.ts";
import { checkAnswer } from "../../lib/verify/check.ts";
import { SHARED_DATA } from "../shared_data.ts";

const shared = await Deno.stat(SHARED_DATA).then(() => true, () => false);
if (!shared) console.warn(`skipping data-set tests: ${SHARED_DATA} not found`);

/** A gold prediction written the way a model would, by the record's answer kind. */
const GOLD_TEXT: Readonly<Record<Exclude<AnswerKind, "code">, (r: TaskRecord) => string>> = {
  number: (r) => `Working it out.\nThe answer is ${r.answer}.`,
  math: (r) => `Working it out.\nThe answer is ${r.answer}.`,
  choice: (r) => `Answer: ${r.answer}`,
  label: (r) => `Based on the abstract: ${r.answer}.`,
  exact: (r) => r.answer,
};

function goldText(r: TaskRecord): string {
  return GOLD_TEXT[r.answerKind as Exclude<AnswerKind, "code">](r);
}

/** Accuracy through the one checker. */
function accuracy(records: TaskRecord[], preds: string[]): number {
  return records.filter((r, i) => checkAnswer(r, preds[i])!.correct).length / records.length;
}

/** Rotating answers across items: a prediction for another question. */
function shuffled(records: TaskRecord[]): string[] {
  return records.map((_, i) => goldText(records[(i * 7 + 13) % records.length]));
}

const CASES: {
  format: DataFormat;
  file: string;
  count: number;
  kind: AnswerKind;
  chance: number;
}[] = [
  { format: "gsm8k", file: "math/gsm8k_train.jsonl", count: 7473, kind: "number", chance: 0.05 },
  { format: "svamp", file: "math/svamp.json", count: 1000, kind: "number", chance: 0.08 },
  {
    format: "medmcqa",
    file: "medical/medmcqa_dev_singlechoice.jsonl",
    count: 2816,
    kind: "choice",
    chance: 0.35,
  },
  {
    format: "pubmedqa",
    file: "medical/pubmedqa_ori_pqal.json",
    count: 1000,
    kind: "label",
    chance: 0.6,
  },
  {
    format: "mmlu",
    file: "probes/mmlu_stem_test.jsonl",
    count: 3018,
    kind: "choice",
    chance: 0.35,
  },
];

for (const c of CASES) {
  Deno.test({
    name:
      `${c.format}: ${c.file} has ${c.count} ${c.kind} records; gold answers score 1.0 and shuffled ones near chance`,
    ignore: !shared,
    fn: async () => {
      const { records, skipped } = await loadDataset(c.format, `${SHARED_DATA}/${c.file}`);
      assert.equal(records.length, c.count);
      assert.deepEqual(skipped, []);
      assert.equal(new Set(records.map((r) => r.id)).size, c.count, "ids are unique");
      assert.ok(records.every((r) => r.answerKind === c.kind));
      assert.equal(accuracy(records, records.map(goldText)), 1);
      const s = accuracy(records, shuffled(records));
      assert.ok(s < c.chance, `shuffled accuracy ${s}`);
    },
  });
}

Deno.test({
  name:
    "bbh: 27 task files hold 6,511 examples (choice, label and exact); gold scores 1.0, shuffled near chance",
  ignore: !shared,
  fn: async () => {
    const dir = `${SHARED_DATA}/probes/bbh`;
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"))
      .sort();
    assert.equal(files.length, 27);
    const all: TaskRecord[] = [];
    for (const f of files) all.push(...(await loadDataset("bbh", `${dir}/${f}`)).records);
    assert.equal(all.length, 6511);
    const kinds = new Map<string, number>();
    for (const r of all) kinds.set(r.answerKind, (kinds.get(r.answerKind) ?? 0) + 1);
    assert.deepEqual([...kinds.keys()].sort(), ["choice", "exact", "label"]);
    const choice = all.find((r) => r.answerKind === "choice")!;
    assert.ok(
      !choice.question.includes("Options:") && Object.hasOwn(choice.choices!, choice.answer),
    );
    assert.equal(accuracy(all, all.map(goldText)), 1);
    // The target as the file writes it, "(B)", reads as the choice too.
    const choices = all.filter((r) => r.answerKind === "choice");
    assert.equal(accuracy(choices, choices.map((r) => `(${r.answer})`)), 1);
    assert.ok(accuracy(all, shuffled(all)) < 0.3);
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
  assert.equal(math.records[0].answerKind, "math");
  assert.ok(checkAnswer(math.records[0], "so we get \\boxed{0.75}")!.correct);
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

Deno.test("task-record JSONL loads back what JSON.stringify wrote, and a bad field is named with its line", async () => {
  const { generateTasks } = await import("../../lib/data/procedural/mod.ts");
  const recs = ["arithmetic", "choice", "code"].flatMap((family) =>
    generateTasks({ family: family as "arithmetic", count: 3, seed: 5 })
  );
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(path, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
    assert.deepEqual((await loadDataset("records", path)).records, recs);
    const broken = { ...recs[6], tests: undefined };
    await Deno.writeTextFile(path, JSON.stringify(recs[0]) + "\n" + JSON.stringify(broken) + "\n");
    await assert.rejects(
      () => loadDataset("records", path),
      new RegExp(`Cannot load task records: line 2 of ${path}: a 'code' record needs 'tests'`),
    );
    await Deno.writeTextFile(path, JSON.stringify({ ...recs[0], answerKind: "letter" }));
    await assert.rejects(
      () => loadDataset("records", path),
      /'answerKind' must be one of number, math/,
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a file that does not load in the given format names the format it looks like", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const mbpp = {
      task_id: 1,
      text: "Add.",
      code: "def f(a, b): return a + b",
      test_list: ["assert f(1, 2) == 3"],
    };
    await Deno.writeTextFile(path, JSON.stringify(mbpp) + "\n");
    await assert.rejects(
      () => loadDataset("gsm8k", path),
      /Cannot load GSM8K: line 1 of .*: missing field 'answer' \(the file looks like MBPP \('mbpp'\) data\)/,
    );
    await assert.rejects(() => loadDataset("svamp", path), /looks like MBPP \('mbpp'\)/);
    const med = { question: "?", options: { A: "x", B: "y" }, answer_idx: "A" };
    assert.deepEqual(sniffFormats(JSON.stringify(med)), ["medmcqa", "medqa"]);
    assert.deepEqual(sniffFormats(JSON.stringify({ examples: [{ input: "1?", target: "1" }] })), [
      "bbh",
    ]);
    assert.deepEqual(sniffFormats("question,a,b,c,d,answer\n"), []);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("skipping every row is refused, naming the format the file looks like", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const he = {
      task_id: "T/0",
      prompt: "def f():\n",
      entry_point: "f",
      test: "def check(c): pass",
    };
    await Deno.writeTextFile(path, JSON.stringify(he) + "\n" + JSON.stringify(he) + "\n");
    await assert.rejects(
      () => loadDataset("mbpp", path, { onBadRow: "skip" }),
      /Cannot load MBPP: no row of .* could be read \(line 1: .*\) \(the file looks like HumanEval \('humaneval'\) data\)/,
    );
  } finally {
    await Deno.remove(path);
  }
});
