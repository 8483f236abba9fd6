/**
 * Does GRPO learn? The default generator, rewarded by the verifiable kind-correct reward for
 * `add` tasks (0.5 for an `add` word problem, 1 when its answer is also right), is trained with
 * the real loop for a couple of dozen steps; the reward must rise clearly and `add` must take a
 * larger share of what it writes.
 */
import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { kindCorrectReward, trainGenerator, validateGrpoConfig } from "../../lib/rl/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";

Deno.test("GRPO on the default generator raises a verifiable kind-and-answer reward within two dozen steps", async () => {
  const generator = await loadModel(
    new URL("../../data/models/generator", import.meta.url).pathname,
    createRuntime({ threads: 2 }),
  );
  const seeds = generateTasks({ family: "arithmetic", count: 16, seed: 5 });
  const dir = await Deno.makeTempDir();
  const steps = 24;
  const r = await trainGenerator({
    generator,
    seeds,
    rewards: { functions: { "kind-correct": 1 }, formatWeight: 0, gates: [] },
    context: {
      functions: { "kind-correct": kindCorrectReward(["add"]) },
      acquire: {
        student: generator, // unused: the reward needs nothing from the context
        seeds,
        embedder: { name: "none", embed: (t) => Promise.resolve(t.map(() => new Float32Array(1))) },
        rng: createRng(0),
        cache: new Map(),
      },
    },
    config: validateGrpoConfig({
      steps,
      promptsPerStep: 8,
      groupSize: 4,
      maxNewTokens: 96,
      microBatch: 8,
      lr: 2e-4,
      saveEvery: steps,
    }),
    dir,
    seed: 3,
    progress: false,
  });
  const window = (from: number, to: number) => {
    const ms = r.metrics.slice(from, to);
    return {
      reward: ms.reduce((a, m) => a + m.reward.mean, 0) / ms.length,
      add: ms.reduce((a, m) => a + (m.kinds?.add ?? 0), 0) / ms.length,
    };
  };
  const first = window(0, 5), last = window(steps - 5, steps);
  console.log(
    `reward ${first.reward.toFixed(3)} → ${last.reward.toFixed(3)}, add share ${
      first.add.toFixed(2)
    } → ${last.add.toFixed(2)}; ${
      (r.metrics.reduce((a, m) => a + m.seconds.total, 0) / steps).toFixed(2)
    } s per step`,
  );
  assert.ok(last.reward > first.reward + 0.08, `reward ${first.reward} → ${last.reward}`);
  assert.ok(last.reward > 1.8 * first.reward, `reward ${first.reward} → ${last.reward}`);
  assert.ok(last.add > first.add + 0.15, `add share ${first.add} → ${last.add}`);
});
