import assert from "node:assert/strict";
import { generateTasks, renderStudent } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { fineTune, fineTuneOptions, learningRate, SFT_PRESETS } from "../../lib/train/mod.ts";

Deno.test("the reference preset is 5 epochs at batch 16 with a 5% cosine warm-up to 2e-5, in fineTune's terms", () => {
  const o = fineTuneOptions(SFT_PRESETS.reference, 1000);
  // 5 passes over 1000 examples, 16 a step: 312.5 → 313 steps; 5% of them warm up.
  assert.equal(o.steps, 313);
  assert.equal(o.batchSize, 16);
  assert.deepEqual(o.schedule, { kind: "cosine", peak: 2e-5, warmupSteps: 16, minRatio: 0 });
  const full = { ...o.schedule!, totalSteps: o.steps };
  const lrs = Array.from({ length: o.steps }, (_, i) => learningRate(full, i));
  assert.equal(Math.max(...lrs), 2e-5);
  assert.equal(lrs.indexOf(2e-5), 15);
  assert.ok(lrs.at(-1)! < 1e-8);
  // Every example is seen five times over.
  assert.ok(o.steps * o.batchSize >= 5 * 1000);
});

Deno.test("the tiny preset caps its steps and keeps a floor under the decay", () => {
  const small = fineTuneOptions("tiny", 200);
  assert.equal(small.steps, Math.ceil((SFT_PRESETS.tiny.epochs * 200) / 16));
  const big = fineTuneOptions("tiny", 10_000);
  assert.equal(big.steps, SFT_PRESETS.tiny.maxSteps);
  assert.equal(big.schedule!.minRatio, SFT_PRESETS.tiny.minRatio);
  assert.equal(fineTuneOptions("reference", 3).schedule!.warmupSteps, 1);
  assert.throws(
    () => fineTuneOptions("tiny", 0),
    /'datasetSize' must be an integer ≥ 1: current value is 0/,
  );
});

Deno.test("the tiny preset's options run fineTune on the default student and lower its loss on its weakest kinds", async () => {
  const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
  // Two-digit additions and subtractions: the kinds the default student gets wrong most.
  const records = generateTasks({
    family: "arithmetic",
    count: 48,
    seed: 31,
    kinds: ["add", "sub"],
  });
  const examples = records.map((r) => renderStudent(r));
  const o = fineTuneOptions("tiny", examples.length);
  const r = await fineTune(student, examples, { ...o, seed: 1 });
  assert.equal(r.losses.length, o.steps);
  assert.equal(Math.max(...r.learningRates), SFT_PRESETS.tiny.lr);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(r.losses.slice(-3)) < mean(r.losses.slice(0, 3)), JSON.stringify(r.losses));
});
