import assert from "node:assert/strict";
import { humanevalRecord } from "../../lib/data/loaders/code.ts";
import { codeJob, extractCode } from "../../lib/verify/code.ts";
import { joinCompletion } from "../../lib/text/mod.ts";

const PROMPT = "def f(xs):\n    '''Sum of xs.'''\n";

Deno.test("joinCompletion re-indents tab, 8-space and 2-space bodies to the prompt's 4 spaces", () => {
  const want = PROMPT + "    t = 0\n    for x in xs:\n        t += x\n    return t\n";
  // Tabs count to the next multiple of 8, as Python reads them; relative depth is kept.
  assert.equal(
    joinCompletion(PROMPT, "\tt = 0\n\tfor x in xs:\n\t\tt += x\n\treturn t\n"),
    want.replace("        t += x", "            t += x"),
  );
  assert.equal(
    joinCompletion(
      PROMPT,
      "        t = 0\n        for x in xs:\n            t += x\n        return t\n",
    ),
    want,
  );
  assert.equal(
    joinCompletion(PROMPT, "  t = 0\n  for x in xs:\n    t += x\n  return t\n"),
    want.replace("        t += x", "      t += x"),
  );
  // Already right: unchanged.
  assert.equal(joinCompletion(PROMPT, "    return sum(xs)\n"), PROMPT + "    return sum(xs)\n");
});

Deno.test("joinCompletion skips a leading comment and leaves a helper after the body alone", () => {
  const body = "# note\n  return g(xs)\ndef g(ys):\n  return sum(ys)\n";
  assert.equal(
    joinCompletion(PROMPT, body),
    PROMPT + "# note\n    return g(xs)\ndef g(ys):\n  return sum(ys)\n",
  );
  // After a bare `def` line the body goes one level deeper.
  assert.equal(joinCompletion("def h():\n", "\treturn 1\n"), "def h():\n    return 1\n");
});

Deno.test("HumanEval records: the test's check is renamed and missing standard imports are added", () => {
  const rec = humanevalRecord({
    task_id: "X/1",
    prompt: PROMPT,
    entry_point: "f",
    canonical_solution: "  return sum(xs)\n",
    test: "def check(candidate):\n    assert math.isclose(f([0.5, 0.25]), 0.75)\n",
  }, 1);
  assert.equal(rec.answer, PROMPT + "    return sum(xs)\n");
  assert.equal(rec.tests![0].split("\n")[0], "import math");
  assert.match(rec.tests![0], /^def _acqsynth_check\(candidate\):/m);
  assert.equal(rec.tests![1], "_acqsynth_check(f)");
  // A completion without the entry point is put after the prompt; a whole program is not.
  assert.equal(codeJob(rec, "\treturn sum(xs)").program, PROMPT + "    return sum(xs)");
  const whole = "def f(xs):\n    return sum(xs)\n";
  assert.equal(codeJob(rec, whole).program, whole);
  // The function under test is named, so the tests take it from the candidate.
  assert.deepEqual(codeJob(rec, whole).names, ["f"]);
});

Deno.test("codeJob names what the reference defines for MBPP, even a builtin's name", () => {
  const rec = {
    id: "126",
    domain: "code" as const,
    answerKind: "code" as const,
    question: "Sum of common divisors.",
    answer: "class Helper:\n    pass\ndef sum(a, b):\n    return 1\n",
    tests: ["assert sum(10, 15) == 6"],
    meta: { language: "python" },
  };
  assert.deepEqual(codeJob(rec, "def sum(a, b): return 6").names, ["Helper", "sum"]);
});

Deno.test("extractCode takes the fenced block that defines something", () => {
  const fence = "`".repeat(3);
  const text =
    `Example:\n${fence}\nf([1])\n${fence}\nCode:\n${fence}py\ndef f(x): return x\n${fence}`;
  assert.equal(extractCode(text), "def f(x): return x\n");
  assert.throws(
    () =>
      codeJob(
        { id: "q", domain: "code", answerKind: "code", question: "", answer: "", meta: {} },
        "x",
      ),
    /record 'q': it has no tests/,
  );
});
