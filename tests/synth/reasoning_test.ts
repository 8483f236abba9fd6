import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/mod.ts";
import { labelSamples, repairArithmetic } from "../../lib/synth/mod.ts";

Deno.test("repairArithmetic leaves the reasoning of every procedural arithmetic task as it is", () => {
  for (const r of generateTasks({ family: "arithmetic", count: 200, seed: 12, difficulty: 2 })) {
    const fixed = repairArithmetic(r.reasoning!);
    assert.equal(fixed.changed, false, r.reasoning!);
    assert.equal(fixed.text, r.reasoning);
    assert.equal(Number(fixed.last), Number(r.answer), r.reasoning!);
  }
});

Deno.test("repairArithmetic recomputes wrong results, carries them into later steps and keeps × and ÷ before + and −", () => {
  assert.deepEqual(repairArithmetic("2 - 1 = 1. 1 * 2 = 12."), {
    text: "2 - 1 = 1. 1 * 2 = 2.",
    last: "2",
    changed: true,
  });
  assert.equal(repairArithmetic("15 - 14 = 4. 4 - 1 = 12.").text, "15 - 14 = 1. 1 - 1 = 0.");
  assert.equal(repairArithmetic("2 + 3 * 4 = 20.").last, "14");
  assert.equal(repairArithmetic("7 / 2 = 3.").last, "3.5");
  assert.equal(repairArithmetic("1 / 0 = 5.").text, "1 / 0 = 5.");
});

Deno.test("a relabelled sample keeps no reasoning whose recomputed arithmetic ends elsewhere", async () => {
  const sample = (reasoning: string, answer: string) => ({
    text: "",
    scores: {},
    promptSeed: "s",
    record: {
      id: "x",
      domain: "math" as const,
      answerKind: "number" as const,
      meta: {},
      question: "Ann has 3 bags with 4 pens in each. How many pens in all?",
      reasoning,
      answer,
    },
  });
  const r = await labelSamples(
    [sample("3 + 4 = 7.", "7"), sample("3 * 4 = 12.", "12"), sample("Many pens.", "12")],
    { method: "verifier", seed: 0 },
    { generatorCheckpoint: "g", seed: 0 },
  );
  assert.deepEqual(r.records.map((x) => x.reasoning), [undefined, "3 * 4 = 12.", "Many pens."]);
  assert.deepEqual(
    r.records.map((x) => (x.meta.provenance as { reasoning: string }).reasoning),
    ["none", "generator", "generator"],
  );
});

Deno.test("a relabelled choice keeps its repaired reasoning only when it computes the label's option", async () => {
  const sample = (reasoning: string, question: string, choices: Record<string, string>) => ({
    text: "",
    scores: {},
    promptSeed: "s",
    record: {
      id: "x",
      domain: "reasoning" as const,
      answerKind: "choice" as const,
      meta: {},
      question,
      choices,
      reasoning,
      answer: "B",
    },
  });
  const r = await labelSamples(
    [
      sample(
        "1 day is 24 hours, and 6 * 24 = 246. So the answer is B.",
        "How many hours are in 6 days?",
        { A: "144", B: "246", C: "6", D: "24" },
      ),
      sample(
        "The smallest of 11, 7, 18, 16 is 11. So the answer is B.",
        "Which number is the smallest?",
        { A: "11", B: "7", C: "18", D: "16" },
      ),
    ],
    { method: "verifier", seed: 0 },
    { generatorCheckpoint: "g", seed: 0 },
  );
  assert.deepEqual(r.records.map((x) => x.answer), ["A", "B"]);
  assert.deepEqual(r.records.map((x) => x.reasoning), [
    "1 day is 24 hours, and 6 * 24 = 144. So the answer is A.",
    "The smallest of 11, 7, 18, 16 is 11. So the answer is B.",
  ]);
});
