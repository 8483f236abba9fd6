import assert from "node:assert/strict";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import { llamaConfigFromHf, llamaParamShapes } from "../../lib/model/config.ts";
import { initWeights } from "../../lib/model/init.ts";
import { createModel, loadModel } from "../../lib/model/model.ts";
import { buildGradNormGraph, buildLossGraph } from "../../lib/model/programs.ts";
import { embedSequences, gradientNorms, scoreTokens } from "../../lib/model/score.ts";
import { createLmTrainer, lmTrainStep } from "../../lib/model/train.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";
import { createRng } from "../../lib/run/rng.ts";
import { sample } from "../../lib/sample/sampler.ts";
import { sharedFile } from "../shared_data.ts";

const rt = createRuntime({ threads: 1 });
const modelPath = await sharedFile("models/stories260K.bin");
const tokPath = await sharedFile("models/tok512.bin");

const tiny = llamaConfigFromHf({
  vocab_size: 12,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 32,
  tie_word_embeddings: true,
  eos_token_id: 11,
});
/** Weights spread wide (std 0.17, as uniform ±0.3) so gradients and scores are far from trivial. */
function randomStore(seed: number, dtype: "float32" | "float64" = "float32") {
  return initWeights(tiny, createRng(seed), { std: 0.17, scaledResidual: false, dtype });
}

Deno.test({
  name:
    "scoring gives the sampler's log-probs, entropies within [0, ln V] and margins within [0, 1]",
  ignore: !modelPath || !tokPath,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const prompt = model.tokenizer!.encode("The little dog");
    const samples = await sample(model, [prompt], {
      samplesPerPrompt: 2,
      maxNewTokens: 10,
      seed: 4,
    });
    const scores = await scoreTokens(model, samples.map((s) => [...prompt, ...s.tokens]));
    samples.forEach((s, i) => {
      const tail = scores[i].logprobs.slice(prompt.length - 1);
      s.logprobs.forEach((lp, k) =>
        assert.ok(Math.abs(lp - tail[k]) < 1e-4, `token ${k}: ${lp} vs ${tail[k]}`)
      );
      for (const h of scores[i].entropies) assert.ok(h >= 0 && h <= Math.log(512) + 1e-5);
      for (const m of scores[i].margins) assert.ok(m >= 0 && m <= 1);
    });
  },
});

Deno.test("pooled hidden states do not depend on the padding of the batch", async () => {
  const model = createModel(tiny, randomStore(1), rt);
  const short = [1, 4, 5], long = [1, 2, 3, 4, 5, 6, 7];
  const [alone] = await embedSequences(model, [short]);
  const [batched] = await embedSequences(model, [short, long]);
  assert.equal(alone.length, 16);
  alone.forEach((v, i) => assert.ok(Math.abs(v - batched[i]) < 1e-5));
});

Deno.test("pooled hidden states of a model with an untied output layer equal the tied model's", async () => {
  const untied = { ...tiny, tieWordEmbeddings: false };
  const store = initWeights(untied, createRng(5), { std: 0.17, scaledResidual: false });
  assert.ok(store.has("lm_head.weight"));
  const tiedStore = new Map([...store].filter(([name]) => name !== "lm_head.weight"));
  const seqs = [[1, 4, 5], [1, 2, 3, 4, 5, 6, 7]];
  const a = await embedSequences(createModel(untied, store, rt), seqs);
  const b = await embedSequences(createModel(tiny, tiedStore, rt), seqs);
  a.forEach((v, k) => v.forEach((x, i) => assert.ok(Math.abs(x - b[k][i]) < 1e-6)));
});

Deno.test("the per-example gradient norm equals the norm of the finite-difference gradient (float64)", async () => {
  const store = randomStore(2, "float64");
  const tokens = [1, 7, 3, 9, 4];
  const feeds: Record<string, HostTensor> = {
    ...Object.fromEntries(store),
    input_ids: tensor("int64", [1, 5], tokens),
    attention_mask: tensor("int64", [1, 5], [1, 1, 1, 1, 1]),
    position_ids: tensor("int64", [1, 5], [0, 1, 2, 3, 4]),
    targets: tensor("int64", [1, 5], [7, 3, 9, 4, 0]),
    loss_weights: tensor("float64", [1, 5], [0.25, 0.25, 0.25, 0.25, 0]),
  };
  for (const subset of [undefined, ["model.layers.1.mlp.down_proj.weight", "model.norm.weight"]]) {
    const gn = buildGradNormGraph(tiny, subset, "float64");
    const { grad_norm } = await runProgram(await compile(rt, gn.graph, gn.outputs), feeds);
    const lossGraph = buildLossGraph(tiny, { dtype: "float64" });
    const lossProg = await compile(rt, lossGraph.graph, { loss: lossGraph.loss });
    let sq = 0;
    const h = 1e-5;
    for (const name of subset ?? [...llamaParamShapes(tiny).keys()]) {
      const base = store.get(name)!.data as Float64Array;
      for (let i = 0; i < base.length; i++) {
        const at = async (d: number) => {
          const copy = new Float64Array(base);
          copy[i] += d;
          const r = await runProgram(lossProg, {
            ...feeds,
            [name]: tensor("float64", store.get(name)!.shape, copy),
          });
          return r.loss.data[0] as number;
        };
        sq += (((await at(h)) - (await at(-h))) / (2 * h)) ** 2;
      }
    }
    const got = grad_norm.data[0] as number;
    assert.ok(Math.abs(got - Math.sqrt(sq)) / Math.sqrt(sq) < 1e-6, `${got} vs ${Math.sqrt(sq)}`);
  }
  // The float32 API runs the same program example by example.
  const model = createModel(tiny, randomStore(2), rt);
  const [a, b] = await gradientNorms(model, [{ tokens }, { tokens: [1, 2] }]);
  assert.ok(a > 0 && b > 0 && a !== b);
});

Deno.test("training updates the one store, and the very next sampling call uses the new weights", async () => {
  const model = createModel(tiny, randomStore(3), rt);
  const target = [1, 5, 8, 2, 9, 3, 7, 11];
  const [before] = await sample(model, [[1]], { temperature: 0, maxNewTokens: 7 });
  const t = await createLmTrainer(model, { optimizer: { kind: "adamw" } });
  let loss = Infinity;
  for (let i = 0; i < 120 && loss > 0.01; i++) {
    loss = (await lmTrainStep(t, { sequences: [target] }, 1e-2)).loss;
  }
  assert.ok(loss < 0.05, `loss ${loss}`);
  const [after] = await sample(model, [[1]], { temperature: 0, maxNewTokens: 7 });
  assert.notDeepEqual(before.tokens, target.slice(1, 7));
  assert.deepEqual(after.tokens, target.slice(1, 7), "EOS (11) ends the sample");
  assert.equal(after.finish, "eos");
});

Deno.test("the KL term to the model's own log-probs is zero, weights must fit the targets, frozen weights get no state", async () => {
  const model = createModel(tiny, randomStore(4), rt);
  const t = await createLmTrainer(model, { kl: true, trainable: (n) => !n.includes("embed") });
  const seq = [1, 3, 3, 6, 7];
  const zero = [[0, 0, 0, 0]];
  // With zero loss weights and a reference equal to the model's own log-probs, the loss is 0.
  const [s] = await scoreTokens(model, [seq]);
  const r = await lmTrainStep(t, {
    sequences: [seq],
    weights: zero,
    refLogprobs: [s.logprobs],
    klWeights: [[0.25, 0.25, 0.25, 0.25]],
  }, 0);
  assert.ok(Math.abs(r.loss) < 1e-6, `KL of a model to itself is 0: ${r.loss}`);
  assert.ok(r.gradNorm < 1e-5);
  await assert.rejects(
    () => lmTrainStep(t, { sequences: [seq], weights: [[1, 1]] }, 0),
    /weights\[0\] has 2 entries but sequence 0 has 4 targets/,
  );
  assert.ok(
    !t.trainer.state.has("model.embed_tokens.weight.adam_m") &&
      t.trainer.state.has("model.norm.weight.adam_m"),
    "frozen weights get no optimizer state, trained ones do",
  );
  assert.ok(
    ![...model.store.keys()].some((k) => k.includes("adam")),
    "the model holds weights only",
  );
});
