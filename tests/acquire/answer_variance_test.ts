import assert from "node:assert/strict";
import {
  ANSWER_MAX_DISTANCE,
  answerEntropy,
  answerVariance,
  answerVarianceExact,
  answerVarianceOf,
  clusterCount,
  countEntropy,
  createAcquireContext,
  finalAnswer,
  hashedNgramEmbedder,
  studentAnswers,
} from "../../lib/acquire/mod.ts";
import type { TaskRecord } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { mathRecord, runtime } from "./tiny_student.ts";

const v = (...xs: number[]) => Float32Array.from(xs);

Deno.test("answer variance of fixed embeddings: clusters with noise points one each, over n", () => {
  const a = v(1, 0, 0), b = v(0, 1, 0), c = v(0, 0, 1);
  assert.equal(answerVarianceOf([a, a, a, a]), 1 / 4); // one answer
  assert.equal(answerVarianceOf([a, a, b, b]), 2 / 4); // two clusters
  assert.equal(answerVarianceOf([a, a, b, c]), 3 / 4); // one cluster and two loners
  assert.equal(answerVarianceOf([a, b, c]), 3 / 3); // pairwise distance √2 > 0.5: all noise
  assert.equal(answerVarianceOf([a, b, c], 2), 1 / 3); // a scale of 2 makes them one cluster
  assert.equal(clusterCount([0, 0, 1, -1, -1]), 4);
  assert.equal(clusterCount([]), 0);
});

Deno.test("countEntropy is −Σ p ln p of the counts", () => {
  assert.equal(countEntropy([16]), 0);
  // 8, 4, 4 of 16: −(½ ln ½ + 2 · ¼ ln ¼) = 1.5 ln 2
  assert.ok(Math.abs(countEntropy([8, 4, 4]) - 1.5 * Math.LN2) < 1e-12);
});

Deno.test("finalAnswer reads answers as the verifiers do, numbers as exact fractions", () => {
  const num = mathRecord("?", "0.5");
  assert.equal(finalAnswer(num, "so the answer is 1/2"), "1/2");
  assert.equal(finalAnswer(num, "The answer is 0.50."), "1/2");
  assert.equal(finalAnswer(num, "The answer is 3"), "3/1");
  assert.equal(finalAnswer(num, "no idea"), null);
  const mc: TaskRecord = {
    id: "mc",
    domain: "reasoning",
    answerKind: "choice",
    question: "?",
    answer: "B",
    choices: { A: "red", B: "blue" },
    meta: {},
  };
  assert.equal(finalAnswer(mc, "The answer is (B)."), "B");
  const code: TaskRecord = { ...mc, answerKind: "code", choices: undefined };
  assert.throws(() => finalAnswer(code, "print(1)"), /answer kind 'code' has none/);
});

const student = await loadModel("data/models/student", runtime);
const QUESTION = mathRecord("What is 17 + 26?", "43", "17 + 26 = 43.");
const CODE: TaskRecord = {
  id: "code",
  domain: "code",
  answerKind: "code",
  question: "Write a function f returning 1.",
  answer: "def f():\n    return 1",
  meta: {},
};

Deno.test("answer-variance-exact and answer-entropy count the final answers of the same samples", async () => {
  const sampling = { n: 12, temperature: 1.5, maxNewTokens: 24, seed: 77 };
  const context = createAcquireContext(student, [], {
    embedder: hashedNgramEmbedder(),
    options: { "answer-variance-exact": sampling, "answer-entropy": sampling },
  });
  const [answers] = await studentAnswers(context, [QUESTION], sampling);
  const counts = new Map<string | null, number>();
  for (const a of answers) {
    const k = finalAnswer(QUESTION, a.text);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const [exact] = await answerVarianceExact.score([{ text: "", record: QUESTION }], context);
  const [entropy] = await answerEntropy.score([{ text: "", record: QUESTION }], context);
  assert.equal(exact, counts.size / 12);
  assert.ok(Math.abs(entropy! - countEntropy(counts.values())) < 1e-12);
  assert.ok(
    counts.size > 1,
    `temperature 1.5 gives more than one final answer: ${[...counts.keys()]}`,
  );
});

Deno.test("answer-variance with the embedder clusters the embedded texts of the same samples", async () => {
  const sampling = { n: 8, temperature: 1.5, maxNewTokens: 24, seed: 5 };
  const embedder = hashedNgramEmbedder({ n: 3, dims: 512 });
  const context = createAcquireContext(student, [], {
    embedder,
    options: { "answer-variance": { ...sampling, embedding: "embedder" } },
  });
  const [answers] = await studentAnswers(context, [QUESTION], sampling);
  const want = answerVarianceOf(await embedder.embed(answers.map((a) => a.text)));
  assert.deepEqual(await answerVariance.score([{ text: "", record: QUESTION }], context), [want]);
});

Deno.test("answer-variance in context clusters the student's own pooled states of the same samples", async () => {
  const sampling = { n: 8, temperature: 1.5, maxNewTokens: 24, seed: 5 };
  const context = createAcquireContext(student, [], { options: { "answer-variance": sampling } });
  const [answers] = await studentAnswers(context, [QUESTION], { ...sampling, embed: true });
  const d = student.config.hiddenSize;
  for (const a of answers) {
    const e = a.embedding!;
    assert.equal(e.length, d);
    const norm = Math.sqrt(e.reduce((s, x) => s + x * x, 0));
    assert.ok(a.tokens.length === 0 ? norm === 0 : Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  }
  // Equal answers (equal tokens after one prompt) have equal vectors; different ones do not.
  for (const a of answers) {
    for (const b of answers) {
      const same = a.tokens.join() === b.tokens.join();
      assert.equal(a.embedding!.join() === b.embedding!.join(), same);
    }
  }
  const scale = ANSWER_MAX_DISTANCE["in-context"];
  const want = answerVarianceOf(answers.map((a) => a.embedding!), scale);
  assert.deepEqual(await answerVariance.score([{ text: "", record: QUESTION }], context), [want]);
  const distinct = new Set(answers.map((a) => a.tokens.join())).size;
  assert.ok(distinct > 1, "temperature 1.5 gives different answers");
  assert.ok(want > 1 / 8, `different answers are not all one cluster: ${want}`);
  // A given scale replaces the default one.
  const loose = createAcquireContext(student, [], {
    options: { "answer-variance": { ...sampling, maxDistance: 0.6 } },
  });
  assert.deepEqual(await answerVariance.score([{ text: "", record: QUESTION }], loose), [
    answerVarianceOf(answers.map((a) => a.embedding!), 0.6),
  ]);
  const bad = createAcquireContext(student, [], {
    options: { "answer-variance": { ...sampling, embedding: "text" } },
  });
  await assert.rejects(
    () => answerVariance.score([{ text: "", record: QUESTION }], bad),
    /option 'embedding' must be "in-context" or "embedder": current value is "text"/,
  );
});

Deno.test("greedy answers: one cluster, one final answer, entropy 0", async () => {
  const greedy = { n: 4, temperature: 0, maxNewTokens: 16 };
  const context = createAcquireContext(student, [], {
    embedder: hashedNgramEmbedder(),
    options: {
      "answer-variance": greedy,
      "answer-variance-exact": greedy,
      "answer-entropy": greedy,
    },
  });
  const c = [{ text: "", record: QUESTION }];
  assert.deepEqual(await answerVariance.score(c, context), [0.25]);
  assert.deepEqual(await answerVarianceExact.score(c, context), [0.25]);
  assert.deepEqual(await answerEntropy.score(c, context), [0]);
});

Deno.test("answer variance functions: empty batch, unparsed candidates and code records", async () => {
  const small = { n: 2, temperature: 1, maxNewTokens: 4 };
  const context = createAcquireContext(student, [], {
    embedder: hashedNgramEmbedder(),
    options: { "answer-variance": small, "answer-variance-exact": small, "answer-entropy": small },
  });
  for (const fn of [answerVariance, answerVarianceExact, answerEntropy]) {
    assert.deepEqual(await fn.score([], context), []);
  }
  const cands = [{ text: "junk", record: null }, { text: "", record: CODE }];
  assert.deepEqual(await answerVarianceExact.score(cands, context), [null, null]);
  assert.deepEqual(await answerEntropy.score(cands, context), [null, null]);
  const [none, code] = await answerVariance.score(cands, context);
  assert.equal(none, null);
  assert.ok(code === 0.5 || code === 1, `2 answers make 1 or 2 clusters: ${code}`);
  const bad = createAcquireContext(student, [], { options: { "answer-variance": { n: 0 } } });
  await assert.rejects(
    () => answerVariance.score([{ text: "", record: QUESTION }], bad),
    /option 'n' must be an integer ≥ 1: current value is 0/,
  );
});
