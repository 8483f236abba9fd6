/**
 * The CUDA check: the same computations on the default generator through ONNX Runtime's CPU
 * provider and its CUDA provider, compared. Rollouts are sampled once on the CPU (sampling on
 * two providers would draw different tokens as soon as one probability differs in its last
 * bit), then both providers:
 *
 * - score every rollout (log-probs, entropies, top-1/top-2 margins of every token);
 * - run one GRPO policy update on the same rollouts from the same weights (clipped surrogate,
 *   token aggregation, AdamW): loss, gradient norm, and the weights after the update;
 * - decode greedily from the same prompts (KV cache), where the share of identical tokens is
 *   reported (an argmax can flip where two logits tie within float32 rounding).
 *
 * Tolerances are float32's, scaled to what each figure accumulates: log-probs and entropies
 * within 2e-3 absolute, loss and gradient norm within 1e-3 relative, and each weight's update
 * (after − before) within 1e-2 of the update's own largest magnitude. AdamW's first step moves
 * a weight by about lr·sign(g), so a weight whose gradient is near zero may move either way on
 * the two providers; the figure reported for those is the share of weights whose update agrees.
 *
 * ONNX Runtime's CUDA provider runs float32 MatMuls in TF32 on Ampere and later GPUs unless its
 * `use_tf32` option is off, and onnxruntime-node passes no provider option but the device: for
 * float32 results set `NVIDIA_TF32_OVERRIDE=0` in the environment (cuBLAS and cuDNN then keep
 * float32). The report says which was in force.
 *
 * Run alone with `deno run -A tasks/bench_cuda.ts`, or as the `cuda` section of `deno task bench`.
 */

import { generateTasks } from "../lib/data/mod.ts";
import { DEFAULT_MODEL_DIR, type LanguageModel, loadModel, scoreTokens } from "../lib/model/mod.ts";
import {
  createPolicyTrainer,
  generatorPrompt,
  type PolicySequence,
  policyUpdate,
} from "../lib/rl/mod.ts";
import { cli, runMain, THREADS_FLAG } from "../lib/run/mod.ts";
import { createRuntime, type Runtime } from "../lib/runtime/mod.ts";
import { sample } from "../lib/sample/mod.ts";

/** What {@link benchCudaMatch} measured. */
export interface CudaMatch {
  readonly rollouts: number;
  readonly tokens: number;
  /** Largest |Δ| of a token log-prob, entropy and margin between the providers. */
  readonly scoreMaxAbs: {
    readonly logprob: number;
    readonly entropy: number;
    readonly margin: number;
  };
  readonly loss: { readonly cpu: number; readonly cuda: number; readonly relative: number };
  readonly gradNorm: { readonly cpu: number; readonly cuda: number; readonly relative: number };
  /** max |update_cpu − update_cuda| / max |update_cpu| over every weight. */
  readonly updateMismatch: number;
  /** Share of weights whose update has the same sign on both providers. */
  readonly updateSignAgreement: number;
  /** Share of greedy tokens that agree position by position (until the first difference per row). */
  readonly greedyAgreement: number;
  /** Seconds of the scoring pass and of the policy update on each provider (compiled, warm). */
  readonly seconds: {
    readonly scoreCpu: number;
    readonly scoreCuda: number;
    readonly updateCpu: number;
    readonly updateCuda: number;
  };
  /** Whether every figure is within its tolerance (see the module's comment). */
  readonly pass: boolean;
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** Flat copies of every weight, in the store's order. */
function weights(model: LanguageModel): Float32Array[] {
  return [...model.store.values()].map((t) => Float32Array.from(t.data as Float32Array));
}

/**
 * Compares the CPU and CUDA providers on the default generator (see the module's comment).
 */
export async function benchCudaMatch(
  cpu: Runtime,
  cuda: Runtime,
  options: { models?: string; prompts?: number; group?: number; maxNewTokens?: number } = {},
): Promise<CudaMatch> {
  const { models = DEFAULT_MODEL_DIR, prompts = 12, group = 4, maxNewTokens = 96 } = options;
  const path = `${models.replace(/\/$/, "")}/generator`;
  const [onCpu, onCuda] = await Promise.all([loadModel(path, cpu), loadModel(path, cuda)]);
  const tok = onCpu.tokenizer!;
  const seeds = generateTasks({ family: "arithmetic", count: prompts, seed: 700_001 });
  const prompt = tok.encode(generatorPrompt(seeds[0], "bare", { tokenizer: tok }));
  const rolled = await sample(onCpu, Array.from({ length: prompts }, () => prompt), {
    samplesPerPrompt: group,
    maxNewTokens,
    temperature: 1,
    seed: 3,
  });
  const sequences = rolled.map((s) => [...prompt, ...s.tokens]);
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    await f(); // compiles and warms the programs
    const t0 = performance.now();
    const v = await f();
    return [v, (performance.now() - t0) / 1000];
  };
  const [sc, scoreCpu] = await timed(() => scoreTokens(onCpu, sequences));
  const [sg, scoreCuda] = await timed(() => scoreTokens(onCuda, sequences));
  const scoreMaxAbs = { logprob: 0, entropy: 0, margin: 0 };
  sc.forEach((a, i) => {
    scoreMaxAbs.logprob = Math.max(scoreMaxAbs.logprob, maxAbsDiff(a.logprobs, sg[i].logprobs));
    scoreMaxAbs.entropy = Math.max(scoreMaxAbs.entropy, maxAbsDiff(a.entropies, sg[i].entropies));
    scoreMaxAbs.margin = Math.max(scoreMaxAbs.margin, maxAbsDiff(a.margins, sg[i].margins));
  });
  // Advantages of a fixed pattern with mean zero in each group, as GRPO's would have.
  const seqs: PolicySequence[] = rolled.map((s, i) => ({
    prompt,
    completion: s.tokens,
    oldLogprobs: sc[i].logprobs.slice(prompt.length - 1),
    advantage: ((i % group) - (group - 1) / 2) / group,
  })).filter((s) => s.completion.length > 0);
  const update = {
    lr: 1e-3,
    clipLow: 0.2,
    clipHigh: 0.28,
    aggregation: "token" as const,
    maxNewTokens,
  };
  const before = weights(onCpu);
  const results = [];
  for (const model of [onCpu, onCuda]) {
    const trainer = await createPolicyTrainer(model);
    const t0 = performance.now();
    const r = await policyUpdate(trainer, seqs, update);
    results.push({ r, seconds: (performance.now() - t0) / 1000, after: weights(model) });
  }
  const [c, g] = results;
  let mismatch = 0, largest = 0, agree = 0, total = 0;
  before.forEach((w0, k) => {
    for (let i = 0; i < w0.length; i++) {
      const uc = c.after[k][i] - w0[i], ug = g.after[k][i] - w0[i];
      mismatch = Math.max(mismatch, Math.abs(uc - ug));
      largest = Math.max(largest, Math.abs(uc));
      if (Math.sign(uc) === Math.sign(ug)) agree++;
      total++;
    }
  });
  // Greedy decoding from fresh weights on both providers.
  const [gCpu, gCuda] = await Promise.all([
    loadModel(path, cpu),
    loadModel(path, cuda),
  ]);
  const greedyPrompts = Array.from({ length: 8 }, () => prompt);
  const greedy = { temperature: 0, maxNewTokens: 64, stopAtEos: false, seed: 0 };
  const [dc, dg] = [
    await sample(gCpu, greedyPrompts, greedy),
    await sample(gCuda, greedyPrompts, greedy),
  ];
  let same = 0, positions = 0;
  dc.forEach((s, i) => {
    positions += s.tokens.length;
    const k = s.tokens.findIndex((t, j) => t !== dg[i].tokens[j]);
    same += k === -1 ? s.tokens.length : k;
  });
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
  const out = {
    rollouts: seqs.length,
    tokens: seqs.reduce((a, s) => a + s.completion.length, 0),
    scoreMaxAbs,
    loss: { cpu: c.r.loss, cuda: g.r.loss, relative: rel(c.r.loss, g.r.loss) },
    gradNorm: { cpu: c.r.gradNorm, cuda: g.r.gradNorm, relative: rel(c.r.gradNorm, g.r.gradNorm) },
    updateMismatch: mismatch / largest,
    updateSignAgreement: agree / total,
    greedyAgreement: same / positions,
    seconds: { scoreCpu, scoreCuda, updateCpu: c.seconds, updateCuda: g.seconds },
  };
  const pass = scoreMaxAbs.logprob <= 2e-3 && scoreMaxAbs.entropy <= 2e-3 &&
    scoreMaxAbs.margin <= 2e-3 && out.loss.relative <= 1e-3 && out.gradNorm.relative <= 1e-3;
  return { ...out, pass };
}

/** The printed lines of {@link benchCudaMatch}'s figures. */
export function formatCudaMatch(m: CudaMatch): string[] {
  const e = (x: number) => x.toExponential(1);
  return [
    `cuda vs cpu: ${m.rollouts} rollouts, ${m.tokens} completion tokens of the default generator`,
    `cuda vs cpu: scores max |diff| logprob ${e(m.scoreMaxAbs.logprob)}, entropy ${
      e(m.scoreMaxAbs.entropy)
    }, margin ${e(m.scoreMaxAbs.margin)} (tolerance 2e-3)`,
    `cuda vs cpu: policy update loss ${m.loss.cpu.toFixed(6)} vs ${m.loss.cuda.toFixed(6)} (rel ${
      e(m.loss.relative)
    }), grad norm ${m.gradNorm.cpu.toFixed(5)} vs ${m.gradNorm.cuda.toFixed(5)} (rel ${
      e(m.gradNorm.relative)
    }) (tolerance 1e-3)`,
    `cuda vs cpu: weight updates max |diff| ${e(m.updateMismatch)} of the largest update; ${
      (100 * m.updateSignAgreement).toFixed(3)
    }% of weights moved the same way`,
    `cuda vs cpu: greedy decoding ${(100 * m.greedyAgreement).toFixed(1)}% of tokens identical`,
    `cuda vs cpu: seconds score (warm) ${m.seconds.scoreCpu.toFixed(3)} vs ${
      m.seconds.scoreCuda.toFixed(3)
    }, first update ${m.seconds.updateCpu.toFixed(3)} vs ${m.seconds.updateCuda.toFixed(3)}`,
    `cuda vs cpu: TF32 ${
      Deno.env.get("NVIDIA_TF32_OVERRIDE") === "0"
        ? "off (NVIDIA_TF32_OVERRIDE=0)"
        : "as the provider chooses (on for Ampere and later; NVIDIA_TF32_OVERRIDE=0 turns it off)"
    }`,
    `cuda vs cpu: ${m.pass ? "match within float32 tolerance" : "MISMATCH beyond tolerance"}`,
  ];
}

if (import.meta.main) {
  const flags = cli({
    name: "bench-cuda",
    summary:
      "Compares ONNX Runtime's CUDA provider with its CPU provider on the default generator: scores, one GRPO policy update (loss, gradient norm, weight updates) and greedy decoding. Needs onnxruntime-node with its CUDA provider library and a CUDA GPU.",
    flags: { threads: THREADS_FLAG },
    examples: ["deno run -A tasks/bench_cuda.ts"],
  });
  await runMain(async () => {
    const m = await benchCudaMatch(
      createRuntime({ threads: flags.threads }),
      createRuntime({ provider: "cuda" }),
    );
    for (const line of formatCudaMatch(m)) console.log(line);
    if (!m.pass) Deno.exit(1);
  });
}
