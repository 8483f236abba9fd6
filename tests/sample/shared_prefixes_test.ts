import assert from "node:assert/strict";
import { loadModel } from "../../lib/model/model.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { prefill, sample } from "../../lib/sample/sampler.ts";

const rt = createRuntime({ threads: 1 });
const student = await loadModel("data/models/student", rt);
// Ragged lengths, and one prompt twice: equal prompts share one prefill too.
const prompts = [
  "Q: What is 2 + 3?\nA:",
  "Q: Tom has 14 apples and gives away 5 of them. How many apples does he have left?\nA:",
  "Q: What is 2 + 3?\nA:",
  "Q: 7 * 6?\nA:",
];
const opts = { samplesPerPrompt: 3, maxNewTokens: 24, stop: ["\nQ:"] };

Deno.test("sharing prompts and prefixes gives the greedy tokens and log-probs of running every row on its own", async () => {
  const shared = await sample(student, prompts, { ...opts, temperature: 0 });
  const each = await sample(student, prompts, { ...opts, temperature: 0, sharePrefixes: false });
  assert.equal(shared.length, prompts.length * 3);
  shared.forEach((s, i) => {
    const e = each[i];
    assert.deepEqual([s.prompt, s.index], [e.prompt, e.index]);
    assert.deepEqual(s.tokens, e.tokens);
    assert.equal(s.text, e.text);
    assert.equal(s.finish, e.finish);
    s.logprobs.forEach((lp, k) =>
      assert.ok(Math.abs(lp - e.logprobs[k]) < 1e-4, `${lp} vs ${e.logprobs[k]}`)
    );
  });
  // The same prompt at indices 0 and 2 gives the same greedy answers.
  assert.deepEqual(
    shared.filter((s) => s.prompt === 0).map((s) => s.tokens),
    shared.filter((s) => s.prompt === 2).map((s) => s.tokens),
  );
});

Deno.test("seeded sampling with shared prefixes repeats run to run and gives each row its own stream", async () => {
  const a = await sample(student, prompts, { ...opts, temperature: 1, seed: 11 });
  const b = await sample(student, prompts, { ...opts, temperature: 1, seed: 11 });
  assert.deepEqual(a, b);
  // Prompts 0 and 2 are one prompt, prefilled once, but their rows draw from their own streams.
  assert.notDeepEqual(
    a.filter((s) => s.prompt === 0).map((s) => s.tokens),
    a.filter((s) => s.prompt === 2).map((s) => s.tokens),
  );
  // Each token's log-prob is that of the model's own softmax: at T = 1, as unshared rows give.
  const c = await sample(student, prompts, {
    ...opts,
    temperature: 1,
    seed: 11,
    sharePrefixes: false,
  });
  a.forEach((s, i) => {
    assert.deepEqual(s.tokens, c[i].tokens);
    s.logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - c[i].logprobs[k]) < 1e-4));
  });
});

Deno.test("rows that finish early leave the batch without changing the others' samples", async () => {
  // One prompt per run against all in one batch: chunks by length and dropped rows change
  // nothing but float rounding.
  const all = await sample(student, prompts, { ...opts, temperature: 0, maxNewTokens: 40 });
  for (let p = 0; p < prompts.length; p++) {
    const alone = await sample(student, [prompts[p]], {
      ...opts,
      temperature: 0,
      maxNewTokens: 40,
    });
    assert.deepEqual(
      all.filter((s) => s.prompt === p).map((s) => s.tokens),
      alone.map((s) => s.tokens),
    );
  }
  assert.ok(
    new Set(all.map((s) => s.tokens.length)).size > 1,
    "rows should end at different steps",
  );
});

Deno.test("prompts of very different lengths run in separate chunks and sample as they do alone", async () => {
  const short = "Q: 1 + 1?\nA:";
  const long =
    "Q: A farmer has 23 cows, 17 sheep and 9 goats. He sells 8 sheep and buys 4 cows. How many animals does he have now?\nA:";
  const o = { samplesPerPrompt: 64, maxNewTokens: 12, temperature: 0, stop: ["\nQ:"] };
  const tok = student.tokenizer!;
  const state = await prefill(
    student,
    [short, long].map((p) => tok.encode(p, { addBos: true })),
    o,
  );
  assert.equal(state.chunks.length, 2, "64 rows × the length gap saves more than a decoder run");
  const both = await sample(student, [short, long], o);
  const alone = [await sample(student, [short], o), await sample(student, [long], o)];
  both.forEach((s) => assert.deepEqual(s.tokens, alone[s.prompt][s.index].tokens));
});
