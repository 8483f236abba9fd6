import assert from "node:assert/strict";
import { createAcquireContext, hashedNgramEmbedder } from "../../lib/acquire/mod.ts";
import { generateTasks, questionText } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { createDedupState, GATES, keepText, nearestJaccard } from "../../lib/reward/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { synthesise, validateSynthConfig } from "../../lib/synth/mod.ts";

const rt = createRuntime({ threads: 1 });
const generator = await loadModel("data/models/generator", rt);
const seeds = [
  ...generateTasks({ family: "arithmetic", count: 6, seed: 4 }),
  ...generateTasks({ family: "choice", count: 4, seed: 4 }),
];

Deno.test("synthesise returns parsed, gated, deduplicated samples of the default generator and counts every rejection", async () => {
  const config = validateSynthConfig({
    count: 16,
    maxAttempts: 2,
    maxNewTokens: 120,
    gates: ["parse", "answer", "procedural"],
    unverifiable: "fail",
  });
  const progress: number[] = [];
  const r = await synthesise({
    generator,
    seeds,
    config,
    seed: 7,
    onProgress: (done, total) => (assert.equal(total, 16), progress.push(done)),
  });
  const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
  assert.equal(r.samples.length + rejected, r.attempts);
  assert.ok(r.attempts <= 32, `drew ${r.attempts} samples, more than maxAttempts × count`);
  assert.ok(r.samples.length === 16 || r.attempts === 32);
  assert.ok(r.samples.length > 0, "no sample accepted");
  // The default generator writes wrong sums: rejected by the procedural gate.
  assert.ok(r.rejected.procedural > 0, JSON.stringify(r.rejected));
  assert.deepEqual(Object.keys(r.rejected).sort(), [
    "answer",
    "duplicate",
    "parse",
    "procedural",
  ]);
  const records = r.samples.map((s) => s.record);
  const cands = r.samples.map((s) => ({ text: s.text, record: s.record }));
  assert.ok((await GATES.parse(cands, {})).every((v) => v === "pass"));
  // Word problems and choices pass it; code tasks are not its business (skip).
  assert.ok(
    (await GATES.procedural(cands, {})).every((v, i) =>
      v === (records[i].domain === "code" ? "skip" : "pass")
    ),
  );
  assert.ok(r.samples.every((s) => s.text.startsWith("<question>")));
  assert.ok(r.samples.every((s) => seeds.some((x) => x.id === s.promptSeed)));
  // No accepted question is a near duplicate of a seed or of an earlier accepted one.
  const kept = createDedupState(seeds.map((s) => questionText(s)));
  for (const rec of records) {
    assert.ok(nearestJaccard(kept, questionText(rec)) < 0.8, rec.question);
    keepText(kept, questionText(rec));
  }
  assert.equal(progress.at(-1), r.samples.length);

  const again = await synthesise({ generator, seeds, config, seed: 7 });
  assert.deepEqual(again.samples.map((s) => s.text), r.samples.map((s) => s.text));
});

Deno.test("synthesise counts near duplicates: at a threshold of 0.01 a shared phrase with a seed is enough", async () => {
  const config = validateSynthConfig({ count: 8, maxAttempts: 1, dedupThreshold: 0.01 });
  const r = await synthesise({ generator, seeds, config, seed: 2 });
  assert.equal(r.attempts, 8);
  assert.ok(r.rejected.duplicate >= 1, JSON.stringify(r.rejected));
});

Deno.test("synthesise scores accepted samples with the scoreWith functions and needs an acquire context for them", async () => {
  const student = await loadModel("data/models/student", rt);
  const acquire = createAcquireContext(student, seeds, { embedder: hashedNgramEmbedder() });
  const config = validateSynthConfig({ count: 4, maxAttempts: 2, scoreWith: ["mean-entropy"] });
  const r = await synthesise({ generator, seeds, config, seed: 3, context: { acquire } });
  assert.ok(r.samples.length > 0);
  for (const s of r.samples) {
    assert.deepEqual(Object.keys(s.scores), ["mean-entropy"]);
    assert.ok(typeof s.scores["mean-entropy"] === "number" && s.scores["mean-entropy"] > 0);
  }
  await assert.rejects(
    () => synthesise({ generator, seeds, config, seed: 3 }),
    /scoring mean-entropy needs 'context.acquire'/,
  );
  await assert.rejects(
    () => synthesise({ generator, seeds: [], config, seed: 3 }),
    /'seeds' must hold at least one task record/,
  );
});
