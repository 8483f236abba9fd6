import assert from "node:assert/strict";
import { trainGenerator, validateGrpoConfig } from "../../lib/rl/mod.ts";
import type { GrpoStepMetrics } from "../../lib/rl/mod.ts";
import { digitsContext, seeds, tinyGenerator } from "./tiny_generator.ts";

const raw = {
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
};
const config = validateGrpoConfig(raw);
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
    onStep: (m) => {
      if (m.step === 1) Deno.kill(Deno.pid, "SIGUSR1");
    },
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
  const small = validateGrpoConfig({ ...raw, steps: 1 });
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
        config: validateGrpoConfig({ ...raw, steps: 1, lr: 1e-3 }),
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

Deno.test("DAPO's dynamic sampling refills when every group's rewards are equal, and trains on none of them", async () => {
  const g = tinyGenerator(3);
  const before = new Float32Array(g.store.get("model.norm.weight")!.data as Float32Array);
  const r = await trainGenerator({
    generator: g,
    seeds,
    // No function and no format weight: every reward is 0.
    rewards: { gates: [], formatWeight: 0 },
    context: {},
    config: validateGrpoConfig({ ...raw, steps: 1, advantage: "dapo", maxRefills: 2 }),
    dir: await Deno.makeTempDir(),
    seed: 1,
    progress: false,
  });
  const m = r.metrics[0];
  assert.deepEqual(m.groups, { trained: 0, sampled: 6, refills: 2 });
  assert.equal(m.fracRewardZeroStd, 1);
  assert.deepEqual(g.store.get("model.norm.weight")!.data, before);

  const h = tinyGenerator(3);
  const d = await trainGenerator({
    generator: h,
    seeds,
    rewards,
    context: digitsContext(h),
    config: validateGrpoConfig({ ...raw, steps: 1, advantage: "dapo" }),
    dir: await Deno.makeTempDir(),
    seed: 1,
    progress: false,
  });
  assert.equal(d.metrics[0].groups!.trained, 2);
  assert.ok(d.metrics[0].groups!.sampled >= 2);
});

Deno.test("with a KL coefficient the loop scores the reference: KL 0 at the start, positive once the policy moves", async () => {
  const g = tinyGenerator(4), reference = tinyGenerator(4);
  const r = await trainGenerator({
    generator: g,
    reference,
    seeds,
    rewards,
    context: digitsContext(g),
    config: validateGrpoConfig({ ...raw, steps: 3, klCoef: 0.5, lr: 1e-2 }),
    dir: await Deno.makeTempDir(),
    seed: 2,
    progress: false,
  });
  const kls = r.metrics.map((m) => m.kl!);
  assert.ok(Math.abs(kls[0]) < 1e-5, `first KL ${kls[0]}`);
  assert.ok(kls[2] > 1e-4, `KL after two steps ${kls[2]}`);
});
