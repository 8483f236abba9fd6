import assert from "node:assert/strict";
import {
  checkSameTokenizer,
  studentAnswers,
  studentPrompt,
  teacherForced,
} from "../../lib/acquire/student.ts";
import { scoreTokens } from "../../lib/model/mod.ts";
import { continuationText } from "../../lib/sample/mod.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import {
  byteTokenizer,
  chainStudent,
  contextFor,
  mathRecord,
  tinyStudent,
} from "./tiny_student.ts";

Deno.test("studentPrompt asks in the Q:/A: format and completes a generated code record with its program", () => {
  assert.deepEqual(studentPrompt(mathRecord("1+1?", "2", "1 + 1 = 2.")), {
    prompt: "Q: 1+1?\nA:",
    completion: " 1 + 1 = 2. The answer is 2.",
  });
  const code = {
    ...mathRecord("Write f.", "def f():\n    return 1"),
    domain: "code" as const,
    answerKind: "code" as const,
  };
  assert.equal(studentPrompt(code).completion, "\ndef f():\n    return 1");
});

Deno.test("studentAnswers samples n answers per record whose log-probs are what scoring gives", async () => {
  const student = tinyStudent(1);
  const records = [mathRecord("2+2?", "4"), mathRecord("Is 9 odd?", "1")];
  const answers = await studentAnswers(contextFor(student), records, { n: 3, maxNewTokens: 6 });
  assert.deepEqual(answers.map((a) => a.length), [3, 3]);
  const flat = answers.flat();
  const scores = await scoreTokens(student, flat.map((a) => [...a.promptIds, ...a.tokens]));
  flat.forEach((a, i) => {
    assert.equal(a.tokens.length, a.logprobs.length);
    assert.equal(a.text, continuationText(student.tokenizer!, a.promptIds, a.tokens));
    const forced = scores[i].logprobs.slice(a.promptIds.length - 1);
    a.logprobs.forEach((lp, k) =>
      assert.ok(Math.abs(lp - forced[k]) < 1e-4, `${lp} vs ${forced[k]}`)
    );
  });
  assert.deepEqual(await studentAnswers(contextFor(student), [], { n: 3 }), []);
});

Deno.test("studentAnswers repeats with a seed and draws a fresh one from the context's RNG otherwise", async () => {
  const student = tinyStudent(1);
  const rec = [mathRecord("3+4?", "7")];
  const a = await studentAnswers(contextFor(student), rec, { n: 4, maxNewTokens: 6, seed: 9 });
  const b = await studentAnswers(contextFor(student), rec, { n: 4, maxNewTokens: 6, seed: 9 });
  assert.deepEqual(a, b);
  const ctx = contextFor(student);
  const c = await studentAnswers(ctx, rec, { n: 4, maxNewTokens: 6 });
  const d = await studentAnswers(ctx, rec, { n: 4, maxNewTokens: 6 });
  assert.notDeepEqual(c[0].map((x) => x.tokens), d[0].map((x) => x.tokens));
});

Deno.test("studentAnswers cuts the stop string from an answer's tokens but keeps them in 'generated'", async () => {
  // A bigram student that answers "x" and then starts the next question.
  const student = chainStudent({ ":": "x", x: "\n", "\n": "Q", Q: ":" });
  const tok = student.tokenizer!;
  const [[a]] = await studentAnswers(contextFor(student), [mathRecord("2+2?", "4")], {
    maxNewTokens: 8,
  });
  assert.equal(a.finish, "stop");
  assert.equal(a.text, "x");
  assert.deepEqual(a.tokens, tok.encode("x", { addBos: false }).slice(-1));
  assert.deepEqual(a.generated.map((t) => tok.decode([t])), ["x", "\n", "Q", ":"]);
  assert.equal(a.logprobs.length, 1);
  assert.ok(a.logprobs[0] > -1e-6);
});

Deno.test("studentAnswers gives no answers to a question too long for the student's context", async () => {
  const student = tinyStudent(1); // 128 positions
  const recs = [mathRecord("x".repeat(120) + "?", "1"), mathRecord("2+2?", "4")];
  const answers = await studentAnswers(contextFor(student), recs, { n: 2, maxNewTokens: 8 });
  assert.deepEqual(answers.map((a) => a.length), [0, 2]);
  assert.deepEqual(
    await studentAnswers(contextFor(student), recs.slice(0, 1), { maxNewTokens: 8 }),
    [[]],
  );
});

Deno.test("teacherForced scores exactly the completion's tokens (EOS included by default)", async () => {
  const student = tinyStudent(2);
  const recs = [mathRecord("2+2?", "4", "2 + 2 = 4."), mathRecord("5-1?", "4")];
  const got = await teacherForced(student, recs);
  const noEos = await teacherForced(student, recs, { addEos: false });
  const other = await teacherForced(student, recs, { completions: [" 4", " four"] });
  for (const [i, r] of recs.entries()) {
    const p = studentPrompt(r);
    const e = encodeCompletion(student.tokenizer!, p.prompt, p.completion);
    const [s] = await scoreTokens(student, [e.tokens]);
    const n = e.tokens.length - e.promptTokens;
    assert.equal(got[i].logprobs.length, n);
    assert.deepEqual(got[i].logprobs, s.logprobs.slice(e.promptTokens - 1));
    assert.deepEqual(got[i].margins, s.margins.slice(e.promptTokens - 1));
    assert.deepEqual(got[i].entropies, s.entropies.slice(e.promptTokens - 1));
    assert.equal(noEos[i].logprobs.length, n - 1);
  }
  assert.equal(other[0].logprobs.length, 3); // "▁" "4" EOS
  assert.deepEqual(await teacherForced(student, []), []);
  await assert.rejects(
    () => teacherForced(student, recs, { completions: ["x"] }),
    /one text per record/,
  );
});

Deno.test("checkSameTokenizer names both models when their tokenizers differ", () => {
  const a = tinyStudent(1), b = tinyStudent(2);
  checkSameTokenizer(a, "student", b, "committee member 1");
  const c = tinyStudent(1, byteTokenizer(["ab"]));
  assert.throws(
    () => checkSameTokenizer(a, "student", c, "committee member 1"),
    /student's tokenizer \(vocab 260.*committee member 1's \(vocab 261/,
  );
});
