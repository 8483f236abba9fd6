import assert from "node:assert/strict";
import { bald, committeeInformation } from "../../lib/acquire/bald.ts";
import { studentPrompt } from "../../lib/acquire/student.ts";
import { scoreDistributions } from "../../lib/model/mod.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import {
  BATCH,
  byteTokenizer,
  contextFor,
  independentLogProbs,
  mean,
  RECORDS,
  rowEntropy,
  tinyStudent,
  uniformStudent,
} from "./tiny_student.ts";

const records = RECORDS;
const batch = BATCH;

Deno.test("scoreDistributions gives every position's full next-token log-probs, batched and cut at 'from'", async () => {
  const model = tinyStudent(10);
  const a = [1, 40, 41, 42, 43, 44], b = [1, 50, 51];
  const [ra, rb] = await scoreDistributions(model, [a, b], { from: [2, 0] });
  const v = model.config.vocabSize;
  const want = [
    ...(await independentLogProbs(model, a)).slice(2),
    ...(await independentLogProbs(model, b)),
  ];
  assert.equal(ra.length + rb.length, want.length * v);
  const got = [...ra, ...rb];
  want.flat().forEach((x, i) => assert.ok(Math.abs(got[i] - x) < 1e-4, `${i}: ${got[i]} vs ${x}`));
});

Deno.test("bald is 0 for a committee of one checkpoint twice", async () => {
  const m = tinyStudent(11);
  const got = await bald.score(batch, contextFor(m, { committee: [m, tinyStudent(11)] }));
  assert.equal(got[1], null);
  for (const k of [0, 2]) assert.ok(got[k]! >= 0 && got[k]! < 1e-6, `${got[k]}`);
});

Deno.test("bald of three different checkpoints is the mean of H(mixture) − mean H(member), by hand", async () => {
  const m1 = tinyStudent(12), m2 = tinyStudent(13), m3 = uniformStudent();
  const committee = [m1, m2, m3];
  const got = await bald.score(batch, contextFor(m1, { committee }));
  for (const [k, i] of [[0, 0], [2, 1]]) {
    const p = studentPrompt(records[i]);
    const e = encodeCompletion(m1.tokenizer!, p.prompt, p.completion);
    const rows = await Promise.all(
      committee.map(async (m) =>
        (await independentLogProbs(m, e.tokens)).slice(e.promptTokens - 1)
      ),
    );
    const mi = rows[0].map((_, t) => {
      const mix = rows[0][t].map((_, v) => mean(rows.map((r) => Math.exp(r[t][v]))));
      const hMix = -mix.reduce((s, q) => s + (q > 0 ? q * Math.log(q) : 0), 0);
      return hMix - mean(rows.map((r) => rowEntropy(r[t])));
    });
    const want = mean(mi);
    assert.ok(want > 0.05);
    assert.ok(Math.abs(got[k]! - want) < 1e-4, `${got[k]} vs ${want}`);
    assert.ok(got[k]! <= Math.log(3));
  }
});

Deno.test("committeeInformation of members sure of different tokens is ln M", () => {
  const sure = (i: number) => Float32Array.from([0, 1, 2], (k) => (k === i ? 0 : -Infinity));
  const two = committeeInformation([sure(0), sure(1)], 3);
  assert.ok(Math.abs(two - Math.log(2)) < 1e-12);
  const three = committeeInformation([sure(0), sure(1), sure(2)], 3);
  assert.ok(Math.abs(three - Math.log(3)) < 1e-12);
});

Deno.test("bald needs a committee of two or more with the student's tokenizer", async () => {
  const m = tinyStudent(1);
  assert.deepEqual(bald.needs, ["student", "committee"]);
  await assert.rejects(() => bald.score(batch, contextFor(m)), /'committee' must hold at least 2/);
  await assert.rejects(
    () =>
      bald.score(batch, contextFor(m, { committee: [m, tinyStudent(2, byteTokenizer(["ab"]))] })),
    /student's tokenizer \(vocab 260.*committee member 1's \(vocab 261/,
  );
  assert.deepEqual(await bald.score([], contextFor(m, { committee: [m, m] })), []);
  assert.deepEqual(
    await bald.score([{ text: "", record: null }], contextFor(m, { committee: [m, m] })),
    [null],
  );
});
