/**
 * `deno task bench`: performance figures, each against a limit measured in the same run.
 *
 * Engine: the train step (forward + backward + AdamW) of one Llama block (the model's own
 * decoder, `lib/model/llama.ts`) at hidden 512, sequence 128, batch 16, as GFLOP/s and as a ratio
 * to ONNX Runtime's own GFLOP/s on one large MatMul; and the share of the step spent outside the
 * session run (feeding and fetching).
 */

import { buildTrainStep, Graph, matMul, tensor } from "../lib/graph/mod.ts";
import {
  compile,
  createRuntime,
  createTrainer,
  runProgram,
  type Runtime,
  trainStep,
} from "../lib/runtime/mod.ts";
import {
  buildLossGraph,
  countParams,
  createModel,
  flopsPerToken,
  initWeights,
  type LanguageModel,
  type LlamaConfig,
  llamaConfigFromHf,
  saveModel,
} from "../lib/model/mod.ts";
import { sample } from "../lib/sample/mod.ts";
import { cli, createRng, runMain, THREADS_FLAG, usageExit } from "../lib/run/mod.ts";
import { benchVerify, formatVerify } from "./bench_verify.ts";
import { benchAcquire, formatAcquire } from "./bench_acquire.ts";
import { benchGrpo, median } from "./bench_grpo.ts";
import { benchCudaMatch, formatCudaMatch } from "./bench_cuda.ts";

const SECTIONS = [
  "engine",
  "llama",
  "decode",
  "sampler",
  "verify",
  "acquire",
  "grpo",
  "cuda",
] as const;

/** GFLOP/s of an n×n by n×n float32 MatMul, median of several runs. */
export async function benchMatMul(rt: Runtime, n = 2048, reps = 7): Promise<number> {
  const g = new Graph();
  const a = g.input("a", "float32", [n, n]);
  const b = g.input("b", "float32", [n, n]);
  const prog = await compile(rt, g, { c: matMul(a, b) });
  const fill = () =>
    tensor(
      "float32",
      [n, n],
      Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000),
    );
  const feeds = { a: fill(), b: fill() };
  await runProgram(prog, feeds);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const timing = { sessionMs: 0 };
    await runProgram(prog, feeds, { timing });
    times.push(timing.sessionMs);
  }
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

/** Train-step throughput of a Llama model at sequence `t`. */
export async function benchLlamaTrainStep(
  rt: Runtime,
  c: LlamaConfig,
  batch: number,
  t: number,
  steps: number,
) {
  const { graph, weights, loss } = buildLossGraph(c);
  const step = buildTrainStep(loss, weights, { optimizer: { kind: "adamw" }, clipNorm: 1 });
  const store = initWeights(c, createRng(1));
  const tr = await createTrainer(rt, graph, step, store);
  const ids = (f: (i: number) => number) =>
    tensor("int64", [batch, t], Array.from({ length: batch * t }, (_, i) => f(i)));
  const feeds = {
    input_ids: ids((i) => (i * 31) % c.vocabSize),
    targets: ids((i) => (i * 17) % c.vocabSize),
    attention_mask: ids(() => 1),
    position_ids: ids((i) => i % t),
    loss_weights: tensor("float32", [batch, t], new Float32Array(batch * t).fill(1 / (batch * t))),
  };
  await trainStep(tr, feeds, 1e-4);
  const times: number[] = [];
  let session = 0, total = 0;
  for (let i = 0; i < steps; i++) {
    const r = await trainStep(tr, feeds, 1e-4);
    times.push(r.totalMs);
    session += r.sessionMs;
    total += r.totalMs;
  }
  const ms = median(times);
  return {
    params: countParams(c),
    gflops: (batch * t * flopsPerToken(c, { training: true, seqLen: t })) / (ms / 1000) / 1e9,
    tokensPerSecond: (batch * t) / (ms / 1000),
    stepMs: ms,
    outsideShare: (total - session) / total,
  };
}

/** Decode throughput: new tokens per second sampling `batch` rows of `newTokens` each. */
export async function benchDecode(model: LanguageModel, batch: number, newTokens: number) {
  const prompts = Array.from({ length: batch }, (_, i) => [1, 5 + (i % 50), 9, 17]);
  await sample(model, prompts.slice(0, 1), { maxNewTokens: 4, stopAtEos: false }); // compile + warm-up
  const t0 = performance.now();
  const out = await sample(model, prompts, {
    maxNewTokens: newTokens,
    temperature: 1,
    seed: 1,
    stopAtEos: false,
  });
  const s = (performance.now() - t0) / 1000;
  return out.reduce((a, x) => a + x.tokens.length, 0) / s;
}

/** The toolkit's greedy sampler against transformers.js generate on the same exported model. */
export async function benchAgainstTransformersJs(model: LanguageModel, newTokens: number) {
  const dir = await Deno.makeTempDir();
  try {
    await saveModel(model, `${dir}/m`);
    // Loaded here, not at the top: only this section needs transformers.js, and a bench run
    // elsewhere (a GPU machine with no npm access) can go without it.
    const { AutoModelForCausalLM, env: hfEnv, Tensor: HfTensor } = await import(
      "@huggingface/transformers"
    );
    hfEnv.allowRemoteModels = false;
    hfEnv.localModelPath = `${dir}/`;
    const hf = await AutoModelForCausalLM.from_pretrained("m", { local_files_only: true });
    const ids = [1, 5, 9, 17];
    const input = new HfTensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const opts = { max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false };
    await hf.generate({ input_ids: input, ...opts, max_new_tokens: 4, min_new_tokens: 4 });
    await sample(model, [ids], { temperature: 0, maxNewTokens: 4, stopAtEos: false });
    // Alternate the two, fifteen rounds each, and compare medians: single runs are noisy here.
    await hf.generate({ input_ids: input, ...opts });
    await sample(model, [ids], { temperature: 0, maxNewTokens: newTokens, stopAtEos: false });
    const t: number[] = [], o: number[] = [];
    for (let round = 0; round < 15; round++) {
      let t0 = performance.now();
      await hf.generate({ input_ids: input, ...opts });
      t.push(newTokens / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      await sample(model, [ids], { temperature: 0, maxNewTokens: newTokens, stopAtEos: false });
      o.push(newTokens / ((performance.now() - t0) / 1000));
    }
    const ours = median(o), theirs = median(t);
    return { ours, theirs, ratio: ours / theirs };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Sequences per train step of the Llama benchmark (8 × 256 = 2,048 tokens). */
const LLAMA_BATCH = 8;

/** The 10-30M-parameter Llama of the model benchmark. */
export const BENCH_LLAMA = llamaConfigFromHf({
  model_type: "llama",
  vocab_size: 4096,
  hidden_size: 384,
  intermediate_size: 1024,
  num_hidden_layers: 6,
  num_attention_heads: 6,
  num_key_value_heads: 2,
  max_position_embeddings: 1024,
  tie_word_embeddings: true,
});

/**
 * The engine benchmark's block: one Llama layer at hidden 512 (8 heads of 64, no grouping),
 * MLP 1408, vocabulary 512, the same sizes as the block the engine figure has always measured.
 */
export const BENCH_BLOCK = llamaConfigFromHf({
  model_type: "llama",
  vocab_size: 512,
  hidden_size: 512,
  intermediate_size: 1408,
  num_hidden_layers: 1,
  num_attention_heads: 8,
  num_key_value_heads: 8,
  max_position_embeddings: 1024,
  tie_word_embeddings: true,
});

const COMMAND = {
  name: "bench",
  summary: `Prints benchmark figures, each against a limit measured in the same run, by section:
  engine   GFLOP/s of one large float32 MatMul (the limit), and of the train step of one Llama
           block (hidden 512, seq 128, batch 16) with its ratio to MatMul (goal >= 0.5) and the
           share of the step spent outside the session run (goal < 10%)
  llama    train step of an 11M-parameter Llama at sequence 256 (tokens/s, GFLOP/s, ratio)
  decode   KV-cache decode tokens/s at batch 1 and 32
  sampler  the toolkit's sampler against transformers.js generate on the same exported model
  verify   1,000 MBPP programs through the code sandbox with two workers (programs/s, overhead
           per program against a bare python3 start; needs ../shared/data/code/mbpp.jsonl)
  acquire  candidates/s of every acquisition function on the default student against the
           primitive it is made of, alone in the same run (goal >= 0.8), and the time the five
           reference rewards take to score 48 generated candidates against the time the
           generator takes to write them (goal <= 1, answer variance <= 3)
  grpo     three GRPO steps, medians (after a warm-up step, confidence reward, 12 prompts x 4 samples, up to
           160 new tokens) on the default generator and on the bench Llama's body: seconds per
           stage, sampling tok/s against the plain sampler (goal >= 0.8), train GFLOP/s against
           MatMul (goal >= 0.5), time outside the stages (goal < 10%), peak resident memory
  cuda     the CUDA provider against the CPU provider on the default generator: scores, one GRPO
           policy update and greedy decoding, within float32 tolerance (needs a CUDA GPU and
           onnxruntime-node's CUDA provider library; skipped with a message otherwise)
With --provider cuda every section runs on the GPU; each ratio is still to the same run's MatMul.`,
  flags: {
    only: {
      kind: "string",
      help: `comma-separated sections (${SECTIONS.join(", ")})`,
      default: SECTIONS.join(","),
      value: "SECTIONS",
    },
    threads: THREADS_FLAG,
    provider: {
      kind: "string",
      help: "ONNX Runtime execution provider (one of: cpu, cuda)",
      default: "cpu",
      value: "NAME",
    },
    steps: { kind: "number", help: "timed train steps", default: 10, integer: true, min: 1 },
    json: { kind: "string", help: "also write the figures as JSON to this file", value: "FILE" },
  },
  examples: [
    "deno task bench --only engine --steps 5",
    "deno task bench --only decode,sampler",
    "deno task bench --only cuda,grpo --provider cuda   # on a machine with a CUDA GPU",
  ],
} as const;

if (import.meta.main) {
  const flags = cli(COMMAND);
  const only = new Set(flags.only.split(",").map((x) => x.trim()).filter(Boolean));
  for (const x of only) {
    if (!(SECTIONS as readonly string[]).includes(x)) {
      usageExit(`'--only' takes ${SECTIONS.join(", ")}: current value has '${x}'`);
    }
  }
  if (flags.provider !== "cpu" && flags.provider !== "cuda") {
    usageExit(`'--provider' must be one of cpu, cuda: current value is '${flags.provider}'`);
  }
  const provider = flags.provider as "cpu" | "cuda";
  await runMain(() => runBench(only, flags.threads, flags.steps, flags.json, provider));
}

async function runBench(
  only: Set<string>,
  threads: number,
  steps: number,
  json?: string,
  provider: "cpu" | "cuda" = "cpu",
) {
  const rt = createRuntime({ threads, provider });
  console.log(`provider ${provider}`);
  const figures: Record<string, number> = {};
  // Every ratio is to the MatMul limit of this same run.
  const mm = only.has("engine") || only.has("llama") || only.has("grpo")
    ? await benchMatMul(rt)
    : NaN;
  figures.matmul_gflops = mm;
  if (!Number.isNaN(mm)) console.log(`matmul 2048³ float32           ${mm.toFixed(1)} GFLOP/s`);
  const engineSection = async () => {
    const r = await benchLlamaTrainStep(rt, BENCH_BLOCK, 16, 128, steps);
    figures.block_train_gflops = r.gflops;
    figures.block_train_ratio = r.gflops / mm;
    figures.block_outside_share = r.outsideShare;
    console.log(
      `llama block train step (D512 T128 B16) ${r.gflops.toFixed(1)} GFLOP/s  ratio ${
        (r.gflops / mm).toFixed(2)
      }  ` +
        `step ${r.stepMs.toFixed(0)} ms  outside ${(100 * r.outsideShare).toFixed(1)}%  ${
          r.tokensPerSecond.toFixed(0)
        } tok/s`,
    );
  };
  const llamaSection = async () => {
    const lm = await benchLlamaTrainStep(
      rt,
      BENCH_LLAMA,
      LLAMA_BATCH,
      256,
      Math.max(3, Math.floor(steps / 2)),
    );
    figures.llama_train_gflops = lm.gflops;
    figures.llama_train_ratio = lm.gflops / mm;
    figures.llama_train_tokens_per_s = lm.tokensPerSecond;
    figures.llama_train_outside_share = lm.outsideShare;
    console.log(
      `llama train step (${(lm.params / 1e6).toFixed(1)}M params, T256 B${LLAMA_BATCH}) ${
        lm.gflops.toFixed(1)
      } GFLOP/s  ratio ${(lm.gflops / mm).toFixed(2)}  ` +
        `${lm.tokensPerSecond.toFixed(0)} tok/s  step ${lm.stepMs.toFixed(0)} ms  outside ${
          (100 * lm.outsideShare).toFixed(1)
        }%`,
    );
  };
  const decodeSection = async () => {
    for (const b of [1, 32]) {
      const tps = await benchDecode(model, b, 64);
      figures[`decode_b${b}_tokens_per_s`] = tps;
      console.log(
        `llama decode batch ${b}`.padEnd(32) +
          ` ${tps.toFixed(0)} tok/s (64 new tokens per row, KV cache)`,
      );
    }
  };
  const samplerSection = async () => {
    const vs = await benchAgainstTransformersJs(model, 64);
    figures.sampler_vs_transformersjs = vs.ratio;
    console.log(
      `sampler vs transformers.js       ${vs.ours.toFixed(0)} vs ${
        vs.theirs.toFixed(0)
      } tok/s  ratio ${vs.ratio.toFixed(2)} (greedy, batch 1, same ONNX model)`,
    );
  };
  if (only.has("engine")) await engineSection();
  if (only.has("llama")) await llamaSection();
  const model = createModel(BENCH_LLAMA, initWeights(BENCH_LLAMA, createRng(1)), rt);
  if (only.has("decode")) await decodeSection();
  if (only.has("sampler")) await samplerSection();
  if (only.has("verify")) {
    const mbpp = `${
      (Deno.env.get("ACQSYNTH_SHARED_DATA") ??
        new URL("../../shared/data", import.meta.url).pathname)
        .replace(/\/$/, "")
    }/code/mbpp.jsonl`;
    if (await Deno.stat(mbpp).then(() => true, () => false)) {
      const v = await benchVerify(mbpp, 1000, 2);
      figures.verify_programs_per_s = v.programsPerSecond;
      figures.verify_overhead_ms = v.overheadMs;
      console.log(formatVerify(v));
    } else console.log(`verify: skipped (${mbpp} not found)`);
  }
  if (only.has("acquire")) {
    const a = await benchAcquire(rt, { onLine: console.log });
    for (const f of a.functions) figures[`acquire_${f.name}_ratio`] = f.ratio;
    for (const [name, r] of Object.entries(a.rewardOverGeneration)) {
      figures[`acquire_${name}_over_generation`] = r;
    }
    for (const line of formatAcquire(a)) console.log(line);
  }
  if (only.has("grpo")) {
    for (const f of await benchGrpo(rt, mm, { large: BENCH_LLAMA, onLine: console.log })) {
      const key = f.model === "default generator" ? "grpo_default" : "grpo_large";
      figures[`${key}_step_s`] = f.seconds.step;
      figures[`${key}_sync_s`] = f.seconds.sync;
      figures[`${key}_outside_share`] = f.outsideShare;
      figures[`${key}_sample_ratio`] = f.sampleRatio;
      figures[`${key}_train_ratio`] = f.trainRatio;
      figures[`${key}_peak_rss_mib`] = f.peakRssMiB;
    }
  }
  if (only.has("cuda")) {
    let cuda;
    try {
      cuda = createRuntime({ provider: "cuda" });
      // The build may list CUDA while its provider library or the GPU is missing: compiling a
      // one-node program finds out before the check starts.
      const g = new Graph();
      await compile(cuda, g, {
        c: matMul(g.input("a", "float32", [2, 2]), g.input("b", "float32", [2, 2])),
      });
    } catch (e) {
      cuda = undefined;
      console.log(`cuda: skipped (${(e as Error).message.split("\n")[0]})`);
    }
    if (cuda) {
      const m = await benchCudaMatch(createRuntime({ threads }), cuda);
      figures.cuda_logprob_max_abs = m.scoreMaxAbs.logprob;
      figures.cuda_loss_relative = m.loss.relative;
      figures.cuda_grad_norm_relative = m.gradNorm.relative;
      figures.cuda_update_mismatch = m.updateMismatch;
      figures.cuda_greedy_agreement = m.greedyAgreement;
      figures.cuda_pass = m.pass ? 1 : 0;
      for (const line of formatCudaMatch(m)) console.log(line);
    }
  }
  if (json) await Deno.writeTextFile(json, JSON.stringify(figures, null, 2));
}
