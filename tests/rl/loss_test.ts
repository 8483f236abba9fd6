import assert from "node:assert/strict";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import {
  createModel,
  initWeights,
  llamaConfigFromHf,
  llamaParamShapes,
  scoreTokens,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/mod.ts";
import {
  buildPolicyLossGraph,
  createPolicyTrainer,
  microBatchPlan,
  packPolicy,
  type PolicySequence,
  policyUpdate,
} from "../../lib/rl/loss.ts";
import { gradCheckGraph } from "../graph/gradcheck.ts";

const rt = createRuntime({ threads: 1 });
const tiny = llamaConfigFromHf({
  vocab_size: 12,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 16,
  tie_word_embeddings: true,
  eos_token_id: 11,
});

const base: { prompt: number[]; completion: number[]; advantage: number }[] = [
  { prompt: [1, 4], completion: [5, 6, 7], advantage: 1 },
  { prompt: [1], completion: [3, 8, 2, 9], advantage: -0.7 },
];

Deno.test("the policy loss's gradient matches central finite differences in float64, over clipped and unclipped tokens and the KL term", async () => {
  const store = initWeights(tiny, createRng(3), {
    std: 0.17,
    scaledResidual: false,
    dtype: "float64",
  });
  const { graph, loss, metrics } = buildPolicyLossGraph(tiny, { kl: true, dtype: "float64" });
  const prog = await compile(rt, graph, { loss, ...metrics });
  const scalars = {
    clip_low: tensor("float64", [], [0.2]),
    clip_high: tensor("float64", [], [0.28]),
    kl_coef: tensor("float64", [], [0.3]),
  };
  const zeros = base.map((s) => ({
    ...s,
    oldLogprobs: s.completion.map(() => 0),
    refLogprobs: s.completion.map(() => 0),
  }));
  const weightsOf = [1 / 7, 1 / 7]; // token-level aggregation: 7 completion tokens
  const probe = await runProgram(prog, {
    ...Object.fromEntries(store),
    ...scalars,
    ...packPolicy(zeros, weightsOf, true, "float64"),
  });
  const lp = probe.token_logprobs.data as Float64Array;
  const width = probe.token_logprobs.shape[1] as number;
  const ell = base.map((s, r) =>
    s.completion.map((_, k) => lp[r * width + s.prompt.length + k - 1])
  );
  // ℓ − ℓ_old per token: ratio e^0.6 = 1.82 (above 1 + 0.28), e^−0.6 = 0.55 (below 1 − 0.2), or inside.
  const deltas = [[0.6, -0.6, 0.05], [0.1, -0.6, 0.6, -0.05]];
  const refShift = [[0.2, -0.3, 0.1], [-0.25, 0.15, 0.3, -0.1]];
  const seqs: PolicySequence[] = base.map((s, r) => ({
    ...s,
    oldLogprobs: ell[r].map((l, k) => l - deltas[r][k]),
    refLogprobs: ell[r].map((l, k) => l + refShift[r][k]),
  }));
  const feeds: Record<string, HostTensor> = {
    ...Object.fromEntries(store),
    ...scalars,
    ...packPolicy(seqs, weightsOf, true, "float64"),
  };
  const out = await runProgram(prog, feeds);
  // The loss from the formula, token by token.
  let expected = 0, clippedTokens = 0;
  seqs.forEach((s, r) =>
    s.completion.forEach((_, k) => {
      const ratio = Math.exp(deltas[r][k]);
      const a = s.advantage;
      const clippedTerm = Math.min(Math.max(ratio, 0.8), 1.28) * a;
      if (clippedTerm < ratio * a) clippedTokens++;
      const d = refShift[r][k];
      expected += (-Math.min(ratio * a, clippedTerm) + 0.3 * (Math.exp(d) - d - 1)) / 7;
    })
  );
  assert.ok(
    Math.abs(Number(out.loss.data[0]) - expected) < 1e-9,
    `${out.loss.data[0]} vs ${expected}`,
  );
  // Clipped: token 0 of the positive sequence (ratio 1.82, A > 0) and token 1 of the negative one
  // (ratio 0.55, A < 0); tokens on the other side of the clip keep their gradient.
  assert.equal(clippedTokens, 2);
  assert.equal(Number(out.clipped_tokens.data[0]), 2);
  const check = await gradCheckGraph(rt, graph, loss, [...llamaParamShapes(tiny).keys()], feeds);
  assert.ok(check.relError < 1e-6, `relative error ${check.relError} at ${check.worstInput}`);
  assert.ok(check.gradNorm > 1e-3, `gradient norm ${check.gradNorm} is too small to test anything`);
});

async function rollouts(model: ReturnType<typeof createModel>): Promise<PolicySequence[]> {
  const scored = await scoreTokens(model, base.map((s) => [...s.prompt, ...s.completion]));
  return base.map((s, r) => ({
    ...s,
    oldLogprobs: scored[r].logprobs.slice(s.prompt.length - 1),
  }));
}

Deno.test("micro-batches of one sequence give the same update as the whole batch", async () => {
  const results: Map<string, HostTensor>[] = [];
  for (const microBatch of [1, 2]) {
    const model = createModel(tiny, initWeights(tiny, createRng(5)), rt);
    const t = await createPolicyTrainer(model, { optimizer: { kind: "sgd" }, clipNorm: 0.5 });
    const seqs = await rollouts(model);
    for (const aggregation of ["sequence", "token"] as const) {
      await policyUpdate(t, seqs, {
        lr: 0.1,
        clipLow: 0.2,
        clipHigh: 0.2,
        aggregation,
        maxNewTokens: 4,
        microBatch,
      });
    }
    results.push(model.store);
  }
  for (const [name, t] of results[0]) {
    const other = results[1].get(name)!.data as Float32Array;
    (t.data as Float32Array).forEach((x, i) =>
      assert.ok(Math.abs(x - other[i]) < 1e-6, `${name}[${i}]: ${x} vs ${other[i]}`)
    );
  }
});

Deno.test("an update raises the log-probs of a positive-advantage completion and lowers a negative one's", async () => {
  const model = createModel(tiny, initWeights(tiny, createRng(6)), rt);
  const t = await createPolicyTrainer(model, { optimizer: { kind: "adamw" } });
  const seqs = await rollouts(model);
  const first = await policyUpdate(t, seqs, {
    lr: 1e-2,
    clipLow: 0.2,
    clipHigh: 0.2,
    aggregation: "sequence",
    maxNewTokens: 4,
  });
  // On-policy: the ratio is 1, so nothing is clipped and the sampler's KL is 0.
  assert.equal(first.clipFraction, 0);
  assert.ok(Math.abs(first.approxKl) < 1e-6);
  assert.ok(first.entropy > 0 && first.entropy <= Math.log(12) + 1e-6);
  assert.equal(first.tokens, 7);
  const after = await rollouts(model);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  assert.ok(sum(after[0].oldLogprobs) > sum(seqs[0].oldLogprobs));
  assert.ok(sum(after[1].oldLogprobs) < sum(seqs[1].oldLogprobs));
});

Deno.test("a policy update refuses mismatched log-probs and a KL coefficient without the KL term", async () => {
  const model = createModel(tiny, initWeights(tiny, createRng(7)), rt);
  const t = await createPolicyTrainer(model);
  const opts = {
    lr: 1e-3,
    clipLow: 0.2,
    clipHigh: 0.2,
    aggregation: "token" as const,
    maxNewTokens: 4,
  };
  await assert.rejects(
    () =>
      policyUpdate(t, [{ prompt: [1], completion: [2, 3], oldLogprobs: [-1], advantage: 1 }], opts),
    /sequence 0 has 2 completion tokens but 1 'oldLogprobs'/,
  );
  await assert.rejects(
    () =>
      policyUpdate(t, [{ prompt: [1], completion: [2], oldLogprobs: [-1], advantage: 1 }], {
        ...opts,
        klCoef: 0.1,
      }),
    /'klCoef' is 0.1 but the trainer was built without the KL term/,
  );
});

Deno.test("the micro-batch plan covers every sequence once, in length order, within the row limit, padding less than fixed chunks", () => {
  const lengths = [44, 120, 41, 97, 55, 58, 40, 112, 69, 51, 47, 88, 45, 106, 53, 59];
  for (const maxRows of [1, 3, 4, 16]) {
    const plan = microBatchPlan(lengths, maxRows);
    assert.deepEqual(plan.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
    const flat = plan.flat().map((i) => lengths[i]);
    assert.deepEqual(flat, [...flat].sort((a, b) => a - b), "runs follow length order");
    for (const run of plan) assert.ok(run.length >= 1 && run.length <= maxRows);
  }
  // Against runs of exactly 4 in length order: less padding, at most a few passes more.
  const sorted = [...lengths].sort((a, b) => a - b);
  const padded = (runs: number[][]) => runs.reduce((a, r) => a + r.length * Math.max(...r), 0);
  const fixed = [0, 4, 8, 12].map((k) => sorted.slice(k, k + 4));
  const plan = microBatchPlan(lengths, 4).map((r) => r.map((i) => lengths[i]));
  assert.ok(padded(plan) + 96 * plan.length <= padded(fixed) + 96 * fixed.length);
  // With no cost per pass every sequence is its own pass (no padding at all); with a huge one,
  // as few passes as the row limit allows.
  assert.equal(microBatchPlan(lengths, 16, 0).length, 16);
  assert.equal(microBatchPlan(lengths, 16, 1e9).length, 1);
  assert.equal(microBatchPlan(lengths, 5, 1e9).length, 4);
  assert.deepEqual(microBatchPlan([], 4), []);
});
