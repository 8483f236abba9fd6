/**
 * The GRPO benchmark: three GRPO steps (after an untimed warm-up step, which compiles every
 * program) of `trainGenerator` with one acquisition reward, on the default generator and student,
 * and on the bench Llama's body (6 layers, hidden 384, random weights) with the generator's
 * tokenizer. Every figure is the median over the three timed steps (as the MatMul reference is
 * a median of its runs): one step alone swings with whatever else the shared cores do. Per
 * model it prints:
 *
 * - seconds per stage (sample, score, train, and sync: rebuilding the sampler's decoder with the
 *   updated weights, as RL trainers report their weight sync) and the step's wall time, taken
 *   from the return of one `onStep` call to the next call, so everything the loop does between
 *   stages counts;
 * - the share of the step outside the four stages (goal < 10%);
 * - sampling tokens/s against the plain sampler decoding the same prompts at the same batch
 *   (B·G rows, the same maximum of new tokens, no stop) after each timed step, on that step's
 *   weights, median of the three (goal ≥ 0.8);
 * - the train stage's GFLOP/s (real prompt and completion tokens × `flopsPerToken` of a
 *   training step at each sequence's length; padding not counted) against ONNX Runtime's
 *   MatMul GFLOP/s measured in the same run (goal ≥ 0.5);
 * - peak resident memory: `Deno.memoryUsage().rss` sampled every 20 ms during the model's run,
 *   and the process's high-water mark (VmHWM) after it.
 *
 * Run alone with `deno run -A tasks/bench_grpo.ts`, or as the `grpo` section of `deno task bench`.
 */

import {
  ACQUISITION_FUNCTIONS,
  createAcquireContext,
  hashedNgramEmbedder,
} from "../lib/acquire/mod.ts";
import { generateTasks, type TaskRecord } from "../lib/data/mod.ts";
import {
  createModel,
  DEFAULT_MODEL_DIR,
  flopsPerToken,
  initWeights,
  type LanguageModel,
  type LlamaConfig,
  llamaConfigFromHf,
  loadModel,
} from "../lib/model/mod.ts";
import {
  generatorPrompt,
  type GrpoStepMetrics,
  trainGenerator,
  validateGrpoConfig,
} from "../lib/rl/mod.ts";
import { cli, createRng, runMain, THREADS_FLAG } from "../lib/run/mod.ts";
import { createRuntime, type Runtime } from "../lib/runtime/mod.ts";
import { prepareDecoder, sample } from "../lib/sample/mod.ts";

/** What one model's GRPO step measured. */
export interface GrpoBenchFigures {
  readonly model: string;
  readonly params: number;
  /**
   * The timed step's stages and wall time (s); `sync`: rebuilding the sampler's decoder with the
   * updated weights, after the update.
   */
  readonly seconds: { sample: number; score: number; train: number; sync: number; step: number };
  /** Seconds of the train stage inside ONNX Runtime's runs (the rest is host work). */
  readonly trainSessionSeconds: number | null;
  /** (step − sample − score − train − sync) / step (goal < 10%). */
  readonly outsideShare: number;
  readonly completionTokens: number;
  readonly sampleTokensPerSecond: number;
  /** The plain sampler on the same prompts and batch, no stop, in the same run. */
  readonly plainTokensPerSecond: number;
  /** sampleTokensPerSecond / plainTokensPerSecond (goal ≥ 0.8). */
  readonly sampleRatio: number;
  readonly trainGflops: number;
  readonly matmulGflops: number;
  /** trainGflops / matmulGflops (goal ≥ 0.5). */
  readonly trainRatio: number;
  /** Largest sampled RSS during this model's run, MiB. */
  readonly peakRssMiB: number;
  /** The process's resident high-water mark after this model's run, MiB (null off Linux). */
  readonly hwmMiB: number | null;
  readonly parseRate: number;
}

/** Options of {@link benchGrpo}. */
export interface GrpoBenchOptions {
  /** Folder with generator/ and student/. @default DEFAULT_MODEL_DIR */
  readonly models?: string;
  /** The larger model's config; its vocabulary is replaced by the generator tokenizer's. */
  readonly large?: LlamaConfig;
  /** The acquisition function rewarded (weight 1). @default "confidence" */
  readonly reward?: string;
  /** Prompts per step. @default 12 */
  readonly prompts?: number;
  /** Samples per prompt. @default 4 */
  readonly group?: number;
  /** @default 160 */
  readonly maxNewTokens?: number;
  /** Called with each printed line as it is ready. */
  readonly onLine?: (line: string) => void;
}

/** The process's VmHWM in MiB, or null where /proc is not there. */
async function highWaterMiB(): Promise<number | null> {
  try {
    const m = (await Deno.readTextFile("/proc/self/status")).match(/^VmHWM:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs `f` while sampling RSS every 20 ms; returns its result and the largest RSS (MiB). */
async function withPeakRss<T>(f: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  try {
    const value = await f();
    peak = Math.max(peak, Deno.memoryUsage().rss);
    return { value, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** One model's warm-up step, timed step and plain-sampler run. */
async function benchModel(
  label: string,
  generator: LanguageModel,
  student: LanguageModel,
  seeds: readonly TaskRecord[],
  matmulGflops: number,
  o: Required<Omit<GrpoBenchOptions, "onLine" | "large" | "models">>,
): Promise<GrpoBenchFigures> {
  const config = validateGrpoConfig({
    steps: 1 + TIMED_STEPS,
    // Every "bare" prompt is the same few tokens, so the trained sequences' lengths are known
    // from the completions' (see trainFlops).
    template: "bare",
    promptsPerStep: o.prompts,
    groupSize: o.group,
    maxNewTokens: o.maxNewTokens,
  });
  const acquire = createAcquireContext(student, seeds, {
    rng: createRng(1).split("acquire"),
    embedder: hashedNgramEmbedder(),
  });
  const dir = await Deno.makeTempDir({ prefix: "bench-grpo-" });
  try {
    const { value, peakMiB } = await withPeakRss(async () => {
      const ends: number[] = [], resumes: number[] = [];
      const metrics: GrpoStepMetrics[] = [];
      // The plain sampler on the step's prompts (same batch, same length, no stop) runs after
      // every step, on the step's weights, so that both see the same spells of the shared cores.
      // It runs on a twin of the generator (the same tensors), whose decoder it builds untimed:
      // the next step still builds its own, as training does after every update.
      const prompts = seeds.slice(0, o.prompts).map((s) => promptTokens(generator, s));
      const plainRates: number[] = [];
      const plainOptions = {
        samplesPerPrompt: o.group,
        maxNewTokens: o.maxNewTokens,
        temperature: 1,
        stopAtEos: false,
      };
      await trainGenerator({
        generator,
        seeds,
        rewards: { functions: { [o.reward]: 1 }, gates: ["parse"] },
        context: { acquire, functions: ACQUISITION_FUNCTIONS },
        config,
        dir,
        seed: 1,
        progress: false,
        signals: [],
        onStep: async (m) => {
          const end = performance.now();
          metrics.push(m);
          if (metrics.length > 1) {
            const twin = createModel(
              generator.config,
              new Map(generator.store),
              generator.runtime,
              generator.tokenizer,
            );
            await prepareDecoder(twin, prompts.length * o.group);
            const t0 = performance.now();
            const plain = await sample(twin, prompts, { ...plainOptions, seed: metrics.length });
            const seconds = (performance.now() - t0) / 1000;
            plainRates.push(plain.reduce((a, s) => a + s.tokens.length, 0) / seconds);
          }
          // A step's own time runs from this callback's return to the next one's call.
          ends.push(end);
          resumes.push(performance.now());
        },
      });
      return {
        timed: metrics.slice(1).map((m, i) => ({ m, step: (ends[i + 1] - resumes[i]) / 1000 })),
        plainTokensPerSecond: median(plainRates),
      };
    });
    const { timed, plainTokensPerSecond } = value;
    const promptLength = promptTokens(generator, seeds[0]).length;
    const per = timed.map(({ m, step }) => {
      const completionTokens = m.completionLength.mean * o.prompts * o.group;
      const s = m.seconds;
      return {
        ...s,
        step,
        completionTokens,
        trainSession: s.trainSession ?? NaN,
        sync: s.sync ?? 0,
        outside: (step - s.sample - s.score - s.train - (s.sync ?? 0)) / step,
        sampleTokensPerSecond: completionTokens / s.sample,
        trainGflops: trainFlops(generator, m, promptLength, o.group) / s.train / 1e9,
        parseRate: m.parseRate,
      };
    });
    const mid = (key: keyof (typeof per)[number]) => median(per.map((p) => p[key]));
    const trainGflops = mid("trainGflops");
    const sampleTokensPerSecond = mid("sampleTokensPerSecond");
    const trainSession = mid("trainSession");
    return {
      model: label,
      params: [...generator.store.values()].reduce((a, t) => a + t.data.length, 0),
      seconds: {
        sample: mid("sample"),
        score: mid("score"),
        train: mid("train"),
        sync: mid("sync"),
        step: mid("step"),
      },
      trainSessionSeconds: Number.isNaN(trainSession) ? null : trainSession,
      outsideShare: mid("outside"),
      completionTokens: Math.round(mid("completionTokens")),
      sampleTokensPerSecond,
      plainTokensPerSecond,
      sampleRatio: sampleTokensPerSecond / plainTokensPerSecond,
      trainGflops,
      matmulGflops,
      trainRatio: trainGflops / matmulGflops,
      peakRssMiB: peakMiB,
      hwmMiB: await highWaterMiB(),
      parseRate: mid("parseRate"),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** GRPO steps timed after the warm-up step; each figure is their median. */
const TIMED_STEPS = 3;

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The "bare" generator prompt's tokens (the same for every seed). */
function promptTokens(generator: LanguageModel, seed: TaskRecord): number[] {
  const tok = generator.tokenizer!;
  return tok.encode(generatorPrompt(seed, "bare", { tokenizer: tok }));
}

/**
 * FLOPs of the step's policy update: every trained sequence (prompt + completion, no padding)
 * through a training step. The attention term is counted at the mean sequence length, which
 * gives a lower bound (Σ L² ≥ (Σ L)² / n), so the GFLOP/s figure never flatters.
 */
function trainFlops(
  generator: LanguageModel,
  m: GrpoStepMetrics,
  promptLength: number,
  group: number,
): number {
  const sequences = (m.groups?.trained ?? 0) * group;
  const sampled = (m.groups?.sampled ?? 0) * group;
  if (sequences === 0) return 0;
  // Without dynamic sampling every sampled rollout is trained (a null reward would drop one;
  // the bench's reward config has none: failed gates score 0).
  const completion = m.completionLength.mean * sampled / sequences;
  const mean = promptLength + completion;
  // FLOPs per token are linear in the sequence length: interpolate between whole lengths.
  const at = (t: number) => flopsPerToken(generator.config, { training: true, seqLen: t });
  const lo = Math.max(1, Math.floor(mean));
  return sequences * mean * (at(lo) + (mean - lo) * (at(lo + 1) - at(lo)));
}

/** The larger model: `large`'s body with the generator's vocabulary, random weights. */
function largeModel(large: LlamaConfig, generator: LanguageModel, rt: Runtime): LanguageModel {
  const c = llamaConfigFromHf({
    model_type: "llama",
    vocab_size: generator.config.vocabSize,
    hidden_size: large.hiddenSize,
    intermediate_size: large.intermediateSize,
    num_hidden_layers: large.numHiddenLayers,
    num_attention_heads: large.numAttentionHeads,
    num_key_value_heads: large.numKeyValueHeads,
    max_position_embeddings: large.maxPositionEmbeddings,
    tie_word_embeddings: large.tieWordEmbeddings,
    bos_token_id: generator.config.bosTokenId,
    eos_token_id: generator.config.eosTokenId,
  });
  return createModel(c, initWeights(c, createRng(1)), rt, generator.tokenizer);
}

/**
 * Three GRPO steps (medians) on the default generator and on the larger model, each after a warm-up step;
 * `matmulGflops` is the same run's MatMul limit.
 */
export async function benchGrpo(
  rt: Runtime,
  matmulGflops: number,
  options: GrpoBenchOptions = {},
): Promise<GrpoBenchFigures[]> {
  const {
    models = DEFAULT_MODEL_DIR,
    large,
    reward = "confidence",
    prompts = 12,
    group = 4,
    maxNewTokens = 160,
    onLine,
  } = options;
  if (!Object.hasOwn(ACQUISITION_FUNCTIONS, reward)) {
    throw new RangeError(
      `Cannot bench GRPO: 'reward' must be one of ${
        Object.keys(ACQUISITION_FUNCTIONS).join(", ")
      }: current value is '${reward}'`,
    );
  }
  const dir = models.replace(/\/$/, "");
  const [generator, student] = await Promise.all([
    loadModel(`${dir}/generator`, rt),
    loadModel(`${dir}/student`, rt),
  ]);
  const seeds = (["arithmetic", "choice", "code"] as const).flatMap((family, i) =>
    generateTasks({ family, count: 16, seed: 700_001 + i })
  );
  const o = { reward, prompts, group, maxNewTokens };
  const out: GrpoBenchFigures[] = [];
  const runs: [string, () => LanguageModel][] = [["default generator", () => generator]];
  if (large) runs.push(["bench llama body", () => largeModel(large, generator, rt)]);
  for (const [label, make] of runs) {
    const f = await benchModel(label, make(), student, seeds, matmulGflops, o);
    out.push(f);
    for (const line of formatGrpo(f)) onLine?.(line);
  }
  return out;
}

/** The printed lines of one model's figures. */
export function formatGrpo(f: GrpoBenchFigures): string[] {
  const s = f.seconds;
  const name = `grpo ${f.model} (${(f.params / 1e6).toFixed(1)}M)`;
  return [
    `${name}: step ${s.step.toFixed(2)} s = sample ${s.sample.toFixed(2)} + score ${
      s.score.toFixed(2)
    } + train ${s.train.toFixed(2)} + sync ${s.sync.toFixed(2)} + outside ${
      (100 * f.outsideShare).toFixed(1)
    }% (goal < 10%); parse ${(100 * f.parseRate).toFixed(0)}%`,
    `${name}: sampling ${
      f.sampleTokensPerSecond.toFixed(0)
    } tok/s (${f.completionTokens} tokens) vs plain sampler ${
      f.plainTokensPerSecond.toFixed(0)
    } tok/s, ratio ${f.sampleRatio.toFixed(2)} (goal >= 0.8)`,
    `${name}: train ${f.trainGflops.toFixed(1)} GFLOP/s vs MatMul ${
      f.matmulGflops.toFixed(1)
    }, ratio ${f.trainRatio.toFixed(2)} (goal >= 0.5)${
      f.trainSessionSeconds === null
        ? ""
        : `; ${f.trainSessionSeconds.toFixed(2)} of its ${s.train.toFixed(2)} s inside ONNX Runtime`
    }`,
    `${name}: peak RSS ${f.peakRssMiB.toFixed(0)} MiB sampled${
      f.hwmMiB === null ? "" : `, process high-water mark ${f.hwmMiB.toFixed(0)} MiB`
    }`,
  ];
}

if (import.meta.main) {
  const flags = cli({
    name: "bench-grpo",
    summary:
      "Three GRPO steps, medians (after a warm-up step), on the default generator and on the bench Llama's body: seconds per stage, sampling tokens/s against the plain sampler, train GFLOP/s against MatMul, time outside the stages, peak memory.",
    flags: {
      reward: {
        kind: "string",
        default: "confidence",
        value: "NAME",
        help: "the acquisition function rewarded",
      },
      threads: THREADS_FLAG,
      "default-only": { kind: "boolean", help: "skip the larger model" },
    },
    examples: ["deno run -A tasks/bench_grpo.ts --reward confidence"],
  });
  await runMain(async () => {
    const { benchMatMul, BENCH_LLAMA } = await import("./bench.ts");
    const rt = createRuntime({ threads: flags.threads });
    const mm = await benchMatMul(rt);
    console.log(`matmul 2048³ float32 ${mm.toFixed(1)} GFLOP/s`);
    await benchGrpo(rt, mm, {
      reward: flags.reward,
      large: flags["default-only"] ? undefined : BENCH_LLAMA,
      onLine: console.log,
    });
  });
}
