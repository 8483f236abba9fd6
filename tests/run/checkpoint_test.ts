import assert from "node:assert/strict";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import {
  type Checkpoint,
  createRng,
  loadCheckpoint,
  resumeCheckpoint,
  runFingerprint,
  runSteps,
  saveCheckpoint,
} from "../../lib/run/mod.ts";

const fingerprint = await runFingerprint({
  flags: { lr: 0.001, steps: 10 },
  model: { hiddenSize: 8, eosTokenId: [1, 2] },
  tokenizerJson: '{"model":{}}',
});

function checkpointAt(step: number): Checkpoint {
  const rng = createRng(step);
  return {
    step,
    weights: new Map([["w", tensor("float32", [3], [step, step + 0.5, -step])]]),
    state: new Map<string, HostTensor>([
      ["w.adam_m", tensor("float32", [3], [0.1 * step, 0, 0])],
      ["optimizer.step", tensor("int64", [], [BigInt(step)])],
    ]),
    rng: rng.state(),
    fingerprint,
  };
}

Deno.test("a checkpoint round-trips weights, optimizer state, step, RNG state and fingerprint", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, checkpointAt(4));
  const back = (await loadCheckpoint(dir))!;
  assert.deepEqual(back, checkpointAt(4));
  assert.equal(await loadCheckpoint(`${dir}/none`), null, "no checkpoint is null, not an error");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a crash in the middle of a save leaves the previous checkpoint readable", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, checkpointAt(1));
  // A save of step 2 that died at each point before its commit: half-written temporary files,
  // and even whole tensor files of step 2 that checkpoint.json does not name yet.
  const garbage = new Uint8Array(1000).map((_, i) => (i * 37) & 255);
  await Deno.writeFile(`${dir}/weights-00000002.safetensors.tmp`, garbage);
  await Deno.writeFile(`${dir}/weights-00000002.safetensors`, garbage);
  await Deno.writeFile(`${dir}/optimizer-00000002.safetensors.tmp`, garbage.subarray(0, 10));
  await Deno.writeTextFile(`${dir}/checkpoint.json.tmp`, '{"format": "acqsynth-checkp');
  assert.deepEqual(await loadCheckpoint(dir), checkpointAt(1));
  // The next save succeeds over the debris and cleans the stale tensor files up.
  await saveCheckpoint(dir, checkpointAt(3));
  assert.deepEqual(await loadCheckpoint(dir), checkpointAt(3));
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, [
    "checkpoint.json",
    "optimizer-00000003.safetensors",
    "weights-00000003.safetensors",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("resuming with a different fingerprint is refused, naming the field and both values", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, checkpointAt(2));
  assert.equal((await resumeCheckpoint(dir, fingerprint))!.step, 2);
  const other = async (parts: Parameters<typeof runFingerprint>[0]) =>
    await resumeCheckpoint(dir, await runFingerprint(parts));
  const model = { hiddenSize: 8, eosTokenId: [1, 2] };
  await assert.rejects(
    () => other({ flags: { lr: 0.002, steps: 10 }, model, tokenizerJson: '{"model":{}}' }),
    new RegExp(
      `^Error: Cannot resume ${dir}: flag 'lr' differs: checkpoint has 0.001, this run has 0.002`,
    ),
  );
  await assert.rejects(
    () =>
      other({ flags: { lr: 0.001, steps: 10, batch: 4 }, model, tokenizerJson: '{"model":{}}' }),
    /flag 'batch' differs: checkpoint has nothing, this run has 4/,
  );
  await assert.rejects(
    () =>
      other({
        flags: { lr: 0.001, steps: 10 },
        model: { hiddenSize: 8, eosTokenId: [1] },
        tokenizerJson: '{"model":{}}',
      }),
    /model config field 'eosTokenId' differs: checkpoint has \[1,2\], this run has \[1\]/,
  );
  await assert.rejects(
    () => other({ flags: { lr: 0.001, steps: 10 }, model, tokenizerJson: '{"model":{"x":1}}' }),
    /tokenizer hash differs: checkpoint has "[0-9a-f]{64}", this run has "[0-9a-f]{64}"/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the step loop saves on schedule and at the end, and stops cleanly on SIGTERM (SIGINT: see pretrain_resume_test)", async () => {
  const dir = await Deno.makeTempDir();
  const rng = createRng(5);
  const w = tensor("float32", [1], [0]);
  const run = { dir, rng, fingerprint, weights: new Map([["w", w]]), state: new Map() };
  const saved: number[] = [];
  const step = async (i: number) => {
    w.data[0] = i + 1;
    rng.next();
    if (i === 5) {
      Deno.kill(Deno.pid, "SIGTERM");
      await new Promise((r) => setTimeout(r, 50)); // let the signal arrive mid-step
    }
  };
  const first = await runSteps(run, step, { steps: 7, saveEvery: 4, onSave: (s) => saved.push(s) });
  assert.deepEqual(first, { step: 6, signal: "SIGTERM" });
  assert.deepEqual(saved, [4, 6], "saved at the interval, then for the signal");
  const ck = (await loadCheckpoint(dir))!;
  assert.equal(ck.step, 6);
  assert.equal(ck.weights.get("w")!.data[0], 6, "the step in progress finished before the save");
  assert.deepEqual(ck.rng, rng.state());
  // Resumed: runs the last step only and saves at the end although 7 is off the interval.
  const rest = await runSteps(run, step, {
    steps: 7,
    start: ck.step,
    saveEvery: 4,
    onSave: (s) => saved.push(s),
  });
  assert.deepEqual(rest, { step: 7, signal: null });
  assert.deepEqual(saved, [4, 6, 7]);
  await Deno.remove(dir, { recursive: true });
});
