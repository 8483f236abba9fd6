import assert from "node:assert/strict";
import { egl, expectedNorm } from "../../lib/acquire/egl.ts";
import { studentAnswers } from "../../lib/acquire/student.ts";
import { gradientNorms, scoreTokens } from "../../lib/model/mod.ts";
import { contextFor, mathRecord, tinyStudent } from "./tiny_student.ts";

Deno.test("the expected norm weighs each norm by its renormalised sequence probability", () => {
  // p ∝ (0.2, 0.05, 0.25) → p̂ = (0.4, 0.1, 0.5).
  const got = expectedNorm([1, 10, 3], [Math.log(0.2), Math.log(0.05), Math.log(0.25)]);
  assert.ok(Math.abs(got! - (0.4 * 1 + 0.1 * 10 + 0.5 * 3)) < 1e-12);
  // Very unlikely sequences (log-probs far below −745) still renormalise.
  assert.ok(Math.abs(expectedNorm([2, 4], [-2000, -2000 + Math.log(3)])! - 3.5) < 1e-9);
  assert.equal(expectedNorm([], []), null);
});

Deno.test("EGL equals the probability-weighted gradient norms of the student's own distinct answers, by hand", async () => {
  const model = tinyStudent(7);
  const records = [mathRecord("1+2?", "3"), mathRecord("5*5?", "25")];
  // A hot sampler, so a peaked tiny student still gives several distinct answers.
  const opts = { samples: 6, temperature: 4, maxNewTokens: 6 };
  const got = await egl.score(
    records.map((record) => ({ text: "", record })),
    contextFor(model, { options: { egl: opts } }),
  );
  // The same answers again: a fresh context draws the same sampler seed.
  const answers = await studentAnswers(contextFor(model), records, {
    n: 6,
    temperature: 4,
    maxNewTokens: 6,
  });
  for (const [k, group] of answers.entries()) {
    const distinct = group.filter((a, i) =>
      a.tokens.length > 0 &&
      group.findIndex((b) => b.tokens.join() === a.tokens.join()) === i
    );
    assert.ok(distinct.length >= 2, "a hot sampler gives different answers");
    const seqs = distinct.map((a) => [...a.promptIds, ...a.tokens]);
    const norms = await gradientNorms(
      model,
      distinct.map((a, i) => ({
        tokens: seqs[i],
        weights: seqs[i].slice(1).map((_, t) =>
          t + 1 >= a.promptIds.length ? 1 / a.tokens.length : 0
        ),
      })),
    );
    // Sequence probabilities from a separate teacher-forced scoring pass.
    const scores = await scoreTokens(model, seqs);
    const logp = distinct.map((a, i) =>
      scores[i].logprobs.slice(a.promptIds.length - 1).reduce((s, l) => s + l, 0)
    );
    const p = logp.map(Math.exp);
    const z = p.reduce((a, b) => a + b, 0);
    const want = norms.reduce((s, n, i) => s + (p[i] / z) * n, 0);
    assert.ok(Math.abs(got[k]! - want) < 1e-4 * want, `${got[k]} vs ${want}`);
  }
});

Deno.test("EGL of a greedy student is the gradient norm of its one answer", async () => {
  const model = tinyStudent(8);
  const record = mathRecord("9-4?", "5");
  const ctx = contextFor(model, { options: { egl: { temperature: 0, maxNewTokens: 6 } } });
  const [got] = await egl.score([{ text: "", record }], ctx);
  const [[a]] = await studentAnswers(contextFor(model), [record], {
    temperature: 0,
    maxNewTokens: 6,
  });
  const seq = [...a.promptIds, ...a.tokens];
  const [norm] = await gradientNorms(model, [{
    tokens: seq,
    weights: seq.slice(1).map((_, t) => (t + 1 >= a.promptIds.length ? 1 / a.tokens.length : 0)),
  }]);
  assert.ok(Math.abs(got! - norm) < 1e-5 * norm, `${got} vs ${norm}`);
});

Deno.test("EGL: an empty batch gives [], no record gives null, bad options are named", async () => {
  const ctx = contextFor(tinyStudent(9));
  assert.deepEqual(await egl.score([], ctx), []);
  assert.deepEqual(await egl.score([{ text: "x", record: null }], ctx), [null]);
  const bad = (o: Record<string, unknown>) =>
    egl.score(
      [{ text: "", record: mathRecord("1?", "1") }],
      contextFor(tinyStudent(9), { options: { egl: o } }),
    );
  await assert.rejects(
    () => bad({ samples: 0 }),
    /option 'samples' must be an integer ≥ 1: current value is 0/,
  );
  await assert.rejects(
    () => bad({ temperature: -1 }),
    /option 'temperature' must be a finite number ≥ 0/,
  );
  await assert.rejects(() => bad({ n: 3 }), /unknown option 'n'/);
});
