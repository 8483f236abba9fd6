import assert from "node:assert/strict";
import { globalNorm, grad, type HostTensor, tensor, type Value } from "../../lib/graph/mod.ts";
import { type LlamaConfig, llamaConfigFromHf, llamaParamShapes } from "../../lib/model/config.ts";
import { initWeights } from "../../lib/model/init.ts";
import { createModel, type LanguageModel } from "../../lib/model/model.ts";
import { buildLossGraph } from "../../lib/model/programs.ts";
import {
  type GradExample,
  gradientNorms,
  gradientSketches,
  gradientVectors,
} from "../../lib/model/score.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";
import { createRng } from "../../lib/run/rng.ts";

const rt = createRuntime({ threads: 1 });

const base = {
  vocab_size: 13,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 32,
};
const CONFIGS: Record<string, LlamaConfig> = {
  tied: llamaConfigFromHf({ ...base, tie_word_embeddings: true }),
  untied: llamaConfigFromHf({ ...base, tie_word_embeddings: false }),
  // q/k/v/o biases and q/k RMSNorm: the broadcast uses (Add, Mul over (B,T,H,Hd)).
  "untied with biases and q/k norm": llamaConfigFromHf({
    ...base,
    model_type: "qwen3",
    attention_bias: true,
    tie_word_embeddings: false,
  }),
};

function randomModel(c: LlamaConfig, seed: number): LanguageModel {
  return createModel(c, initWeights(c, createRng(seed), { std: 0.17, scaledResidual: false }), rt);
}

/** Ragged examples: lengths 2 to 11, prompt-masked weights, one with default weights. */
function examples(seed: number, vocab: number): GradExample[] {
  const rng = createRng(seed);
  return [2, 9, 5, 11, 3, 7, 4].map((length, i) => {
    const tokens = Array.from({ length }, () => 1 + Math.floor(rng.next() * (vocab - 1)));
    if (i === 2) return { tokens };
    const prompt = Math.min(i % 3, length - 2);
    const n = length - 1;
    const weights = Array.from({ length: n }, (_, t) => (t >= prompt ? 1 / (n - prompt) : 0));
    return { tokens, weights };
  });
}

/**
 * The reference: the plain gradient of one example's loss (batch 1, autodiff on the unbatched
 * loss graph), as a flat vector in `names` order.
 */
async function batchOneGradients(
  model: LanguageModel,
  exs: readonly GradExample[],
  names: readonly string[],
): Promise<{ norms: number[]; vectors: Float32Array[] }> {
  const { graph, weights, loss } = buildLossGraph(model.config);
  const grads = grad(loss, names.map((n) => weights[n]));
  const outputs: Record<string, Value> = { norm: globalNorm(grads) };
  names.forEach((n, i) => outputs[`grad.${n}`] = grads[i]);
  const prog = await compile(rt, graph, outputs);
  const norms: number[] = [], vectors: Float32Array[] = [];
  for (const ex of exs) {
    const t = ex.tokens.length, n = t - 1;
    const w = ex.weights ?? Array(n).fill(1 / n);
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(model.store),
      input_ids: tensor("int64", [1, t], ex.tokens),
      attention_mask: tensor("int64", [1, t], Array(t).fill(1)),
      position_ids: tensor("int64", [1, t], ex.tokens.map((_, i) => i)),
      targets: tensor("int64", [1, t], [...ex.tokens.slice(1), 0]),
      loss_weights: tensor("float32", [1, t], [...w, 0]),
    };
    const r = await runProgram(prog, feeds);
    norms.push(Number(r.norm.data[0]));
    vectors.push(
      Float32Array.from(names.flatMap((n) => [...(r[`grad.${n}`].data as Float32Array)])),
    );
  }
  return { norms, vectors };
}

function assertClose(got: number, want: number, what: string) {
  assert.ok(Math.abs(got - want) <= 1e-4 * Math.abs(want), `${what}: ${got} vs ${want}`);
}

for (const [label, config] of Object.entries(CONFIGS)) {
  const all = [...llamaParamShapes(config).keys()];
  const subsets: Record<string, string[] | undefined> = {
    "all parameters": undefined,
    "the output layer": [config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"],
    "one layer's weights": all.filter((n) => n.startsWith("model.layers.1.")),
  };
  for (const [what, subset] of Object.entries(subsets)) {
    Deno.test(`batched gradient norms and vectors equal batch-1 gradients (${label}, ${what})`, async () => {
      const model = randomModel(config, 3);
      const exs = examples(5, config.vocabSize);
      const names = subset ?? all;
      const want = await batchOneGradients(model, exs, names);
      assert.ok(want.norms.every((x) => x > 0));
      // Batches of 3 over 7 ragged examples: full and partial batches, padding in most rows.
      const norms = await gradientNorms(model, exs, { subset, batchSize: 3 });
      norms.forEach((x, i) => assertClose(x, want.norms[i], `norm of example ${i}`));
      const vectors = await gradientVectors(model, exs, { subset, batchSize: 3 });
      vectors.forEach((v, i) => {
        assert.equal(v.length, want.vectors[i].length);
        let worst = 0;
        v.forEach((x, k) => worst = Math.max(worst, Math.abs(x - want.vectors[i][k])));
        assert.ok(worst <= 1e-4 * want.norms[i], `gradient of example ${i}: off by ${worst}`);
      });
      // The sketch of each batched gradient is the sketch of its batch-1 gradient.
      const rng = createRng(9);
      const n = want.vectors[0].length;
      const sketch = {
        dim: 37,
        bucket: Int32Array.from({ length: n }, () => rng.int(0, 36)),
        sign: Int8Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1)),
      };
      const sketches = await gradientSketches(model, exs, sketch, { subset, batchSize: 3 });
      sketches.forEach((s, i) => {
        const ref = new Float64Array(sketch.dim);
        want.vectors[i].forEach((x, k) => ref[sketch.bucket[k]] += sketch.sign[k] * x);
        let worst = 0;
        s.forEach((x, k) => worst = Math.max(worst, Math.abs(x - ref[k])));
        assert.ok(worst <= 1e-4 * want.norms[i], `sketch of example ${i}: off by ${worst}`);
      });
      // The default batch size (all seven in one batch) gives the same norms.
      const together = await gradientNorms(model, exs, { subset });
      together.forEach((x, i) => assertClose(x, want.norms[i], `norm of example ${i} (one batch)`));
    });
  }
}

Deno.test("an example's gradient norm does not depend on the examples batched with it", async () => {
  const model = randomModel(CONFIGS.tied, 4);
  const exs = examples(6, CONFIGS.tied.vocabSize);
  const [alone] = await gradientNorms(model, [exs[3]]);
  const withOthers = await gradientNorms(model, exs, { batchSize: 7 });
  assertClose(withOthers[3], alone, "example 3");
});

Deno.test("gradient norms reject a bad batch size, a too-short example and mismatched weights", async () => {
  const model = randomModel(CONFIGS.tied, 4);
  await assert.rejects(
    gradientNorms(model, [{ tokens: [1, 2] }], { batchSize: 0 }),
    /'batchSize' must be an integer ≥ 1: current value is 0/,
  );
  await assert.rejects(
    gradientNorms(model, [{ tokens: [1, 2] }, { tokens: [3] }]),
    /example 1: it needs at least 2 tokens/,
  );
  await assert.rejects(
    gradientVectors(model, [{ tokens: [1, 2, 3], weights: [1] }]),
    /example 0: 1 weights for 2 targets/,
  );
  assert.deepEqual(await gradientNorms(model, []), []);
  const sketch = { dim: 4, bucket: new Int32Array(3), sign: new Int8Array(3) };
  await assert.rejects(
    gradientSketches(model, [{ tokens: [1, 2] }], sketch),
    /the sketch takes 3 coordinates \(signs 3\) but the gradient has \d+/,
  );
});
