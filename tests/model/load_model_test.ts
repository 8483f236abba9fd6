import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel } from "../../lib/model/model.ts";
import { scoreTokens } from "../../lib/model/score.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { readSafetensorsFile, writeSafetensorsFile } from "../../lib/runtime/safetensors.ts";

const rt = createRuntime({ threads: 1 });
const STUDENT = "data/models/student";

async function copyFolder(from: string, files: readonly string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "acqsynth_load_" });
  for (const f of files) await Deno.copyFile(join(from, f), join(dir, f));
  return dir;
}

function assertSameWeights(a: Map<string, unknown>, b: Map<string, unknown>) {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) assert.deepEqual(b.get(name), t, `tensor '${name}' differs`);
}

Deno.test("loadModel takes a bare weights file name in the working folder", async () => {
  const reference = await loadModel(STUDENT, rt);
  const dir = await copyFolder(STUDENT, ["config.json", "model.safetensors", "tokenizer.json"]);
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    const bare = await loadModel("model.safetensors", rt);
    assertSameWeights(reference.store, bare.store);
    assert.equal(bare.tokenizer!.vocabSize, reference.tokenizer!.vocabSize);
    // A folder written with a trailing slash, and `.` itself, load the same weights.
    assertSameWeights(reference.store, (await loadModel("./", rt)).store);
    assertSameWeights(reference.store, (await loadModel(".", rt)).store);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sharded Hugging Face folder loads the same weights and logits as the single file", async () => {
  const reference = await loadModel(STUDENT, rt);
  const dir = await copyFolder(STUDENT, ["config.json", "tokenizer.json"]);
  try {
    const { tensors } = await readSafetensorsFile(join(STUDENT, "model.safetensors"));
    const names = [...tensors.keys()].sort();
    const half = Math.ceil(names.length / 2);
    const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    const weightMap: Record<string, string> = {};
    for (const [k, part] of [names.slice(0, half), names.slice(half)].entries()) {
      await writeSafetensorsFile(
        join(dir, shards[k]),
        new Map(part.map((n) => [n, tensors.get(n)!])),
        { format: "pt" },
      );
      for (const n of part) weightMap[n] = shards[k];
    }
    const index = { metadata: { total_size: 0 }, weight_map: weightMap };
    await Deno.writeTextFile(join(dir, "model.safetensors.index.json"), JSON.stringify(index));

    const sharded = await loadModel(dir, rt);
    assertSameWeights(reference.store, sharded.store);
    const ids = reference.tokenizer!.encode("Q: 12 + 7 = ? A: 19", { addBos: true });
    const [a] = await scoreTokens(reference, [ids]);
    const [b] = await scoreTokens(sharded, [ids]);
    assert.deepEqual(b.logprobs, a.logprobs);
    // The index file itself is also a path loadModel accepts.
    const viaIndex = await loadModel(join(dir, "model.safetensors.index.json"), rt);
    assertSameWeights(reference.store, viaIndex.store);

    // A shard the index names but that is missing, or that lacks a tensor, is an error naming it.
    await Deno.remove(join(dir, shards[1]));
    await assert.rejects(
      () => loadModel(dir, rt),
      /lists shard 'model-00002-of-00002.safetensors', which does not exist/,
    );
    await writeSafetensorsFile(
      join(dir, shards[1]),
      new Map([[names[half], tensors.get(names[half])!]]),
    );
    await assert.rejects(
      () => loadModel(dir, rt),
      new RegExp(`puts '${names[half + 1]}' in 'model-00002-of-00002.safetensors', which lacks it`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder with neither weights file nor shard index says what it lacks", async () => {
  const dir = await copyFolder(STUDENT, ["config.json"]);
  try {
    await assert.rejects(
      () => loadModel(dir, rt),
      /holds neither model.safetensors nor model.safetensors.index.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
