import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/procedural/mod.ts";
import { renderStudent } from "../../lib/data/pretrain_corpus.ts";
import { ANSWER_KINDS, type AnswerKind, type TaskRecord } from "../../lib/data/record.ts";
import { ANSWER_CHECKERS, checkAnswer, checkAnswers } from "../../lib/verify/check.ts";
import { createSandbox } from "../../lib/verify/sandbox.ts";

function rec(answerKind: AnswerKind, answer: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  return { id: "r", domain: "reasoning", question: "?", answer, answerKind, meta: {}, ...extra };
}

const YES_NO_MAYBE = { A: "yes", B: "no", C: "maybe" };

/** [record, text, correct]: each kind in both directions. */
const TABLE: [TaskRecord, string, boolean][] = [
  [rec("number", "12"), "3 * 4 = 12. The answer is 12.", true],
  [rec("number", "12"), "3 * 4 = 12. The answer is 13.", false],
  [rec("math", "\\frac{3}{4}"), "so we get \\boxed{0.75}", true],
  [rec("math", "\\frac{3}{4}"), "so we get \\boxed{\\frac{4}{3}}", false],
  [rec("choice", "B", { choices: { A: "3", B: "7" } }), "So the answer is B.", true],
  [rec("choice", "B", { choices: { A: "3", B: "7" } }), "The answer is a guess: A.", false],
  [rec("choice", "B", { choices: { A: "3", B: "7" } }), "A or B", false],
  [rec("label", "yes", { choices: YES_NO_MAYBE }), "There is no doubt; the answer is yes.", true],
  [rec("label", "yes", { choices: YES_NO_MAYBE }), "Yes, no or maybe.", false],
  [rec("label", "no", { choices: YES_NO_MAYBE }), "Answer: (B)", true],
  [rec("label", "No", { choices: { A: "Yes", B: "No" } }), "Walking back, so: no.", true],
  [rec("exact", "True"), "not ( True ) is False, so the answer is True.", true],
  [rec("exact", "True"), "The answer is True or False.", false],
  [rec("exact", "] ) }"), "Closing them in order.\n] ) }", true],
  [rec("exact", "] ) }"), "The answer is ] )", false],
];

Deno.test("every answer kind has one checker in the table", () => {
  assert.deepEqual(Object.keys(ANSWER_CHECKERS).sort(), [...ANSWER_KINDS].sort());
  assert.ok(Object.isFrozen(ANSWER_CHECKERS));
});

Deno.test("checkAnswer judges each kind by its record, in both directions", () => {
  for (const [record, text, correct] of TABLE) {
    assert.equal(checkAnswer(record, text)?.correct, correct, `${record.answerKind}: ${text}`);
  }
});

Deno.test("a PubMedQA answer is its stated label, not the first yes/no word of the prose", () => {
  const r = rec("label", "yes", { choices: YES_NO_MAYBE });
  assert.deepEqual(checkAnswer(r, "No single study settles it, but overall: yes."), {
    correct: true,
    extracted: "yes",
  });
  assert.deepEqual(checkAnswer(r, "There is no evidence either way."), {
    correct: false,
    extracted: null,
  });
});

Deno.test("checkAnswer is null for code, and names the record for a bad kind or missing choices", () => {
  assert.equal(checkAnswer(rec("code", "", { tests: ["assertEquals(f([]), 0);"] }), "x"), null);
  assert.throws(
    () => checkAnswer({ ...rec("number", "1"), answerKind: "letter" as AnswerKind }, "1"),
    /Cannot check record 'r': 'answerKind' must be one of number, math, .*: current value is "letter"/,
  );
  assert.throws(() => checkAnswer(rec("choice", "A"), "A"), /'choice' record needs 'choices'/);
});

Deno.test("checkAnswers judges procedural word problems, choices and TypeScript code together", async () => {
  const records = [
    ...generateTasks({ family: "arithmetic", count: 4, seed: 11 }),
    ...generateTasks({ family: "choice", count: 4, seed: 11 }),
    ...generateTasks({ family: "code", count: 4, seed: 11 }),
  ];
  assert.deepEqual(
    [...new Set(records.map((r) => r.answerKind))],
    ["number", "choice", "code"],
  );
  const gold = records.map((r) => renderStudent(r).completion);
  await assert.rejects(() => checkAnswers(records, gold), /record 'code-11-0'.*pass a sandbox/);
  const sandbox = await createSandbox({ concurrency: 2 });
  const right = await checkAnswers(records, gold, sandbox);
  assert.deepEqual(right.map((c) => c.correct), records.map(() => true));
  assert.deepEqual(right.slice(8).map((c) => c.status), ["pass", "pass", "pass", "pass"]);
  // Each item answered with the next item's gold text (within its family).
  const swapped = records.map((_, i) => gold[i - (i % 4) + ((i + 1) % 4)]);
  const wrong = await checkAnswers(records, swapped, sandbox);
  const rightCount = wrong.filter((c) => c.correct).length;
  assert.ok(rightCount <= 2, `${rightCount} swapped answers judged right`);
  const failed = wrong.slice(8).filter((c) => !c.correct);
  assert.ok(failed.every((c) => c.status !== "pass" && typeof c.stderr === "string"));
});
