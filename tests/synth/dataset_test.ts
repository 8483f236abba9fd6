import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/mod.ts";
import { readDataset, validateSynthConfig, writeDataset } from "../../lib/synth/mod.ts";

Deno.test("a dataset of every procedural family round-trips through JSONL, provenance included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const records = (["arithmetic", "choice", "code"] as const).flatMap((family) =>
      generateTasks({ family, count: 3, seed: 1 }).map((r) => ({
        ...r,
        meta: {
          ...r.meta,
          provenance: { seed: 1, labels: { verifier: r.answer, generator: null } },
        },
      }))
    );
    const path = `${dir}/run/datasets/train.jsonl`;
    await writeDataset(path, records);
    assert.deepEqual(await readDataset(path), records);
    // Written whole: no temporary file is left beside it.
    assert.deepEqual([...Deno.readDirSync(`${dir}/run/datasets`)].map((e) => e.name), [
      "train.jsonl",
    ]);
    await writeDataset(path, []);
    assert.deepEqual(await readDataset(path), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reading a dataset with a bad row names the file and the line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [good] = generateTasks({ family: "arithmetic", count: 1, seed: 2 });
    const path = `${dir}/bad.jsonl`;
    const { answer: _, ...noAnswer } = good;
    await Deno.writeTextFile(
      path,
      [good, good, noAnswer].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    await assert.rejects(
      () => readDataset(path),
      new RegExp(`line 3 of ${path}: missing field 'answer'`),
    );
    await Deno.writeTextFile(path, JSON.stringify(good) + "\n{not json\n");
    await assert.rejects(() => readDataset(path), new RegExp(`line 2 of ${path}`));
    await assert.rejects(
      () => readDataset(`${dir}/none.jsonl`),
      /Cannot read dataset .*none\.jsonl/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateSynthConfig fills defaults and names a bad field with its value", () => {
  const c = validateSynthConfig(undefined);
  assert.equal(c.count, 200);
  assert.equal(c.template, "bare");
  assert.equal(c.label, "verifier");
  assert.deepEqual(c.selfConsistency, { k: 8, temperature: 1 });
  assert.deepEqual(validateSynthConfig({ gates: ["duplicate", "answer", "parse"] }).gates, [
    "parse",
    "answer",
    "duplicate",
  ]);
  assert.throws(() => validateSynthConfig({ counts: 3 }), /'synth.counts' is not a field/);
  assert.throws(
    () => validateSynthConfig({ gates: ["parse", "spelling"] }, "pipeline.synth"),
    /'pipeline.synth.gates\[1\]' must be one of parse, answer, procedural, choice, code, duplicate: current value is 'spelling'/,
  );
  assert.throws(
    () => validateSynthConfig({ scoreWith: ["luck"] }),
    /'synth.scoreWith\[0\]' must be one of .*confidence.*: current value is 'luck'/,
  );
  assert.throws(
    () => validateSynthConfig({ selfConsistency: { k: 0 } }),
    /'synth.selfConsistency.k' must be an integer ≥ 1: current value is 0/,
  );
  assert.throws(() => validateSynthConfig({ count: "9" }), TypeError);
  assert.throws(
    () => validateSynthConfig({ dedupThreshold: 1.5 }),
    /'synth.dedupThreshold' must be a number in \(0, 1\]/,
  );
});
