/**
 * Baselines one config switch away, run through the real stages on a tiny budget: the oracle
 * fine-tunes on fresh gold procedural tasks with their own answers and never trains the
 * generator; the untrained generator synthesises from the generator as shipped; the AL-filter
 * and best-of-n baselines select from the untrained generator's pool, which a shared cache folder
 * lets later runs reuse.
 */
import assert from "node:assert/strict";
import {
  alFilterSelect,
  bestOfSelect,
  runPipeline,
  validatePipelineConfig,
} from "../../lib/pipeline/mod.ts";
import { readDataset, type SynthSample } from "../../lib/synth/mod.ts";
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
  assert.equal(r.outputs.synthesise?.source, "untrained");
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

const readSamples = async (out: string): Promise<SynthSample[]> =>
  (await Deno.readTextFile(`${out}/datasets/samples.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
const synthesisOf = async (out: string) =>
  JSON.parse(await Deno.readTextFile(`${out}/datasets/synthesis.json`));

/** Min-max over the pool as the reference describes it: nulls at the minimum, constants add 0. */
function normalised(raw: (number | null)[]): number[] {
  const v = raw.filter((x): x is number => x !== null);
  const lo = Math.min(...v), hi = Math.max(...v);
  return raw.map((x) => (v.length === 0 || hi === lo || x === null ? 0 : (x - lo) / (hi - lo)));
}

Deno.test("the AL-filter and best-of-n baselines select from one untrained pool, shared through the cache", async (t) => {
  const cache = await Deno.makeTempDir();
  const small = { ...tiny, synth: { count: 4, maxNewTokens: 96, poolFactor: 3, bestOf: 3 } };
  const run = async (raw: Record<string, unknown>, withCache = true) => {
    const out = await Deno.makeTempDir();
    const lines: string[] = [];
    const r = await runPipeline({
      config: validatePipelineConfig(raw),
      raw,
      out,
      quick: true,
      onLog: (l) => lines.push(l),
      ...(withCache ? { cache } : {}),
    });
    assert.equal(r.signal, null);
    assert.equal(r.outputs["train-generator"]?.trained, false);
    return { out, lines, r };
  };

  await t.step(
    "al-filter keeps the top count by the sum of min-max-normalised scores",
    async () => {
      const { out, lines, r } = await run({ name: "al", baseline: "al-filter", ...small });
      assert.ok(lines.some((l) => l.startsWith("untrained-pool: computed")));
      const syn = await synthesisOf(out);
      assert.equal(syn.pool, 12);
      assert.deepEqual(Object.keys(syn.functions).sort(), [
        "answer-variance",
        "confidence",
        "gradient-magnitude",
      ]);
      const raws = Object.values(syn.functions).map((f) => (f as { raw: (number | null)[] }).raw);
      for (const raw of raws) assert.equal(raw.length, syn.considered);
      const sums = Array.from(
        { length: syn.considered },
        (_, i) => raws.reduce((a, raw) => a + normalised(raw)[i], 0),
      );
      const expected = sums.map((_, i) => i).sort((a, b) => sums[b] - sums[a] || a - b)
        .slice(0, 4).sort((a, b) => a - b);
      assert.deepEqual(syn.keptIndices, expected);
      const samples = await readSamples(out);
      assert.equal(samples.length, expected.length);
      assert.equal(r.outputs.synthesise?.source, "al-filter");
      samples.forEach((s, k) => {
        const i = expected[k];
        assert.ok(Math.abs((s.scores["al-filter"] as number) - sums[i]) < 1e-9);
        for (const [name, f] of Object.entries(syn.functions)) {
          assert.equal(s.scores[name], (f as { raw: (number | null)[] }).raw[i]);
        }
      });
      assert.deepEqual(
        alFilterSelect(
          Object.fromEntries(
            Object.entries(syn.functions).map((
              [k, f],
            ) => [k, (f as { raw: (number | null)[] }).raw]),
          ),
          4,
        ).kept,
        expected,
      );
    },
  );

  await t.step(
    "best-of-n keeps the best of each consecutive group and reuses the pool",
    async () => {
      const raw = {
        name: "bon",
        baseline: "best-of-n",
        ...small,
        rewards: { functions: { confidence: 2 } },
      };
      const { out, lines } = await run(raw);
      assert.ok(lines.some((l) => l.startsWith("untrained-pool: from cache")), lines.join("\n"));
      assert.ok(lines.some((l) => l.startsWith("pool-scores: from cache")));
      const syn = await synthesisOf(out);
      const conf: (number | null)[] = syn.functions.confidence.raw;
      assert.equal(conf.length, syn.considered);
      assert.equal(syn.considered, 12);
      const kept: number[] = syn.keptIndices;
      assert.equal(kept.length, 4);
      kept.forEach((i, g) => {
        assert.ok(i >= 3 * g && i < 3 * g + 3);
        for (let j = 3 * g; j < 3 * g + 3; j++) {
          if (conf[j] !== null) assert.ok(conf[i] !== null && conf[i]! >= conf[j]!);
        }
      });
      assert.deepEqual(bestOfSelect(conf.map((c) => (c === null ? null : 2 * c)), 3, 4), kept);
      const samples = await readSamples(out);
      samples.forEach((s, k) => assert.equal(s.scores["best-of-n"], syn.weighted[kept[k]]));
    },
  );

  await t.step(
    "the untrained generator takes the pool's first count, with or without the cache",
    async () => {
      const raw = { name: "u", baseline: "untrained-generator", ...small };
      const a = await run(raw);
      assert.ok(a.lines.some((l) => l.startsWith("untrained-pool: from cache")));
      const b = await run(raw, false);
      const texts = async (out: string) => (await readSamples(out)).map((s) => s.text);
      assert.equal((await texts(a.out)).length, 4);
      assert.deepEqual(await texts(b.out), await texts(a.out));
      assert.equal((await synthesisOf(b.out)).pool, 4);
    },
  );

  // One pool, and each function scored once: nothing was written twice.
  const names = [...Deno.readDirSync(cache)].map((e) => e.name).sort();
  assert.equal(names.filter((n) => n.startsWith("untrained-pool-")).length, 1);
  assert.equal(names.filter((n) => n.startsWith("pool-scores-")).length, 3);
  assert.ok(names.every((n) => !n.endsWith(".part")));
  await Deno.remove(cache, { recursive: true });
});

Deno.test("the pool sizes are validated, and best-of-n needs reward functions to rank by", () => {
  const c = validatePipelineConfig({ name: "x", baseline: "al-filter" });
  assert.equal(c.synth.poolFactor, 4);
  assert.equal(c.synth.bestOf, 4);
  assert.throws(
    () => validatePipelineConfig({ name: "x", synth: { poolFactor: 0 } }, "x.json"),
    /x.json: in 'synth': .*'synth.poolFactor' must be an integer ≥ 1: current value is 0/,
  );
  assert.throws(
    () => validatePipelineConfig({ name: "x", synth: { bestOf: 1.5 } }),
    /'synth.bestOf' must be an integer ≥ 2: current value is 1.5/,
  );
  assert.throws(
    () => validatePipelineConfig({ name: "x", baseline: "best-of-n" }, "x.json"),
    /x.json: in 'rewards': Cannot use the best-of-n baseline: 'rewards.functions' must name/,
  );
  const b = validatePipelineConfig({
    name: "x",
    baseline: "best-of-n",
    rewards: { functions: { confidence: 1 } },
  });
  assert.deepEqual(b.rewards.functions, { confidence: 1 });
});
