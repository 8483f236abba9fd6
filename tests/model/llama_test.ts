import assert from "node:assert/strict";
import { Graph } from "../../lib/graph/ir.ts";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import { type LlamaConfig, llamaConfigFromHf, llamaParamShapes } from "../../lib/model/config.ts";
import { decoder, lmHead, weightInputs } from "../../lib/model/llama.ts";
import { buildDecodeGraph, buildLossGraph, cacheNames } from "../../lib/model/programs.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";
import { gradCheckGraph, randomTensor, seeded } from "../graph/gradcheck.ts";

const rt = createRuntime({ threads: 1 });

function tinyConfig(extra: Record<string, unknown> = {}): LlamaConfig {
  return llamaConfigFromHf({
    model_type: "llama",
    vocab_size: 11,
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: 64,
    tie_word_embeddings: false,
    ...extra,
  });
}

function randomWeights(
  c: LlamaConfig,
  seed: number,
  dtype: "float32" | "float64",
): Map<string, HostTensor> {
  const rand = seeded(seed);
  const store = new Map<string, HostTensor>();
  for (const [name, shape] of llamaParamShapes(c)) {
    const t = randomTensor(rand, shape, -0.5, 0.5);
    if (name.endsWith("norm.weight")) { for (let i = 0; i < t.data.length; i++) t.data[i] += 1; }
    store.set(name, dtype === "float64" ? t : tensor("float32", shape, Float32Array.from(t.data)));
  }
  return store;
}

const ids = (rows: number[][]) => tensor("int64", [rows.length, rows[0].length], rows.flat());

for (
  const variant of [{ name: "Llama with GQA", extra: {} }, {
    name: "Qwen2 biases",
    extra: { model_type: "qwen2" },
  }, { name: "Qwen3 q/k norm, tied", extra: { model_type: "qwen3", tie_word_embeddings: true } }]
) {
  Deno.test(`the whole model's loss gradient matches finite differences (${variant.name}, float64)`, async () => {
    const c = tinyConfig(variant.extra);
    const { graph, loss } = buildLossGraph(c, { dtype: "float64", kl: true });
    const rand = seeded(5);
    const feeds: Record<string, HostTensor> = Object.fromEntries(randomWeights(c, 9, "float64"));
    feeds.input_ids = ids([[1, 5, 3, 7], [2, 9, 10, 0]]);
    feeds.attention_mask = ids([[1, 1, 1, 1], [1, 1, 1, 0]]);
    feeds.position_ids = ids([[0, 1, 2, 3], [0, 1, 2, 3]]);
    feeds.targets = ids([[5, 3, 7, 2], [9, 10, 4, 0]]);
    feeds.loss_weights = tensor("float64", [2, 4], [0.2, 0.3, -0.4, 0.1, 0.5, 0.25, 0.25, 0]);
    feeds.ref_logprobs = randomTensor(rand, [2, 4], -3, -1);
    feeds.kl_weights = tensor("float64", [2, 4], [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0]);
    const r = await gradCheckGraph(rt, graph, loss, [...llamaParamShapes(c).keys()], feeds);
    assert.ok(r.gradNorm > 1e-6);
    assert.ok(r.relError < 1e-6, `relative error ${r.relError} at ${r.worstInput}`);
  });
}

Deno.test("prefill logits equal step-by-step decode logits and training-graph logits", async () => {
  const c = tinyConfig({ model_type: "qwen2" });
  const store = randomWeights(c, 3, "float32");
  const tokens = [[1, 4, 6, 2, 8, 3], [1, 7, 7, 5, 9, 10]];
  const [b, t] = [2, 6];
  // Training path: the full sequence through decoder + lmHead.
  const g = new Graph();
  const w = weightInputs(g, c);
  const seq = {
    ids: g.input("input_ids", "int64", ["B", "T"]),
    attentionMask: g.input("attention_mask", "int64", ["B", "T"]),
    positions: g.input("position_ids", "int64", ["B", "T"]),
  };
  const train = await compile(rt, g, { logits: lmHead(w, c, decoder(w, c, seq).hidden) });
  const pos = ids(tokens.map((r) => r.map((_, i) => i)));
  const mask = ids(tokens.map((r) => r.map(() => 1)));
  const full = (await runProgram(train, {
    ...Object.fromEntries(store),
    input_ids: ids(tokens),
    attention_mask: mask,
    position_ids: pos,
  })).logits;

  const dec = buildDecodeGraph(c);
  const prog = await compile(rt, dec.graph, dec.outputs);
  const emptyPast = () => tensor("float32", [b, c.numKeyValueHeads, 0, c.headDim]);
  const past: Record<string, HostTensor> = {};
  for (let l = 0; l < c.numHiddenLayers; l++) {
    past[cacheNames(l).pastKey] = emptyPast();
    past[cacheNames(l).pastValue] = emptyPast();
  }
  const prefill = (await runProgram(prog, {
    ...Object.fromEntries(store),
    ...past,
    input_ids: ids(tokens),
    attention_mask: mask,
    position_ids: pos,
  })).logits;

  // Step by step: one token at a time, feeding back the cache.
  let cache = past;
  const stepLogits: number[][] = [];
  for (let i = 0; i < t; i++) {
    const out = await runProgram(prog, {
      ...Object.fromEntries(store),
      ...cache,
      input_ids: ids(tokens.map((r) => [r[i]])),
      attention_mask: ids(tokens.map(() => Array(i + 1).fill(1))),
      position_ids: ids(tokens.map(() => [i])),
    });
    stepLogits.push(Array.from(out.logits.data as Float32Array));
    cache = {};
    for (let l = 0; l < c.numHiddenLayers; l++) {
      cache[cacheNames(l).pastKey] = out[cacheNames(l).presentKey];
      cache[cacheNames(l).pastValue] = out[cacheNames(l).presentValue];
    }
  }
  const v = c.vocabSize;
  let worstPrefill = 0, worstStep = 0;
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) {
      for (let k = 0; k < v; k++) {
        const ref = full.data[(r * t + i) * v + k] as number;
        worstPrefill = Math.max(
          worstPrefill,
          Math.abs((prefill.data[(r * t + i) * v + k] as number) - ref),
        );
        worstStep = Math.max(worstStep, Math.abs(stepLogits[i][r * v + k] - ref));
      }
    }
  }
  assert.ok(worstPrefill < 1e-4, `prefill differs by ${worstPrefill}`);
  assert.ok(worstStep < 1e-4, `decode differs by ${worstStep}`);
});

Deno.test("left padding with positions from the mask gives the same logits as no padding", async () => {
  const c = tinyConfig();
  const store = randomWeights(c, 4, "float32");
  const dec = buildDecodeGraph(c);
  const prog = await compile(rt, dec.graph, dec.outputs);
  const run = async (row: number[], mask: number[], pos: number[]) => {
    const past: Record<string, HostTensor> = {};
    for (let l = 0; l < c.numHiddenLayers; l++) {
      past[cacheNames(l).pastKey] = tensor("float32", [1, c.numKeyValueHeads, 0, c.headDim]);
      past[cacheNames(l).pastValue] = tensor("float32", [1, c.numKeyValueHeads, 0, c.headDim]);
    }
    const out = await runProgram(prog, {
      ...Object.fromEntries(store),
      ...past,
      input_ids: ids([row]),
      attention_mask: ids([mask]),
      position_ids: ids([pos]),
    });
    return Array.from(out.logits.data as Float32Array).slice(-c.vocabSize);
  };
  const plain = await run([3, 4, 5], [1, 1, 1], [0, 1, 2]);
  const padded = await run([0, 0, 3, 4, 5], [0, 0, 1, 1, 1], [0, 0, 0, 1, 2]);
  plain.forEach((x, i) =>
    assert.ok(Math.abs(x - padded[i]) < 1e-5, `logit ${i}: ${x} vs ${padded[i]}`)
  );
});

Deno.test("an unsupported config value is a clear error that lists what is supported", () => {
  assert.throws(
    () => tinyConfig({ model_type: "gpt2" }),
    /'model_type' must be one of llama, mistral, qwen2, qwen3: current value is "gpt2"/,
  );
  assert.throws(
    () => tinyConfig({ hidden_act: "gelu" }),
    /'hidden_act' must be "silu" \(supported: silu\)/,
  );
  assert.throws(
    () => tinyConfig({ num_key_value_heads: 3 }),
    /'num_key_value_heads' must divide 'num_attention_heads' \(4\): current value is 3/,
  );
  assert.throws(
    () => tinyConfig({ rope_scaling: { rope_type: "yarn", factor: 4 } }),
    /'rope_scaling' is not supported/,
  );
});

Deno.test("the decoder with ONNX Runtime's fused RotaryEmbedding gives the plain decoder's logits and cache", async () => {
  for (const extra of [{}, { model_type: "qwen3" }]) {
    const c = tinyConfig(extra);
    const store = randomWeights(c, 6, "float32");
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(store),
      input_ids: ids([[0, 0, 3, 4, 5], [1, 7, 2, 9, 6]]),
      attention_mask: ids([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]),
      position_ids: ids([[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]]),
    };
    for (let l = 0; l < c.numHiddenLayers; l++) {
      feeds[cacheNames(l).pastKey] = tensor("float32", [2, c.numKeyValueHeads, 0, c.headDim]);
      feeds[cacheNames(l).pastValue] = tensor("float32", [2, c.numKeyValueHeads, 0, c.headDim]);
    }
    const outs: Record<string, HostTensor>[] = [];
    for (const contribOps of [false, true]) {
      const dec = buildDecodeGraph(c, undefined, "float32", { contribOps });
      outs.push(await runProgram(await compile(rt, dec.graph, dec.outputs), feeds));
    }
    for (const name of ["logits", cacheNames(0).presentKey, cacheNames(1).presentValue]) {
      const [a, b]: Float32Array[] = outs.map((o) => o[name].data as Float32Array);
      assert.equal(a.length, b.length);
      const worst = a.reduce(
        (m: number, x: number, i: number) => Math.max(m, Math.abs(x - b[i])),
        0,
      );
      assert.ok(worst < 1e-5, `${name} differs by ${worst}`);
    }
  }
});

Deno.test("the split-cache decoder gives the joined decoder's logits, its new keys and values, and takes a cache with masked room", async () => {
  const c = tinyConfig();
  const store = randomWeights(c, 8, "float32");
  const joined = buildDecodeGraph(c, undefined, "float32");
  const split = buildDecodeGraph(c, undefined, "float32", { splitCache: true });
  const pj = await compile(rt, joined.graph, joined.outputs);
  const ps = await compile(rt, split.graph, split.outputs);
  const empty = tensor("float32", [2, c.numKeyValueHeads, 0, c.headDim]);
  const pastOf = (make: (l: number) => [HostTensor, HostTensor]) => {
    const f: Record<string, HostTensor> = {};
    for (let l = 0; l < c.numHiddenLayers; l++) {
      [f[cacheNames(l).pastKey], f[cacheNames(l).pastValue]] = make(l);
    }
    return f;
  };
  const prefill = {
    ...Object.fromEntries(store),
    input_ids: ids([[0, 3, 4, 5], [1, 7, 2, 9]]),
    attention_mask: ids([[0, 1, 1, 1], [1, 1, 1, 1]]),
    position_ids: ids([[0, 0, 1, 2], [0, 1, 2, 3]]),
    ...pastOf(() => [empty, empty]),
  };
  const a = await runProgram(pj, prefill), b = await runProgram(ps, prefill);
  const close = (x: HostTensor, y: HostTensor, what: string) => {
    assert.deepEqual(x.shape, y.shape, what);
    const worst = (x.data as Float32Array).reduce(
      (m: number, v: number, i: number) => Math.max(m, Math.abs(v - (y.data as Float32Array)[i])),
      0,
    );
    assert.ok(worst < 1e-5, `${what} differs by ${worst}`);
  };
  close(a.logits, b.logits, "prefill logits");
  // Without a past, the new keys are the whole present cache.
  close(a[cacheNames(1).presentKey], b[cacheNames(1).newKey], "prefill keys");
  // One step: the joined decoder gets its present cache; the split one the same positions in
  // a cache with 3 positions of room after them, masked, holding junk.
  const room = 3, hkv = c.numKeyValueHeads, hd = c.headDim;
  const padded = (t: HostTensor) => {
    const out = new Float32Array(2 * hkv * (4 + room) * hd).fill(123);
    for (let r = 0; r < 2 * hkv; r++) {
      out.set((t.data as Float32Array).subarray(r * 4 * hd, (r + 1) * 4 * hd), r * (4 + room) * hd);
    }
    return tensor("float32", [2, hkv, 4 + room, hd], out);
  };
  const next = { input_ids: ids([[6], [8]]), position_ids: ids([[3], [4]]) };
  const sj = await runProgram(pj, {
    ...Object.fromEntries(store),
    ...next,
    attention_mask: ids([[0, 1, 1, 1, 1], [1, 1, 1, 1, 1]]),
    ...pastOf((l) => [a[cacheNames(l).presentKey], a[cacheNames(l).presentValue]]),
  });
  const ss = await runProgram(ps, {
    ...Object.fromEntries(store),
    ...next,
    attention_mask: ids([[0, 1, 1, 1, 0, 0, 0, 1], [1, 1, 1, 1, 0, 0, 0, 1]]),
    ...pastOf((l) => [padded(a[cacheNames(l).presentKey]), padded(a[cacheNames(l).presentValue])]),
  });
  close(sj.logits, ss.logits, "step logits");
  const last = (t: HostTensor) => {
    const out = new Float32Array(2 * hkv * hd);
    for (let r = 0; r < 2 * hkv; r++) {
      out.set((t.data as Float32Array).subarray((r * 5 + 4) * hd, (r * 5 + 5) * hd), r * hd);
    }
    return tensor("float32", [2, hkv, 1, hd], out);
  };
  close(last(sj[cacheNames(0).presentValue]), ss[cacheNames(0).newValue], "step values");
});
