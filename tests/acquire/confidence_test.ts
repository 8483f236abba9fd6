import assert from "node:assert/strict";
import { confidence, confidenceForced } from "../../lib/acquire/confidence.ts";
import { studentAnswers, studentPrompt } from "../../lib/acquire/student.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import {
  BATCH,
  contextFor,
  independentLogProbs,
  mathRecord,
  mean,
  RECORDS,
  rowMargin,
  tinyStudent,
  uniformStudent,
} from "./tiny_student.ts";

const records = RECORDS;
const batch = BATCH;

Deno.test("confidence is 1 / mean full-distribution margin of the student's own sampled answer", async () => {
  const student = tinyStudent(3);
  const settings = { temperature: 0.7, maxNewTokens: 6, seed: 11 };
  const got = await confidence.score(
    batch,
    contextFor(student, { options: { confidence: settings } }),
  );
  const answers = await studentAnswers(contextFor(student), records, { ...settings, n: 1 });
  const expected: number[] = [];
  for (const [a] of answers) {
    assert.ok(a.tokens.length > 0);
    const rows = await independentLogProbs(student, [...a.promptIds, ...a.tokens]);
    const m = mean(rows.slice(a.promptIds.length - 1).map(rowMargin));
    expected.push(Math.min(2, 1 / m));
  }
  assert.ok(expected.some((e) => e < 2), `unclipped: ${expected}`);
  assert.equal(got[1], null);
  assert.ok(Math.abs(got[0]! - expected[0]) < 1e-4 * expected[0], `${got[0]} vs ${expected[0]}`);
  assert.ok(Math.abs(got[2]! - expected[1]) < 1e-4 * expected[1], `${got[2]} vs ${expected[1]}`);
});

Deno.test("a uniform student has margin 0 everywhere: confidence 2, teacher-forced too", async () => {
  const student = uniformStudent();
  const ctx = contextFor(student, { options: { confidence: { maxNewTokens: 4, seed: 1 } } });
  assert.deepEqual(await confidence.score(batch, ctx), [2, null, 2]);
  assert.deepEqual(await confidenceForced.score(batch, ctx), [2, null, 2]);
});

Deno.test("confidence-forced reads the margins on the generated answer, EOS included", async () => {
  const student = tinyStudent(4);
  const tok = student.tokenizer!;
  const got = await confidenceForced.score(batch, contextFor(student));
  const noEos = await confidenceForced.score(
    batch,
    contextFor(student, { options: { "confidence-forced": { addEos: false } } }),
  );
  for (const [k, i] of [[0, 0], [2, 1]]) {
    const p = studentPrompt(records[i]);
    for (const [addEos, score] of [[true, got[k]], [false, noEos[k]]] as const) {
      const e = encodeCompletion(tok, p.prompt, p.completion, { addEos });
      const rows = await independentLogProbs(student, e.tokens);
      const want = Math.min(2, 1 / mean(rows.slice(e.promptTokens - 1).map(rowMargin)));
      assert.ok(want < 2);
      assert.ok(Math.abs(score! - want) < 1e-4 * want, `${score} vs ${want}`);
    }
  }
  assert.notEqual(got[0], noEos[0]);
  assert.equal(got[1], null);
});

Deno.test("confidence scores an empty batch as [] and names a bad option", async () => {
  const ctx = contextFor(tinyStudent(1));
  assert.deepEqual(await confidence.score([], ctx), []);
  assert.deepEqual(await confidenceForced.score([], ctx), []);
  assert.deepEqual(await confidence.score([{ text: "x", record: null }], ctx), [null]);
  const long = mathRecord("x".repeat(120) + "?", "1");
  assert.deepEqual(await confidence.score([{ text: "x", record: long }], ctx), [null]);
  await assert.rejects(
    () =>
      confidence.score(
        batch,
        contextFor(tinyStudent(1), { options: { confidence: { temperature: -1 } } }),
      ),
    /'confidence': option 'temperature' must be a finite number ≥ 0: current value is -1/,
  );
  await assert.rejects(
    () =>
      confidence.score(batch, contextFor(tinyStudent(1), { options: { confidence: { topK: 3 } } })),
    /unknown option 'topK'/,
  );
});
