import assert from "node:assert/strict";
import { tensor } from "../../lib/graph/tensor.ts";
import { llamaConfigFromHf, llamaParamShapes } from "../../lib/model/config.ts";
import { createModel, loadModel } from "../../lib/model/model.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { chooseToken } from "../../lib/sample/choose.ts";
import { createRng } from "../../lib/run/rng.ts";
import { sample } from "../../lib/sample/sampler.ts";
import { findStop } from "../../lib/sample/stop.ts";
import { sharedFile } from "../shared_data.ts";

const rt = createRuntime({ threads: 1 });
const modelPath = await sharedFile("models/stories260K.bin");
const tokPath = await sharedFile("models/tok512.bin");
const haveStories = !!modelPath && !!tokPath;

Deno.test({
  name: "greedy decoding of stories260K from BOS reproduces the golden text token for token",
  ignore: !haveStories,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const [s] = await sample(model, [""], { temperature: 0, maxNewTokens: 40 });
    assert.ok(
      s.text.startsWith(
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
      ),
      s.text,
    );
    // Token for token: the golden text's own encoding is the prefix of what was generated.
    const golden = model.tokenizer!.encode(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
      { addBos: false },
    );
    assert.deepEqual(s.tokens.slice(0, golden.length), golden);
  },
});

Deno.test({
  name: "sampling B prompts × G samples repeats exactly for a seed and differs across seeds",
  ignore: !haveStories,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const prompts = ["Once upon a time", "The dog"]; // ragged: different token counts
    const opts = { samplesPerPrompt: 3, maxNewTokens: 16, temperature: 1, topP: 0.9 };
    const a = await sample(model, prompts, { ...opts, seed: 1 });
    const b = await sample(model, prompts, { ...opts, seed: 1 });
    const c = await sample(model, prompts, { ...opts, seed: 2 });
    assert.equal(a.length, 6);
    assert.deepEqual(a.map((s) => [s.prompt, s.index]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [
      1,
      2,
    ]]);
    assert.deepEqual(a.map((s) => s.tokens), b.map((s) => s.tokens));
    assert.notDeepEqual(a.map((s) => s.tokens), c.map((s) => s.tokens));
    for (const s of a) assert.equal(s.logprobs.length, s.tokens.length);
  },
});

Deno.test({
  name: "a ragged batch gives each prompt the continuation it gets alone",
  ignore: !haveStories,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const prompts = ["Once upon a time there was a big dog", "Tom"];
    const batch = await sample(model, prompts, { temperature: 0, maxNewTokens: 12 });
    for (let i = 0; i < prompts.length; i++) {
      const [alone] = await sample(model, [prompts[i]], { temperature: 0, maxNewTokens: 12 });
      assert.deepEqual(batch[i].tokens, alone.tokens);
      // Per-token log-probs of greedy tokens agree between batch and single runs.
      batch[i].logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - alone.logprobs[k]) < 1e-4));
    }
  },
});

Deno.test({
  name: "stop strings cut the text, and a prompt longer than the context is refused",
  ignore: !haveStories,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const [s] = await sample(model, [""], { temperature: 0, maxNewTokens: 40, stop: ["Lily"] });
    assert.equal(s.finish, "stop");
    assert.equal(s.text, "Once upon a time, there was a little girl named ");
    const long = "the ".repeat(600);
    await assert.rejects(
      () => sample(model, [long], { maxNewTokens: 8 }),
      /prompt 0 has \d+ tokens and 8 new tokens are asked for, but the model's context is 512/,
    );
    await assert.rejects(
      () => sample(model, [""], { topP: 1.5 }),
      /'topP' must be in \(0, 1\]: current value is 1.5/,
    );
  },
});

Deno.test("top-k 1 is greedy, and draws follow the distribution", () => {
  const logits = Float32Array.from([Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)]);
  const rng = createRng(3);
  assert.equal(chooseToken(logits, { topK: 1 }, rng).token, 3);
  const counts = [0, 0, 0, 0];
  const n = 20000;
  for (let i = 0; i < n; i++) counts[chooseToken(logits, {}, rng).token]++;
  [0.1, 0.2, 0.3, 0.4].forEach((p, i) =>
    assert.ok(Math.abs(counts[i] / n - p) < 0.01, `token ${i}: ${counts[i] / n}`)
  );
  // top-p 0.65 keeps {0.4, 0.3} (cumulative 0.7): the others never appear, and log-probs renormalise.
  for (let i = 0; i < 500; i++) {
    const c = chooseToken(logits, { topP: 0.65 }, rng);
    assert.ok(c.token === 3 || c.token === 2);
    assert.ok(Math.abs(c.logprob - Math.log(c.token === 3 ? 0.4 / 0.7 : 0.3 / 0.7)) < 1e-6);
    assert.ok(Math.abs(c.logprobRaw - Math.log(c.token === 3 ? 0.4 : 0.3)) < 1e-6);
  }
});

Deno.test("findStop finds the earliest stop string, also across a resume point", () => {
  assert.equal(findStop("a\nQ: b", ["Q:", "\n"]), 1);
  assert.equal(findStop("abc", ["x"]), -1);
  assert.equal(findStop("abcSTOP", ["STOP"], 5), 3);
});

Deno.test("weights with missing or unexpected tensors are named", () => {
  const c = llamaConfigFromHf({
    vocab_size: 8,
    hidden_size: 4,
    intermediate_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
  });
  const store = new Map([...llamaParamShapes(c)].map(([n, s]) => [n, tensor("float32", s)]));
  store.delete("model.layers.0.mlp.up_proj.weight");
  store.set("model.layers.0.mlp.extra.weight", tensor("float32", [1]));
  assert.throws(
    () => createModel(c, store, rt),
    /missing: model.layers.0.mlp.up_proj.weight; unexpected: model.layers.0.mlp.extra.weight/,
  );
});
