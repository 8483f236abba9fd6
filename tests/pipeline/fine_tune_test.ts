/**
 * The pipeline's resumable fine-tuning: the same steps as lib/train's fineTune, and a run
 * stopped by a signal and resumed from its checkpoint ends with exactly the weights and losses
 * of an uninterrupted one.
 */
import assert from "node:assert/strict";
import { generateTasks, renderStudent } from "../../lib/data/mod.ts";
import { loadModel, snapshotStore, storeEquals } from "../../lib/model/mod.ts";
import { resumableFineTune, sftSteps, validateSftConfig } from "../../lib/pipeline/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { fineTune } from "../../lib/train/mod.ts";

const rt = createRuntime({ threads: 1 });
const examples = generateTasks({ family: "arithmetic", count: 6, seed: 5 }).map(renderStudent);
const config = validateSftConfig({ preset: "tiny", steps: 4, batchSize: 4, saveEvery: 1 });

Deno.test("resumableFineTune takes the same steps as fineTune with the same recipe", async () => {
  const a = await loadModel("data/models/student", rt);
  const b = await loadModel("data/models/student", rt);
  const { steps, warmupSteps } = sftSteps(config, examples.length);
  assert.deepEqual([steps, warmupSteps], [4, 1]);
  const ours = await resumableFineTune(a, examples, {
    config,
    seed: 3,
    dir: await Deno.makeTempDir(),
  });
  const theirs = await fineTune(b, examples, {
    steps,
    batchSize: config.batchSize,
    seed: 3,
    clipNorm: config.clipNorm,
    optimizer: { kind: "adamw", weightDecay: 0 },
    schedule: { kind: config.schedule, peak: config.lr, warmupSteps, minRatio: config.minRatio },
  });
  assert.deepEqual(ours.losses, theirs.losses);
  assert.ok(storeEquals(a.store, snapshotStore(b.store)));
});

Deno.test("a fine-tune stopped by a signal resumes from its checkpoint to the weights of a straight run", async () => {
  const straight = await loadModel("data/models/student", rt);
  const s = await resumableFineTune(straight, examples, {
    config,
    seed: 1,
    dir: await Deno.makeTempDir(),
  });
  const dir = await Deno.makeTempDir();
  const first = await loadModel("data/models/student", rt);
  const stopped = await resumableFineTune(first, examples, {
    config,
    seed: 1,
    dir,
    signals: ["SIGUSR1"],
    onStep: (step) => step === 1 && Deno.kill(Deno.pid, "SIGUSR1"),
  });
  assert.equal(stopped.signal, "SIGUSR1");
  assert.ok(stopped.losses.length < 4, `stopped after ${stopped.losses.length} steps`);
  const second = await loadModel("data/models/student", rt);
  const resumed = await resumableFineTune(second, examples, { config, seed: 1, dir });
  assert.equal(resumed.resumedFrom, stopped.losses.length);
  assert.deepEqual([...stopped.losses, ...resumed.losses], s.losses);
  assert.ok(storeEquals(second.store, snapshotStore(straight.store)));
});
