import assert from "node:assert/strict";
import { referenceLoss, rhoLoss } from "../../lib/acquire/loss.ts";
import { studentPrompt } from "../../lib/acquire/student.ts";
import type { LanguageModel } from "../../lib/model/mod.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import {
  BATCH,
  byteTokenizer,
  contextFor,
  independentLogProbs,
  mean,
  RECORDS,
  tinyStudent,
  uniformStudent,
} from "./tiny_student.ts";

const records = RECORDS;
const batch = BATCH;
const close = (a: number | null, b: number, tol = 1e-4) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** Mean −log p of record i's completion (EOS included) under `model`, by the independent route. */
async function handLoss(model: LanguageModel, i: number, addEos = true): Promise<number> {
  const p = studentPrompt(records[i]);
  const e = encodeCompletion(model.tokenizer!, p.prompt, p.completion, { addEos });
  const rows = (await independentLogProbs(model, e.tokens)).slice(e.promptTokens - 1);
  return mean(rows.map((r, k) => -r[e.tokens[e.promptTokens + k]]));
}

Deno.test("reference-loss is the mean token loss of the generated answer given its question", async () => {
  const student = tinyStudent(8);
  const got = await referenceLoss.score(batch, contextFor(student));
  close(got[0], await handLoss(student, 0));
  close(got[2], await handLoss(student, 1));
  assert.equal(got[1], null);
  const noEos = await referenceLoss.score(
    batch,
    contextFor(student, { options: { "reference-loss": { addEos: false } } }),
  );
  close(noEos[0], await handLoss(student, 0, false));
});

Deno.test("a uniform student's loss is ln V on every answer", async () => {
  const got = await referenceLoss.score(batch, contextFor(uniformStudent()));
  close(got[0], Math.log(260), 1e-6);
  close(got[2], Math.log(260), 1e-6);
});

Deno.test("rho-loss is the student's loss minus the reference model's", async () => {
  const student = tinyStudent(8), reference = tinyStudent(9);
  const got = await rhoLoss.score(batch, contextFor(student, { reference }));
  for (const [k, i] of [[0, 0], [2, 1]]) {
    close(got[k], (await handLoss(student, i)) - (await handLoss(reference, i)));
  }
  assert.equal(got[1], null);
  const self = await rhoLoss.score(batch, contextFor(student, { reference: student }));
  assert.deepEqual(self, [0, null, 0]);
});

Deno.test("rho-loss needs a reference model with the student's tokenizer", async () => {
  assert.deepEqual(rhoLoss.needs, ["student", "reference"]);
  await assert.rejects(
    () => rhoLoss.score(batch, contextFor(tinyStudent(1))),
    /'rho-loss': the context has no 'reference' model/,
  );
  const other = tinyStudent(2, byteTokenizer(["ab"]));
  await assert.rejects(
    () => rhoLoss.score(batch, contextFor(tinyStudent(1), { reference: other })),
    /student's tokenizer \(vocab 260.*reference model's \(vocab 261/,
  );
  const ctx = contextFor(tinyStudent(1), { reference: tinyStudent(2) });
  assert.deepEqual(await rhoLoss.score([], ctx), []);
  assert.deepEqual(await referenceLoss.score([], ctx), []);
});
