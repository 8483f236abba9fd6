import assert from "node:assert/strict";
import { tensor } from "../../lib/graph/tensor.ts";
import { buildTrainStep } from "../../lib/graph/train_step.ts";
import { llamaConfigFromHf } from "../../lib/model/config.ts";
import { initWeights } from "../../lib/model/init.ts";
import { buildLossGraph } from "../../lib/model/programs.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { createTrainer, trainStep } from "../../lib/runtime/trainer.ts";
import { createRng } from "../../lib/run/rng.ts";

const rt = createRuntime({ threads: 2 });

Deno.test("a one-block Llama learns to copy the token two places back (loss below 0.1 in 300 steps)", async () => {
  // Sequences of random tokens; the target at position t is the input token at t−2 (the first two
  // targets are a fixed token 0). Solving it needs attention to a relative position (RoPE).
  const seq = 12, vocab = 8;
  const c = llamaConfigFromHf({
    vocab_size: vocab,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 1,
    num_attention_heads: 4,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
  });
  const rng = createRng(7);
  const store = initWeights(c, rng.split("init"), { std: 0.1, scaledResidual: false });
  const { graph, weights, loss } = buildLossGraph(c);
  const step = buildTrainStep(loss, weights, {
    optimizer: { kind: "adamw", weightDecay: 0.01 },
    clipNorm: 1,
  });
  const tr = await createTrainer(rt, graph, step, store);
  const b = 32;
  const ones = (v: number) => tensor("int64", [b, seq], new BigInt64Array(b * seq).fill(BigInt(v)));
  const positions = tensor("int64", [b, seq], Array.from({ length: b * seq }, (_, i) => i % seq));
  const perToken = tensor("float32", [b, seq], new Float32Array(b * seq).fill(1 / (b * seq)));
  let last = Infinity, first = 0;
  for (let i = 0; i < 300; i++) {
    const tok = new BigInt64Array(b * seq), tgt = new BigInt64Array(b * seq);
    for (let r = 0; r < b; r++) {
      for (let t = 0; t < seq; t++) tok[r * seq + t] = BigInt(rng.int(1, vocab - 1));
      for (let t = 0; t < seq; t++) tgt[r * seq + t] = t < 2 ? 0n : tok[r * seq + t - 2];
    }
    const lr = 3e-3 * Math.min(1, (i + 1) / 20);
    const res = await trainStep(tr, {
      input_ids: tensor("int64", [b, seq], tok),
      targets: tensor("int64", [b, seq], tgt),
      attention_mask: ones(1),
      position_ids: positions,
      loss_weights: perToken,
    }, lr);
    if (i === 0) first = res.loss;
    last = res.loss;
  }
  assert.ok(first > 1.5, `initial loss ${first} should be near ln 8 ≈ 2.08`);
  assert.ok(last < 0.1, `final loss ${last}`);
});
