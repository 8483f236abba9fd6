/**
 * The "synthesise" stage: the (trained) generator writes samples from prompts that cycle over the
 * seed set in a seeded order, each read back as a task, passed through the gates and the
 * near-duplicate filter (against the seed questions and the samples already accepted), until
 * `count` are accepted or `maxAttempts × count` were drawn. Every rejection is counted by reason.
 *
 * @module
 */

import { ACQUISITION_FUNCTIONS, type Candidate } from "../acquire/mod.ts";
import { questionText, type TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import {
  createDedupState,
  duplicateGate,
  type GateName,
  GATES,
  type GateVerdict,
  type ShapeContext,
} from "../reward/mod.ts";
import { sampleGroups } from "../rl/mod.ts";
import { createRng } from "../run/mod.ts";
import type { ResolvedSynthConfig } from "./config.ts";

/** Options of {@link synthesise}. */
export interface SynthesisOptions {
  /** Writes the samples (sampled only, never changed). */
  readonly generator: LanguageModel;
  /** Not used by synthesis itself; kept so one options object serves synthesis and labelling. */
  readonly student?: LanguageModel;
  /** The prompts cycle over these, in a seeded order; their questions seed the duplicate filter. */
  readonly seeds: readonly TaskRecord[];
  readonly config: ResolvedSynthConfig;
  /** Seed of the prompt order and the sampling. */
  readonly seed: number;
  /**
   * The acquisition context (`context.acquire`) for `scoreWith`, and the sandbox for the code
   * gate (`context.sandbox`, else the acquisition context's). @default {}
   */
  readonly context?: ShapeContext;
  /** Called after each batch with the samples accepted so far and `count`. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One accepted sample. */
export interface SynthSample {
  /** The generated text, read back from `<question>` on. */
  readonly text: string;
  /** The task it reads as (the generator's own answer). */
  readonly record: TaskRecord;
  /** Each `scoreWith` function's score (null: does not apply). */
  readonly scores: Record<string, number | null>;
  /** The id of the seed record the prompt was built from. */
  readonly promptSeed: string;
}

/** What {@link synthesise} produced. */
export interface SynthesisResult {
  /** The accepted samples, in the order they were drawn (at most `count`). */
  readonly samples: SynthSample[];
  /** Samples drawn and examined. */
  readonly attempts: number;
  /**
   * Rejected samples by reason: `parse` (not a well-formed task), a gate's name (the first gate
   * it failed), `duplicate` (a near duplicate of a seed or an accepted sample).
   */
  readonly rejected: Record<string, number>;
}

/** The gates that judge a batch, in the order they run (parse first, duplicate apart). */
function batchGates(config: ResolvedSynthConfig): Exclude<GateName, "duplicate">[] {
  const rest = config.gates.filter((g): g is Exclude<GateName, "duplicate" | "parse"> =>
    g !== "duplicate" && g !== "parse"
  );
  return ["parse", ...rest];
}

/**
 * The first gate each candidate fails, or null where it passes them all (an `unverifiable`
 * verdict counts as the config says).
 */
async function firstFailures(
  candidates: readonly Candidate[],
  config: ResolvedSynthConfig,
  context: ShapeContext,
): Promise<(string | null)[]> {
  const env = {
    sandbox: context.sandbox ?? context.acquire?.sandbox,
    allowWeakIsolation: config.allowWeakIsolation,
  };
  const failed: (string | null)[] = candidates.map(() => null);
  for (const gate of batchGates(config)) {
    const open = candidates.flatMap((_, i) => (failed[i] === null ? [i] : []));
    if (open.length === 0) break;
    const verdicts: GateVerdict[] = await GATES[gate](open.map((i) => candidates[i]), env);
    verdicts.forEach((v, k) => {
      if (v === "fail" || (v === "unverifiable" && config.unverifiable === "fail")) {
        failed[open[k]] = gate;
      }
    });
  }
  return failed;
}

/**
 * Lets the generator write samples until `config.count` pass the gates and the near-duplicate
 * filter, or `config.maxAttempts × config.count` were drawn. Prompts are built with
 * `config.template` from the seeds in a seeded order (cycling); samples are drawn
 * `config.batchSize` at a time, stopped where `taskStops` says (kept), and read back with
 * `candidateFromText`. Accepted samples are scored with each `config.scoreWith` function.
 *
 * @example Eight samples of the default generator, gated and deduplicated
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks } from "../data/mod.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { synthesise, validateSynthConfig } from "./mod.ts";
 * const generator = await loadModel("data/models/generator", createRuntime({ threads: 1 }));
 * const seeds = generateTasks({ family: "arithmetic", count: 4, seed: 1 });
 * const config = validateSynthConfig({ count: 8, maxAttempts: 3, maxNewTokens: 96 });
 * const r = await synthesise({ generator, seeds, config, seed: 1 });
 * const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
 * assert.equal(r.samples.length + rejected, r.attempts);
 * assert.ok(r.samples.every((s) => s.record.question.length > 0));
 * ```
 */
export async function synthesise(o: SynthesisOptions): Promise<SynthesisResult> {
  const { generator, seeds, config, seed, context = {}, onProgress } = o;
  if (seeds.length === 0) {
    throw new RangeError(
      "Cannot synthesise: 'seeds' must hold at least one task record: current length is 0",
    );
  }
  const table = context.functions ?? ACQUISITION_FUNCTIONS;
  for (const name of config.scoreWith) {
    if (!Object.hasOwn(table, name)) {
      throw new RangeError(
        `Cannot synthesise: 'scoreWith' names an unknown function: current value is '${name}'`,
      );
    }
  }
  if (config.scoreWith.length > 0 && !context.acquire) {
    throw new TypeError(
      `Cannot synthesise: scoring ${
        config.scoreWith.join(", ")
      } needs 'context.acquire': current value is undefined`,
    );
  }
  const rng = createRng(seed);
  const order = rng.split("prompt order").shuffle(seeds.map((_, i) => i));
  const dedup = context.dedup ?? createDedupState(seeds.map((s) => questionText(s)));
  const rejected: Record<string, number> = Object.fromEntries(
    [...batchGates(config), "duplicate"].map((g) => [g, 0]),
  );
  const budget = Math.floor(config.maxAttempts * config.count);
  const samples: SynthSample[] = [];
  let attempts = 0, next = 0;
  for (let batch = 0; samples.length < config.count && attempts < budget; batch++) {
    const n = Math.min(config.batchSize, budget - attempts);
    const prompts = Array.from({ length: n }, () => seeds[order[next++ % order.length]]);
    const rollouts = await sampleGroups(generator, prompts, {
      template: config.template,
      groupSize: 1,
      maxNewTokens: config.maxNewTokens,
      temperature: config.temperature,
      topP: config.topP,
      seed: rng.split(`batch ${batch}`).int(0, 2 ** 31 - 1),
      domain: config.domain,
    });
    const candidates = rollouts.map((r) => r.candidate);
    const failed = await firstFailures(candidates, config, context);
    const accepted: number[] = [];
    // In order: a sample is compared against those accepted before it, and drawing stops at count.
    for (let i = 0; i < candidates.length && samples.length + accepted.length < config.count; i++) {
      attempts++;
      let reason = failed[i];
      if (reason === null) {
        const v = duplicateGate(candidates[i], dedup, config.dedupThreshold, true);
        if (v === "fail") reason = "duplicate";
      }
      if (reason === null) accepted.push(i);
      else rejected[reason] = (rejected[reason] ?? 0) + 1;
    }
    const scores: Record<string, number | null>[] = accepted.map(() => ({}));
    for (const name of config.scoreWith) {
      const got = await table[name].score(accepted.map((i) => candidates[i]), context.acquire!);
      got.forEach((s, k) => (scores[k][name] = s));
    }
    accepted.forEach((i, k) =>
      samples.push({
        text: candidates[i].text,
        record: candidates[i].record!,
        scores: scores[k],
        promptSeed: rollouts[i].seed.id,
      })
    );
    onProgress?.(samples.length, config.count);
  }
  return { samples, attempts, rejected };
}
