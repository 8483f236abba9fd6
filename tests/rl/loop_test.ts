import assert from "node:assert/strict";
import { trainGenerator, validateGrpoConfig } from "../../lib/rl/mod.ts";
import type { GrpoStepMetrics } from "../../lib/rl/mod.ts";
import { digitsContext, seeds, tinyGenerator } from "./tiny_generator.ts";

const config = validateGrpoConfig({
  steps: 4,
  promptsPerStep: 2,
  groupSize: 3,
  maxNewTokens: 12,
  lr: 3e-3,
  schedule: "cosine",
  warmup: 0.25,
  saveEvery: 3,
  updatesPerBatch: 2,
  microBatch: 4,
});
const rewards = { functions: { digits: 1 }, formatWeight: 0, gates: [] };

function strip(m: GrpoStepMetrics) {
  const { seconds: _, ...rest } = m;
  return rest;
}

Deno.test("steps, a stop signal, and a resumed run give the same weights and metrics as 4 straight steps", async () => {
  const straight = tinyGenerator(1);
  const before = new Float32Array(
    straight.store.get("model.embed_tokens.weight")!.data as Float32Array,
  );
  const dirA = await Deno.makeTempDir();
  const a = await trainGenerator({
    generator: straight,
    seeds,
    rewards,
    context: digitsContext(straight),
    config,
    dir: dirA,
    seed: 9,
    progress: false,
  });
  assert.deepEqual([a.steps, a.resumedFrom, a.signal], [4, null, null]);

  const dirB = await Deno.makeTempDir();
  const first = tinyGenerator(1);
  const b1 = await trainGenerator({
    generator: first,
    seeds,
    rewards,
    context: digitsContext(first),
    config,
    dir: dirB,
    seed: 9,
    progress: false,
    // The test runner owns SIGINT, so the run listens for SIGUSR1 here. Sent after step 1, it is
    // seen once the event loop turns (after step 1 or 2): the loop checkpoints and returns.
    signals: ["SIGUSR1"],
    onStep: (m) => m.step === 1 && Deno.kill(Deno.pid, "SIGUSR1"),
  });
  assert.ok(b1.steps >= 1 && b1.steps < 4, `stopped after ${b1.steps} steps`);
  assert.equal(b1.signal, "SIGUSR1");
  const second = tinyGenerator(1); // the initial weights again: the checkpoint must replace them
  const b2 = await trainGenerator({
    generator: second,
    seeds,
    rewards,
    context: digitsContext(second),
    config,
    dir: dirB,
    seed: 9,
    progress: false,
  });
  assert.deepEqual([b2.steps, b2.resumedFrom, b2.signal], [4, b1.steps, null]);

  let changed = 0;
  for (const [name, t] of straight.store) {
    const x = t.data as Float32Array, y = second.store.get(name)!.data as Float32Array;
    x.forEach((v, i) => assert.equal(v, y[i], `${name}[${i}]`));
  }
  (straight.store.get("model.embed_tokens.weight")!.data as Float32Array).forEach((v, i) =>
    changed += v !== before[i] ? 1 : 0
  );
  assert.ok(changed > 0, "training changed no weight: the test would prove nothing");
  assert.deepEqual(b2.metrics.map(strip), a.metrics.map(strip));
  assert.equal((await Deno.readTextFile(`${dirB}/metrics.jsonl`)).trim().split("\n").length, 4);
  assert.ok(a.metrics.every((m) => m.parts.digits.mean !== null && m.clipFraction >= 0));
});

Deno.test("a checkpoint of another run is refused, naming the field that differs", async () => {
  const g = tinyGenerator(2);
  const dir = await Deno.makeTempDir();
  const small = validateGrpoConfig({ ...config, steps: 1 });
  await trainGenerator({
    generator: g,
    seeds,
    rewards,
    context: digitsContext(g),
    config: small,
    dir,
    seed: 1,
    progress: false,
  });
  await assert.rejects(
    () =>
      trainGenerator({
        generator: g,
        seeds,
        rewards,
        context: digitsContext(g),
        config: validateGrpoConfig({ ...config, steps: 1, lr: 1e-3 }),
        dir,
        seed: 1,
        progress: false,
      }),
    /flag 'lr' differs: checkpoint has 0.003, this run has 0.001/,
  );
  await assert.rejects(
    () =>
      trainGenerator({
        generator: g,
        seeds,
        rewards,
        context: digitsContext(g),
        config: validateGrpoConfig({ klCoef: 0.1 }),
        dir,
        seed: 1,
        progress: false,
      }),
    /'klCoef' is 0.1, which needs a 'reference' model/,
  );
});
