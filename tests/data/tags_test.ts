import assert from "node:assert/strict";
import { questionText, renderGenerator } from "../../lib/data/pretrain_corpus.ts";
import { generateTasks, TASK_KINDS, type TaskFamily } from "../../lib/data/procedural/mod.ts";
import type { TaskRecord } from "../../lib/data/record.ts";
import { parseTags, renderTags, taskFromTags } from "../../lib/data/tags.ts";

function render(r: TaskRecord): string {
  return renderTags({
    question: questionText(r),
    reasoning: r.reasoning ?? "",
    answer: r.answer,
    ...(r.tests ? { tests: r.tests } : {}),
  });
}

function issuesOf(text: string, domain: TaskRecord["domain"] = "math"): string[] {
  const got = taskFromTags(text, { domain });
  assert.equal(got.ok, false, `expected issues for ${JSON.stringify(text)}`);
  return got.ok ? [] : got.issues;
}

Deno.test("taskFromTags round-trips every procedural family, kind and difficulty", () => {
  for (const family of Object.keys(TASK_KINDS) as TaskFamily[]) {
    for (const difficulty of [1, 2, 3]) {
      const records = generateTasks({ family, difficulty, count: 40, seed: 17 + difficulty });
      const kinds = new Set(records.map((r) => r.meta.kind));
      assert.ok(kinds.size >= 2, `${family} drew only ${[...kinds]}`);
      for (const r of records) {
        const got = taskFromTags(render(r), { domain: r.domain, id: r.id, meta: r.meta });
        assert.ok(got.ok, `${r.id}: ${got.ok ? "" : got.issues.join("; ")}`);
        const back = got.record;
        assert.equal(back.id, r.id);
        assert.equal(back.question, r.question);
        assert.equal(back.reasoning, r.reasoning);
        assert.equal(back.answer, r.answer);
        assert.equal(back.answerKind, r.answerKind);
        assert.deepEqual(back.choices, r.choices);
        assert.deepEqual(back.tests, r.tests);
        assert.deepEqual(back.meta, r.meta);
        // The strict parser accepts the same text, with a code task's tests as lines.
        const parsed = parseTags(render(r));
        assert.ok(parsed.ok, parsed.issues.join("; "));
        assert.deepEqual(parsed.sample.tests, r.tests);
      }
    }
  }
});

Deno.test("the generator's own format reads back for every family; a code task keeps its tests", () => {
  for (const family of ["arithmetic", "choice", "code"] as const) {
    for (const r of generateTasks({ family, count: 20, seed: 3 })) {
      const got = taskFromTags(renderGenerator(r), { domain: r.domain });
      assert.ok(got.ok, family);
      assert.equal(got.record.answer, r.answer);
      assert.deepEqual(got.record.tests, r.tests);
      assert.match(got.record.id, /^tags-[0-9a-f]{8}$/);
    }
  }
  const [code] = generateTasks({ family: "code", count: 1, seed: 3 });
  const withoutTests = renderGenerator(code).replace(/\n<tests>[\s\S]*<\/tests>$/, "");
  assert.deepEqual(issuesOf(withoutTests, "code"), ["a code task needs tests: missing <tests>"]);
});

const GOOD = "<question>2+2?</question>\n<reasoning>2 + 2 = 4.</reasoning>\n<answer>4</answer>";

Deno.test("a missing tag, an unclosed tag and a stray closing tag are each named", () => {
  assert.deepEqual(issuesOf("<question>2+2?</question>\n<answer>4</answer>"), [
    "missing <reasoning>",
  ]);
  assert.deepEqual(issuesOf(GOOD.replace("</answer>", "")), [
    "<answer> is not closed (missing </answer>)",
  ]);
  assert.deepEqual(issuesOf(GOOD.replace("<reasoning>", "")), ["</reasoning> has no <reasoning>"]);
  assert.deepEqual(issuesOf("<question>2+2?</question>"), [
    "missing <reasoning>",
    "missing <answer>",
  ]);
  assert.deepEqual(issuesOf(""), [
    "missing <question>",
    "missing <reasoning>",
    "missing <answer>",
  ]);
});

Deno.test("an empty part, extra text, a repeated tag and tags out of order are each named", () => {
  assert.deepEqual(issuesOf(GOOD.replace("2 + 2 = 4.", " ")), ["<reasoning> is empty"]);
  assert.deepEqual(issuesOf(`Sure! Here is a task:\n${GOOD}`), [
    "text outside the tags: 'Sure! Here is a task:'",
  ]);
  assert.deepEqual(
    issuesOf(`${GOOD}\n<answer>5</answer>`),
    [
      "<answer> appears 2 times",
      "</answer> appears 2 times",
    ],
  );
  const swapped =
    "<question>2+2?</question>\n<answer>4</answer>\n<reasoning>2 + 2 = 4.</reasoning>";
  assert.deepEqual(issuesOf(swapped), [
    "tags out of order: question, answer, reasoning (expected question, reasoning, answer, then tests)",
  ]);
  assert.deepEqual(issuesOf(GOOD.replace("</reasoning>", "</reasoning")), [
    "<reasoning> is not closed (missing </reasoning>)",
  ]);
});

Deno.test("an answer not of its kind's form is named: number, choice letter, options, code, tests", () => {
  assert.deepEqual(issuesOf(GOOD.replace(">4<", ">four<")), [
    "the answer must be a number: current value is 'four'",
  ]);
  // Numbers with thousands separators, decimals, signs and fractions are numbers.
  for (const n of ["-12", "1,234", "3.5", "7/2"]) {
    assert.ok(taskFromTags(GOOD.replace(">4<", `>${n}<`), { domain: "math" }).ok, n);
  }
  const choice = (question: string, answer: string) =>
    `<question>${question}</question>\n<reasoning>Because.</reasoning>\n<answer>${answer}</answer>`;
  assert.deepEqual(issuesOf(choice("Which is largest?", "B"), "reasoning"), [
    "a choice question must end with options A) … B) …, one per line: found none",
  ]);
  assert.deepEqual(issuesOf(choice("Which?\nA) 1\nC) 3", "A"), "medical"), [
    "a choice question must end with options A) … B) …, one per line: found A, C",
  ]);
  assert.deepEqual(issuesOf(choice("Which?\nA) 1\nB) 2", "E"), "science"), [
    "the answer must be one of the option letters A, B: current value is 'E'",
  ]);
  assert.deepEqual(issuesOf(choice("A) 1\nB) 2", "A"), "science"), [
    "the question has options but no stem",
  ]);
  const code = (answer: string, tests?: string) =>
    `<question>Write f.</question>\n<reasoning>Double.</reasoning>\n<answer>${answer}</answer>` +
    (tests === undefined ? "" : `\n<tests>${tests}</tests>`);
  assert.deepEqual(issuesOf(code("return 2;", "assertEquals(f(), 2);"), "code"), [
    "a code answer must define a function: current value is 'return 2;'",
  ]);
  assert.deepEqual(issuesOf(code("function f() { return 2; }"), "code"), [
    "a code task needs tests: missing <tests>",
  ]);
  assert.deepEqual(issuesOf(code("function f() { return 2; }", "\n"), "code"), [
    "<tests> is empty",
  ]);
  const ok = taskFromTags(
    code("function f() {}", "assertEquals(f(), undefined);\n\nassert(true);"),
    {
      domain: "code",
    },
  );
  assert.deepEqual(ok.ok && ok.record.tests, ["assertEquals(f(), undefined);", "assert(true);"]);
});

Deno.test("answerKind overrides the domain's form, and an unknown kind is refused", () => {
  const yesNo = GOOD.replace(">4<", ">yes<");
  assert.equal(taskFromTags(yesNo, { domain: "medical", answerKind: "label" }).ok, true);
  assert.throws(
    () => taskFromTags(GOOD, { domain: "math", answerKind: "essay" as never }),
    /'answerKind' must be one of number, math, choice, label, exact, code: current value is 'essay'/,
  );
});
