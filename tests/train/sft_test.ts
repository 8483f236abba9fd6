import assert from "node:assert/strict";
import { tensor } from "../../lib/graph/mod.ts";
import {
  createModel,
  type LanguageModel,
  llamaConfigFromHf,
  llamaParamShapes,
  scoreTokens,
} from "../../lib/model/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { loadTokenizer } from "../../lib/text/mod.ts";
import { encodeCompletion, fineTune } from "../../lib/train/mod.ts";

const rt = createRuntime({ threads: 1 });
const tok = await loadTokenizer(new URL("../../data/models/student", import.meta.url).pathname);
const config = llamaConfigFromHf({
  vocab_size: tok.vocabSize,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  bos_token_id: tok.bosId,
  eos_token_id: tok.eosId,
});

function tinyModel(seed: number): LanguageModel {
  const rng = createRng(seed);
  const store = new Map();
  for (const [n, shape] of llamaParamShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from(
      { length: size },
      () => n.endsWith("norm.weight") ? 1 : 0.1 * (rng.next() - 0.5),
    );
    store.set(n, tensor("float32", shape, data));
  }
  return createModel(config, store, rt, tok);
}

const examples = [
  { prompt: "Q: 2 + 3?\nA:", completion: " The answer is 5." },
  { prompt: "Q: 4 + 4?\nA:", completion: " The answer is 8." },
  { prompt: "Q: 1 + 6?\nA:", completion: " The answer is 7." },
  { prompt: "Q: 9 - 5?\nA:", completion: " The answer is 4." },
];

Deno.test("fineTune lowers the completion loss of a tiny model on a fixed example set", async () => {
  const model = tinyModel(1);
  const seen: number[] = [];
  const { losses, learningRates } = await fineTune(model, examples, {
    steps: 40,
    batchSize: 4,
    schedule: { kind: "constant", peak: 1e-2, warmupSteps: 2 },
    onStep: ({ step }) => seen.push(step),
  });
  assert.equal(losses.length, 40);
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));
  assert.deepEqual(learningRates.slice(0, 3), [5e-3, 1e-2, 1e-2]);
  // Starts near ln V (uniform over 512 ids), ends well below.
  assert.ok(losses[0] > 5, `first loss ${losses[0]}`);
  assert.ok(losses.at(-1)! < 0.5 * losses[0], `first ${losses[0]}, last ${losses.at(-1)}`);
});

Deno.test("fineTune's loss is the mean negative log-prob of the completion tokens only", async () => {
  const model = tinyModel(2);
  const enc = examples.map((e) => encodeCompletion(tok, e.prompt, e.completion));
  const scores = await scoreTokens(model, enc.map((e) => e.tokens));
  let completionNll = 0, completionCount = 0, allNll = 0, allCount = 0;
  scores.forEach((s, i) =>
    s.logprobs.forEach((lp, t) => {
      allNll -= lp;
      allCount++;
      if (enc[i].weights[t] === 1) (completionNll -= lp, completionCount++);
    })
  );
  // A full batch in one step: the step's loss is computed before its update.
  const { losses } = await fineTune(model, examples, { steps: 1, batchSize: 4 });
  const want = completionNll / completionCount;
  assert.ok(Math.abs(losses[0] - want) < 1e-4, `${losses[0]} vs ${want}`);
  assert.ok(Math.abs(losses[0] - allNll / allCount) > 1e-3, "the prompt's targets would change it");
});

Deno.test("fineTune with the same seed repeats its losses and weights; another seed reorders", async () => {
  const a = tinyModel(3), b = tinyModel(3), c = tinyModel(3);
  const opts = { steps: 4, batchSize: 1, seed: 5 };
  const ra = await fineTune(a, examples, opts);
  const rb = await fineTune(b, examples, opts);
  const rc = await fineTune(c, examples, { ...opts, seed: 6 });
  assert.deepEqual(ra.losses, rb.losses);
  for (const [n, t] of a.store) assert.deepEqual(t.data, b.store.get(n)!.data, n);
  assert.notDeepEqual(ra.losses, rc.losses);
});

Deno.test("fineTune refuses bad options naming the field", async () => {
  const model = tinyModel(4);
  await assert.rejects(() => fineTune(model, [], {}), /'examples' must be a non-empty list/);
  await assert.rejects(
    () => fineTune(model, examples, { batchSize: 0 }),
    /'batchSize' must be an integer ≥ 1: current value is 0/,
  );
  await assert.rejects(
    () => fineTune(model, examples, { steps: 2, epochs: 1 }),
    /'epochs' must be left out when 'steps' is given: current value is 1/,
  );
  await assert.rejects(
    () => fineTune(model, [{ prompt: "Q: x\nA:", completion: "" }], { encode: { addEos: false } }),
    /'examples\[0\].completion' must be non-empty/,
  );
});
