import assert from "node:assert/strict";
import { studentAnswers, studentPrompt } from "../../lib/acquire/student.ts";
import {
  leastConfidence,
  margin,
  meanEntropy,
  predictiveEntropy,
} from "../../lib/acquire/uncertainty.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import {
  BATCH,
  chainStudent,
  contextFor,
  independentLogProbs,
  mathRecord,
  mean,
  RECORDS,
  rowEntropy,
  rowMargin,
  tinyStudent,
  uniformStudent,
} from "./tiny_student.ts";

const records = RECORDS;
const batch = BATCH;
const close = (a: number | null, b: number, tol = 1e-4) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

Deno.test("least-confidence and mean-entropy read the student's sampled answer's token probabilities and full distributions", async () => {
  const student = tinyStudent(5);
  const settings = { maxNewTokens: 6, seed: 21 };
  const ctx = contextFor(student, {
    options: { "least-confidence": settings, "mean-entropy": settings },
  });
  const lc = await leastConfidence.score(batch, ctx);
  const h = await meanEntropy.score(batch, ctx);
  const answers = await studentAnswers(contextFor(student), records, { ...settings, n: 1 });
  for (const [k, [a]] of [[0, answers[0]], [2, answers[1]]] as const) {
    const rows = (await independentLogProbs(student, [...a.promptIds, ...a.tokens]))
      .slice(a.promptIds.length - 1);
    const lps = rows.map((r, i) => r[a.tokens[i]]);
    close(lc[k], 1 - Math.exp(mean(lps)));
    close(h[k], mean(rows.map(rowEntropy)));
  }
  assert.equal(lc[1], null);
  assert.equal(h[1], null);
});

Deno.test("predictive entropy is the mean −log p of n sampled answers, endings included", async () => {
  const student = tinyStudent(6, undefined, 3);
  const settings = { n: 3, maxNewTokens: 5, seed: 8 };
  const got = await predictiveEntropy.score(
    batch,
    contextFor(student, { options: { "predictive-entropy": settings } }),
  );
  const answers = await studentAnswers(contextFor(student), records, {
    ...settings,
    temperature: 1,
  });
  for (const [k, group] of [[0, answers[0]], [2, answers[1]]] as const) {
    const nll: number[] = [];
    for (const a of group) {
      const ending = a.finish === "eos" ? [2] : [];
      const seq = [...a.promptIds, ...a.generated, ...ending];
      const rows = (await independentLogProbs(student, seq)).slice(a.promptIds.length - 1);
      const toks = seq.slice(a.promptIds.length);
      nll.push(-rows.reduce((s, r, i) => s + r[toks[i]], 0));
    }
    close(got[k], mean(nll));
  }
  assert.equal(got[1], null);
});

Deno.test("predictive entropy counts the stop string's tokens, and EOS, of answers that ended there", async () => {
  // A bigram student unsure after each character (p ≈ 0.5 of the next in the chain, and after
  // "x" EOS as likely as "\n"): answers end at "\nQ:", at EOS or at the length limit.
  const student = chainStudent({ ":": "x", x: "\n", "\n": "Q", Q: ":" }, 6);
  const tok = student.tokenizer!;
  const eos = tok.eosId!;
  const newline = tok.encode("\n", { addBos: false }).at(-1)!;
  const head = student.store.get("lm_head.weight")!.data as Float32Array;
  const d = student.config.hiddenSize;
  head.set(head.slice(newline * d, (newline + 1) * d), eos * d);
  const recs = [mathRecord("2+2?", "4")];
  const settings = { n: 24, maxNewTokens: 6, seed: 4 };
  const [got] = await predictiveEntropy.score(
    [{ text: "", record: recs[0] }],
    contextFor(student, { options: { "predictive-entropy": settings } }),
  );
  const [group] = await studentAnswers(contextFor(student), recs, { ...settings, temperature: 1 });
  const finishes = new Set(group.map((a) => a.finish));
  assert.equal(finishes.size, 3, [...finishes].join());
  const nll: number[] = [];
  for (const a of group) {
    const seq = [...a.promptIds, ...a.generated, ...(a.finish === "eos" ? [eos] : [])];
    const rows = (await independentLogProbs(student, seq)).slice(a.promptIds.length - 1);
    nll.push(-rows.reduce((s, r, i) => s + r[seq[a.promptIds.length + i]], 0));
  }
  close(got, mean(nll));
});

Deno.test("margin is 1 − mean top-1/top-2 margin teacher-forced on the generated answer", async () => {
  const student = tinyStudent(7);
  const got = await margin.score(batch, contextFor(student));
  for (const [k, i] of [[0, 0], [2, 1]]) {
    const p = studentPrompt(records[i]);
    const e = encodeCompletion(student.tokenizer!, p.prompt, p.completion);
    const rows = (await independentLogProbs(student, e.tokens)).slice(e.promptTokens - 1);
    close(got[k], 1 - mean(rows.map(rowMargin)));
  }
  assert.equal(got[1], null);
});

Deno.test("a uniform student is maximally uncertain: 1 − 1/V, ln V, length × ln V, margin 1", async () => {
  const student = uniformStudent();
  const v = student.config.vocabSize;
  const settings = { maxNewTokens: 4, seed: 3 };
  const ctx = contextFor(student, {
    options: {
      "least-confidence": settings,
      "mean-entropy": settings,
      "predictive-entropy": { ...settings, n: 2 },
    },
  });
  const lc = await leastConfidence.score(batch, ctx);
  const h = await meanEntropy.score(batch, ctx);
  const pe = await predictiveEntropy.score(batch, ctx);
  const m = await margin.score(batch, ctx);
  const answers = await studentAnswers(contextFor(student), records, { ...settings, n: 2 });
  for (const [k, i] of [[0, 0], [2, 1]]) {
    close(lc[k], 1 - 1 / v, 1e-5);
    close(h[k], Math.log(v), 1e-5);
    close(m[k], 1, 1e-6);
    const lengths = answers[i].map((a) => a.generated.length + (a.finish === "eos" ? 1 : 0));
    close(pe[k], mean(lengths) * Math.log(v), 1e-5);
  }
  assert.deepEqual([lc[1], h[1], pe[1], m[1]], [null, null, null, null]);
});

Deno.test("uncertainty functions give [] for an empty batch", async () => {
  const ctx = contextFor(tinyStudent(1));
  for (const fn of [leastConfidence, meanEntropy, predictiveEntropy, margin]) {
    assert.deepEqual(await fn.score([], ctx), [], fn.name);
  }
});
