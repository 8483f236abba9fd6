import assert from "node:assert/strict";
import { studentPrompt } from "../../lib/acquire/mod.ts";
import { generateTasks, type TaskRecord } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { sample } from "../../lib/sample/mod.ts";
import {
  labelSamples,
  majorityLabel,
  medoidOfLargestCluster,
  type SynthSample,
} from "../../lib/synth/mod.ts";
import { checkAnswer, createSandbox } from "../../lib/verify/mod.ts";

function synth(
  record: Omit<TaskRecord, "id" | "meta"> & { meta?: TaskRecord["meta"] },
): SynthSample {
  return {
    text: "",
    record: { id: "gen", meta: {}, ...record },
    scores: { confidence: 0.25 },
    promptSeed: "seed-0",
  };
}

const mul = synth({
  domain: "math",
  answerKind: "number",
  question: "Ann has 3 bags with 4 pens in each. How many pens in all?",
  reasoning: "3 * 4 = 7.",
  answer: "7",
});
const sub = synth({
  domain: "math",
  answerKind: "number",
  question: "Ben has 10 cards and gives 8 to Cat. How many cards are left?",
  reasoning: "10 - 8 = 2.",
  answer: "2",
});
const choice = synth({
  domain: "reasoning",
  answerKind: "choice",
  question: "How many days are in 3 weeks?",
  choices: { A: "21", B: "2", C: "10", D: "210" },
  reasoning: "1 week is 7 days, and 3 * 7 = 12. So the answer is C.",
  answer: "C",
});
const prose = synth({
  domain: "math",
  answerKind: "number",
  question: "How many moons does a small planet need?",
  reasoning: "Two.",
  answer: "2",
});

Deno.test("the verifier label recomputes a wrong procedural answer, drops what it cannot solve, and reports its agreement with the generator", async () => {
  const r = await labelSamples(
    [mul, sub, choice, prose],
    { method: "verifier", seed: 5, compare: ["generator"] },
    {
      generatorCheckpoint: "runs/a/generator",
      rewardConfig: { functions: { confidence: 1 } },
      seed: 5,
    },
  );
  assert.deepEqual(r.records.map((x) => x.answer), ["12", "2", "A"]);
  assert.equal(r.dropped, 1);
  // Of the three samples both methods label, the generator is right on one.
  assert.equal(r.agreement["verifier~generator"], 1 / 3);
  assert.deepEqual(r.records.map((x) => x.id), ["synth-5-0", "synth-5-1", "synth-5-2"]);
  // Reasoning that argues for another answer is repaired: its sum recomputed, it ends in the label.
  assert.equal(r.records[0].reasoning, "3 * 4 = 12.");
  assert.equal(r.records[1].reasoning, "10 - 8 = 2.");
  // The choice's own step, recomputed, computes option A's value: kept, naming A.
  assert.equal(r.records[2].reasoning, "1 week is 7 days, and 3 * 7 = 21. So the answer is A.");
  assert.deepEqual(r.records[0].meta.provenance, {
    generatorCheckpoint: "runs/a/generator",
    rewardConfig: { functions: { confidence: 1 } },
    seed: 5,
    labelMethod: "verifier",
    scores: { confidence: 0.25 },
    labels: { verifier: "12", generator: "7" },
    reasoning: "repaired",
  });
  assert.equal(
    r.records[1].meta.provenance &&
      (r.records[1].meta.provenance as { reasoning: string }).reasoning,
    "generator",
  );
  assert.equal(r.records[0].meta.promptSeed, "seed-0");
});

Deno.test("the generator label keeps the generator's answer and reasoning; a compare list repeating the method is tidied", async () => {
  const r = await labelSamples([mul, sub, prose], {
    method: "generator",
    seed: 1,
    compare: ["verifier", "generator"],
  }, { generatorCheckpoint: "g", seed: 1 });
  assert.deepEqual(r.records.map((x) => x.answer), ["7", "2", "2"]);
  assert.equal(r.dropped, 0);
  assert.deepEqual(r.agreement, { "generator~verifier": 0.5 });
  assert.equal(r.records[0].reasoning, "3 * 4 = 7.");
});

Deno.test("the verifier label of a code sample is its program when its own tests pass in the sandbox", async () => {
  const [task] = generateTasks({ family: "code", count: 1, seed: 3 });
  const right = synth({ ...task, meta: task.meta });
  const wrong = synth({
    ...task,
    meta: task.meta,
    answer: "function f(xs: number[]): number[] {\n  return xs;\n}",
  });
  const sandbox = await createSandbox({ timeoutMs: 8000 });
  const r = await labelSamples([right, wrong], {
    method: "verifier",
    sandbox,
    allowWeakIsolation: !sandbox.setup.isolated,
    seed: 2,
  }, { generatorCheckpoint: "g", seed: 2 });
  assert.deepEqual(r.records.map((x) => x.answer), [task.answer]);
  assert.equal(r.dropped, 1);
  await assert.rejects(
    () =>
      labelSamples([right], { method: "verifier", seed: 2 }, { generatorCheckpoint: "g", seed: 2 }),
    /'verifier' method needs 'sandbox'/,
  );
});

Deno.test("the self-consistency label is the default student's own greedy answer at temperature 0", async () => {
  const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
  const samples = [mul, sub, choice];
  const r = await labelSamples(samples, {
    method: "self-consistency",
    student,
    k: 3,
    temperature: 0,
    maxNewTokens: 40,
    seed: 9,
    compare: ["verifier"],
  }, { generatorCheckpoint: "g", seed: 9 });
  // The same answers, drawn independently with the sampler and read by the verifier.
  const prompts = samples.map((s) => studentPrompt(s.record).prompt);
  const greedy = await sample(student, prompts, {
    temperature: 0,
    maxNewTokens: 40,
    stop: ["\nQ:"],
  });
  const expected = greedy.map((g, i) => checkAnswer(samples[i].record, g.text)!.extracted);
  const labels = samples.map((_, i) =>
    (r.records.find((x) => x.id === `synth-9-${i}`)?.meta.provenance as {
      labels: Record<string, string | null>;
    } | undefined)
      ?.labels["self-consistency"] ?? null
  );
  assert.deepEqual(labels, expected);
  assert.ok(expected.some((e) => e !== null), "the student stated no answer at all");
  assert.equal(r.records.length + r.dropped, 3);
  // The verifier says 12, 2, A: the student, pretrained without multiplication, agrees on none.
  assert.deepEqual(expected, ["1", "1", "C"]);
  const verifier = ["12", "2", "A"];
  assert.equal(
    r.agreement["self-consistency~verifier"],
    expected.filter((e, i) => e === verifier[i]).length / 3,
  );
  await assert.rejects(
    () =>
      labelSamples(samples, { method: "self-consistency", seed: 1 }, {
        generatorCheckpoint: "g",
        seed: 1,
      }),
    /'self-consistency' method needs 'student'/,
  );
});

Deno.test("a majority of normalised final answers wins; a tie goes to the smallest answer whatever the order", () => {
  const r = mul.record;
  assert.equal(
    majorityLabel(r, [" The answer is 12.", " The answer is 12.0.", " The answer is 7."]).answer,
    "12",
  );
  const tie = [" The answer is 5.", " The answer is 3.", " The answer is 5.", " The answer is 3."];
  assert.equal(majorityLabel(r, tie).answer, "3");
  assert.equal(majorityLabel(r, [...tie].reverse()).answer, "3");
  assert.deepEqual(majorityLabel(r, [" no idea", " hm"]), { answer: null });
  const mc = choice.record;
  assert.equal(
    majorityLabel(mc, [" So the answer is A.", " So the answer is B.", " So the answer is A."])
      .answer,
    "A",
  );
});

Deno.test("free-text answers are labelled with the medoid of the largest embedding cluster", () => {
  const v = (...x: number[]) => {
    const n = Math.hypot(...x);
    return Float32Array.from(x.map((a) => a / n));
  };
  // A cluster of three around (1, 0) (the middle one is its medoid) outvotes a pair around (0, 1).
  const points = [v(0, 1), v(1, 0.1), v(1, 0), v(0.1, 1), v(1, -0.1)];
  assert.equal(medoidOfLargestCluster(points), 2);
  // All unrelated: every answer its own cluster, the earliest wins.
  assert.equal(medoidOfLargestCluster([v(1, 0, 0), v(0, 1, 0), v(0, 0, 1)]), 0);
  assert.equal(medoidOfLargestCluster([]), -1);
});

Deno.test("labelSamples names an unknown method", async () => {
  await assert.rejects(
    () =>
      labelSamples([mul], { method: "vote" as never, seed: 1 }, {
        generatorCheckpoint: "g",
        seed: 1,
      }),
    /'method' must be one of verifier, self-consistency, generator: current value is "vote"/,
  );
  await assert.rejects(
    () =>
      labelSamples([mul], { method: "generator", compare: ["oracle" as never], seed: 1 }, {
        generatorCheckpoint: "g",
        seed: 1,
      }),
    /'compare\[0\]' must be one of/,
  );
});
