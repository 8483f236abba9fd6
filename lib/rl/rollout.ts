/**
 * Rollouts: B prompts (each built from a seed task) × G samples, read back as candidate tasks,
 * and scored with the reward shaper so that each prompt's group is normalised together.
 *
 * @module
 */

import {
  type Candidate,
  type CandidateDomain,
  candidateFromText,
  taskStops,
} from "../acquire/mod.ts";
import type { TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import {
  type RewardConfig,
  type ShapeContext,
  type ShapedReward,
  shapeRewards,
} from "../reward/mod.ts";
import { type Sample, sample } from "../sample/mod.ts";
import { type OverlongPenalty, overlongPenalty } from "./advantages.ts";
import { completionTaskText, generatorPrompt, type GeneratorTemplate } from "./prompt.ts";

/** One sampled completion with what it was written from and what it reads as. */
export interface Rollout {
  /** Its group: the prompt it answers (unique within a step). */
  readonly group: number;
  /** The seed task the prompt was built from. */
  readonly seed: TaskRecord;
  /** Prompt token ids (BOS included). */
  readonly prompt: readonly number[];
  readonly sample: Sample;
  /** The completion read back as a task (`record` null where it does not parse). */
  readonly candidate: Candidate;
}

/** Options of {@link sampleGroups}. */
export interface SampleGroupsOptions {
  readonly template: GeneratorTemplate;
  /** G. */
  readonly groupSize: number;
  /** Longest completion; cut to what the longest prompt leaves of the context. */
  readonly maxNewTokens: number;
  /** @default 1 */
  readonly temperature?: number;
  /** @default 1 */
  readonly topP?: number;
  /** Seed of the sampling. */
  readonly seed: number;
  /** How texts are read back. @default "guess" */
  readonly domain?: CandidateDomain;
  /** Group number of the first prompt (the rest follow). @default 0 */
  readonly firstGroup?: number;
}

/**
 * Samples G completions from each seed's prompt (stopping as `taskStops` says, kept, or at EOS) and
 * reads each back as a candidate task.
 *
 * @example Two prompts × two samples from the default generator
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks } from "../data/mod.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { sampleGroups } from "./rollout.ts";
 * const generator = await loadModel("data/models/generator", createRuntime({ threads: 1 }));
 * const seeds = generateTasks({ family: "arithmetic", count: 2, seed: 1 });
 * const r = await sampleGroups(generator, seeds, { template: "bare", groupSize: 2, maxNewTokens: 96, seed: 3 });
 * assert.deepEqual(r.map((x) => x.group), [0, 0, 1, 1]);
 * assert.ok(r.every((x) => x.candidate.text.startsWith("<question>")));
 * ```
 */
export async function sampleGroups(
  generator: LanguageModel,
  seeds: readonly TaskRecord[],
  options: SampleGroupsOptions,
): Promise<Rollout[]> {
  const { template, groupSize, temperature = 1, topP = 1, seed, domain = "guess", firstGroup = 0 } =
    options;
  const tok = generator.tokenizer;
  if (!tok) throw new Error("Cannot sample rollouts: the generator has no tokenizer");
  if (seeds.length === 0) return [];
  const prompts = seeds.map((s) => tok.encode(generatorPrompt(s, template, { tokenizer: tok })));
  const longest = Math.max(...prompts.map((p) => p.length));
  const room = generator.config.maxPositionEmbeddings - longest;
  if (room < 1) {
    throw new RangeError(
      `Cannot sample rollouts: a '${template}' prompt has ${longest} tokens, which leaves no room in the generator's context of ${generator.config.maxPositionEmbeddings} (use a shorter template)`,
    );
  }
  const samples = await sample(generator, prompts, {
    samplesPerPrompt: groupSize,
    maxNewTokens: Math.min(options.maxNewTokens, room),
    temperature,
    topP,
    seed,
    stop: taskStops(domain),
    keepStop: true,
  });
  return samples.map((s) => ({
    group: firstGroup + s.prompt,
    seed: seeds[s.prompt],
    prompt: prompts[s.prompt],
    sample: s,
    candidate: candidateFromText(completionTaskText(s.text, template), domain),
  }));
}

/** What scoring reads of a rollout. */
export interface ScoredInput {
  readonly group: number;
  readonly candidate: Candidate;
  readonly sample: { readonly tokens: readonly number[] };
}

/** The rewards of a batch of rollouts. */
export interface ScoredRollouts {
  /** The shaper's output, one per rollout. */
  readonly shaped: ShapedReward[];
  /** Final rewards (the shaped reward plus any overlong penalty); null: leave the rollout out. */
  readonly rewards: (number | null)[];
}

/**
 * Scores rollouts with the reward shaper (groups passed, so per-group normalisation works), then
 * adds DAPO's soft overlong penalty when one is given.
 *
 * @example The format bonus of two rollouts' texts
 * ```ts
 * import assert from "node:assert/strict";
 * import { scoreRollouts } from "./rollout.ts";
 * const ok = "<question>1+1?</question>\n<reasoning>1+1=2</reasoning>\n<answer>2</answer>";
 * const fake = (text: string, n: number) => ({ group: 0, candidate: { text, record: null },
 *   sample: { tokens: new Array(n).fill(5) } });
 * const r = await scoreRollouts([fake(ok, 10), fake("<question>1", 100)], {}, { gates: [] }, {
 *   maxNewTokens: 100, overlong: { length: 20, penalty: 1 } });
 * assert.deepEqual(r.rewards, [0.75, r.shaped[1].reward! - 1]);
 * ```
 */
export async function scoreRollouts(
  rollouts: readonly ScoredInput[],
  context: ShapeContext,
  rewards: RewardConfig,
  options: { maxNewTokens: number; overlong?: OverlongPenalty | null },
): Promise<ScoredRollouts> {
  const { maxNewTokens, overlong = null } = options;
  const shaped = await shapeRewards(
    rollouts.map((r) => r.candidate),
    { ...context, groups: rollouts.map((r) => r.group) },
    rewards,
  );
  return {
    shaped,
    rewards: shaped.map((s, i) =>
      s.reward === null || !overlong
        ? s.reward
        : s.reward + overlongPenalty(rollouts[i].sample.tokens.length, maxNewTokens, overlong)
    ),
  };
}
