/**
 * Baselines one config switch away, run through the real stages on a tiny budget: the oracle
 * fine-tunes on fresh gold procedural tasks with their own answers and never trains the
 * generator; the untrained generator synthesises from the generator as shipped.
 */
import assert from "node:assert/strict";
import { runPipeline, validatePipelineConfig } from "../../lib/pipeline/mod.ts";
import { readDataset } from "../../lib/synth/mod.ts";
import { sharedFile } from "../shared_data.ts";

const tiny = {
  seeds: { kinds: ["add", "largest"], count: 2 },
  synth: { count: 6, maxNewTokens: 96 },
  sft: { steps: 2, batchSize: 2 },
  evaluation: { procedural: { kinds: ["add", "largest"], count: 3 }, resamples: 200 },
};

Deno.test("the oracle baseline fine-tunes on gold tasks of the seed kinds and skips GRPO", async () => {
  const raw = { name: "oracle", baseline: "oracle", ...tiny };
  const out = await Deno.makeTempDir();
  const r = await runPipeline({ config: validatePipelineConfig(raw), raw, out });
  assert.equal(r.signal, null);
  assert.equal(r.outputs["train-generator"]?.trained, false);
  assert.equal(r.outputs["train-generator"]?.generator, "data/models/generator");
  assert.ok(!(await Deno.stat(`${out}/metrics.jsonl`).then(() => true, () => false)));
  const dataset = await readDataset(`${out}/datasets/dataset.jsonl`);
  assert.deepEqual(dataset.map((d) => d.meta.kind), [
    "add",
    "largest",
    "add",
    "largest",
    "add",
    "largest",
  ]);
  assert.equal(r.outputs.label?.method, "generator");
  // Gold tasks keep their own (correct) answers.
  const samples = (await Deno.readTextFile(`${out}/datasets/samples.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l).record);
  assert.deepEqual(dataset.map((d) => d.answer), samples.map((s) => s.answer));
  assert.match(await Deno.readTextFile(`${out}/report/summary.md`), /No GRPO steps/);
});

Deno.test("the untrained-generator baseline synthesises from the shipped generator", async () => {
  const raw = { name: "untrained", baseline: "untrained-generator", ...tiny };
  const out = await Deno.makeTempDir();
  const r = await runPipeline({ config: validatePipelineConfig(raw), raw, out });
  assert.equal(r.outputs["train-generator"]?.trained, false);
  assert.equal(r.outputs.synthesise?.source, "generator");
  const dataset = await readDataset(`${out}/datasets/dataset.jsonl`);
  for (const d of dataset) {
    assert.equal(
      (d.meta.provenance as Record<string, unknown>).generatorCheckpoint,
      "data/models/generator",
    );
  }
  assert.ok(await Deno.stat(`${out}/report/report.html`));
});

Deno.test("the seed-pool baseline on GSM8K seeds: loader seeds, gold answers, evaluation on a loader file", async () => {
  const path = await sharedFile("math/gsm8k_train.jsonl");
  if (!path) return;
  const raw = {
    name: "gsm8k-pool",
    baseline: "seed-pool",
    seeds: { source: "gsm8k", path, count: 8 },
    synth: { count: 4 },
    sft: { steps: 2, batchSize: 2 },
    evaluation: { procedural: null, files: [{ format: "gsm8k", path, count: 4 }], resamples: 200 },
  };
  const out = await Deno.makeTempDir();
  const r = await runPipeline({ config: validatePipelineConfig(raw), raw, out });
  assert.equal(r.outputs.seed?.count, 8);
  const seeds = await readDataset(`${out}/datasets/seeds.jsonl`);
  const dataset = await readDataset(`${out}/datasets/dataset.jsonl`);
  assert.equal(dataset.length, 4);
  for (const d of dataset) {
    assert.ok(seeds.some((s) => s.question === d.question && s.answer === d.answer));
  }
  const results = JSON.parse(await Deno.readTextFile(`${out}/eval/results.json`));
  assert.equal(results.sets[0].name, "gsm8k-0");
  // The tiny student's context (256 tokens) leaves out the longest questions, counted.
  assert.equal(results.sets[0].overall.before.total + results.tooLong["gsm8k-0"], 4);
});
