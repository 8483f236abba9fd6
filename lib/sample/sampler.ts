/**
 * Batched sampling with a KV cache: B prompts × G samples each (GRPO groups), ragged prompts
 * left-padded, temperature / top-k / top-p, stop strings, EOS, a seeded generator per row so a
 * run repeats exactly; returns token ids, text and per-token log-probs.
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/mod.ts";
import { cacheNames, decodeProgram, type LanguageModel, weightFeeds } from "../model/mod.ts";
import { type Program, runProgram } from "../runtime/mod.ts";
import { checkChooseOptions, type ChooseOptions, chooseToken } from "./choose.ts";
import { createRng, type Rng } from "../run/mod.ts";
import { checkStop } from "./stop.ts";

/** Options of {@link sample}. */
export interface SampleOptions extends ChooseOptions {
  /** G: samples per prompt. @default 1 */
  readonly samplesPerPrompt?: number;
  /** @default 64 */
  readonly maxNewTokens?: number;
  /** Text that ends a sample (cut from its text unless `keepStop`). @default [] */
  readonly stop?: readonly string[];
  /**
   * Keep the stop string that ended a sample at the end of its text (so a sample stopped at
   * `</answer>` ends with `</answer>`). @default false
   */
  readonly keepStop?: boolean;
  /** @default 0 */
  readonly seed?: number;
  /** Prepend BOS to text prompts. @default true */
  readonly addBos?: boolean;
  /** End a sample at the EOS token. @default true */
  readonly stopAtEos?: boolean;
  /** Called after each decoding step with the number of tokens generated so far. */
  readonly onStep?: (step: number, active: number) => void;
}

/** One sample. */
export interface Sample {
  /** Index of its prompt. */
  readonly prompt: number;
  /** Index within its prompt's group. */
  readonly index: number;
  /** Generated token ids (EOS excluded; with a stop string, up to the token that completed it). */
  readonly tokens: number[];
  /** Generated text, cut before any stop string (after it with `keepStop`). */
  readonly text: string;
  /** log p of each generated token under the model's softmax (what scoring would give). */
  readonly logprobs: number[];
  /** Why it ended. */
  readonly finish: "eos" | "stop" | "length";
  /** The stop string that ended it (when `finish` is `"stop"`). */
  readonly stop?: string;
}

/**
 * Text of `tokens` as a continuation of `prompt`: decoders strip the leading space of a text's
 * first piece, so decoding the continuation alone would lose it.
 */
export function continuationText(
  tok: { decode(ids: readonly number[]): string },
  prompt: readonly number[],
  tokens: readonly number[],
): string {
  const head = tok.decode(prompt);
  const all = tok.decode([...prompt, ...tokens]);
  return all.startsWith(head) ? all.slice(head.length) : tok.decode(tokens);
}

interface Row {
  prompt: number;
  index: number;
  tokens: number[];
  logprobs: number[];
  text: string;
  finish?: Sample["finish"];
  stop?: string;
  lastPos: number;
  rng: Rng;
}

/** What the decoding loop carries from one step to the next. */
export interface DecodeState {
  readonly model: LanguageModel;
  readonly program: Program;
  /** Weight feeds (empty when the decoder has its weights baked in). */
  readonly weights: Record<string, HostTensor>;
  readonly encoded: readonly number[][];
  readonly rows: Row[];
  readonly eos: ReadonlySet<number>;
  /** Rows still generating, in batch order. */
  active: number[];
  /** Attention mask of each active row so far. */
  maskRows: number[][];
  feeds: Record<string, HostTensor>;
  steps: number;
}

/** Copies rows `keep` of a (R, ...) tensor. */
function selectRows(t: HostTensor, keep: readonly number[]): HostTensor {
  const per = t.data.length / t.shape[0];
  const out = new (t.data.constructor as Float32ArrayConstructor)(keep.length * per);
  keep.forEach((r, i) =>
    out.set((t.data as Float32Array).subarray(r * per, (r + 1) * per), i * per)
  );
  return { dtype: t.dtype, shape: [keep.length, ...t.shape.slice(1)], data: out } as HostTensor;
}

/** Checks the options and turns every prompt into token ids that fit the model's context. */
function encodePrompts(
  model: LanguageModel,
  prompts: readonly (string | readonly number[])[],
  options: SampleOptions,
): number[][] {
  const { samplesPerPrompt = 1, maxNewTokens = 64, addBos = true } = options;
  checkChooseOptions(options);
  if (!Number.isInteger(samplesPerPrompt) || samplesPerPrompt < 1) {
    throw new RangeError(
      `'samplesPerPrompt' must be an integer ≥ 1: current value is ${samplesPerPrompt}`,
    );
  }
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new RangeError(`'maxNewTokens' must be an integer ≥ 1: current value is ${maxNewTokens}`);
  }
  const tok = model.tokenizer;
  return prompts.map((p, i) => {
    if (typeof p === "string" && !tok) {
      throw new Error(`Cannot sample: prompt ${i} is text but the model has no tokenizer`);
    }
    const ids = typeof p === "string" ? tok!.encode(p, { addBos }) : [...p];
    if (ids.length === 0) {
      throw new Error(
        `Cannot sample: prompt ${i} is empty (no tokens; sample from BOS with addBos)`,
      );
    }
    if (ids.length + maxNewTokens > model.config.maxPositionEmbeddings) {
      throw new RangeError(
        `Cannot sample: prompt ${i} has ${ids.length} tokens and ${maxNewTokens} new tokens are asked for, but the model's context is ${model.config.maxPositionEmbeddings}`,
      );
    }
    return ids;
  });
}

/**
 * Sets up decoding: one row per (prompt, sample) with its own forked generator, the decoder
 * program, and the first feeds — every prompt left-padded to the longest; padding is masked and
 * takes position 0; the KV cache starts empty.
 */
export async function prefill(
  model: LanguageModel,
  encoded: readonly number[][],
  options: SampleOptions = {},
): Promise<DecodeState> {
  const { samplesPerPrompt = 1, seed = 0 } = options;
  const c = model.config;
  const rng = createRng(seed);
  const rows: Row[] = [];
  for (let p = 0; p < encoded.length; p++) {
    for (let g = 0; g < samplesPerPrompt; g++) {
      const rowRng = rng.split(rows.length);
      rows.push({
        prompt: p,
        index: g,
        tokens: [],
        logprobs: [],
        text: "",
        lastPos: encoded[p].length - 1,
        rng: rowRng,
      });
    }
  }
  const program = await decodeProgram(model);
  // A decoder with weights baked in reads none; one over the store reads them all.
  const weights = program.signature.inputs.some((i) => i.name === "model.embed_tokens.weight")
    ? weightFeeds(model)
    : {};
  const width = Math.max(...encoded.map((e) => e.length));
  const ids: number[] = [], mask: number[] = [], pos: number[] = [];
  for (const r of rows) {
    const e = encoded[r.prompt];
    const pad = width - e.length;
    for (let i = 0; i < width; i++) {
      ids.push(i < pad ? 0 : e[i - pad]);
      mask.push(i < pad ? 0 : 1);
      pos.push(i < pad ? 0 : i - pad);
    }
  }
  const feeds: Record<string, HostTensor> = { ...weights };
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const empty = tensor("float32", [rows.length, c.numKeyValueHeads, 0, c.headDim]);
    feeds[cacheNames(l).pastKey] = empty;
    feeds[cacheNames(l).pastValue] = empty;
  }
  feeds.input_ids = tensor("int64", [rows.length, width], ids);
  feeds.attention_mask = tensor("int64", [rows.length, width], mask);
  feeds.position_ids = tensor("int64", [rows.length, width], pos);
  const tok = model.tokenizer;
  return {
    model,
    program,
    weights,
    encoded,
    rows,
    eos: new Set<number>([c.eosTokenId ?? tok?.eosId ?? []].flat() as number[]),
    active: rows.map((_, i) => i),
    maskRows: rows.map((_, r) => mask.slice(r * width, (r + 1) * width)),
    feeds,
    steps: 0,
  };
}

/** Adds one chosen token to a row: ends it at EOS or at a stop string, else extends it. */
function extendRow(
  state: DecodeState,
  row: Row,
  token: number,
  logprob: number,
  options: SampleOptions,
) {
  const { stop = [], keepStop = false, stopAtEos = true } = options;
  if (stopAtEos && state.eos.has(token)) {
    row.finish = "eos";
    return;
  }
  row.tokens.push(token);
  row.logprobs.push(logprob);
  const tok = state.model.tokenizer;
  if (!tok || stop.length === 0) return;
  const text = continuationText(tok, state.encoded[row.prompt], row.tokens);
  const found = checkStop(text, stop, { from: row.text.length });
  row.text = text;
  if (found.stopped) {
    row.text = keepStop ? found.text + found.matched : found.text;
    row.finish = "stop";
    row.stop = found.matched;
  }
}

/**
 * One decoding step: runs the decoder on the current feeds, chooses a token for every active
 * row, then drops finished rows from the batch and the KV cache and feeds the chosen tokens.
 * Returns false when every row has finished.
 */
export async function step(state: DecodeState, options: SampleOptions = {}): Promise<boolean> {
  const { rows, model: { config: c } } = state;
  const out = await runProgram(state.program, state.feeds, { trusted: state.steps > 0 });
  const logits = out.logits.data as Float32Array;
  const [n, tq, v] = out.logits.shape;
  const next: number[] = [];
  const still: number[] = [];
  state.active.forEach((r, i) => {
    const row = rows[r];
    const last = logits.subarray((i * tq + tq - 1) * v, (i * tq + tq) * v);
    const choice = chooseToken(last, options, row.rng);
    extendRow(state, row, choice.token, choice.logprobRaw, options);
    if (!row.finish) {
      still.push(i);
      next.push(choice.token);
    }
  });
  state.steps++;
  options.onStep?.(state.steps, still.length);
  if (still.length === 0) return false;
  const keepAll = still.length === n;
  state.active = still.map((i) => state.active[i]);
  state.maskRows = still.map((i) => [...state.maskRows[i], 1]);
  const feeds: Record<string, HostTensor> = { ...state.weights };
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const nm = cacheNames(l);
    feeds[nm.pastKey] = keepAll ? out[nm.presentKey] : selectRows(out[nm.presentKey], still);
    feeds[nm.pastValue] = keepAll ? out[nm.presentValue] : selectRows(out[nm.presentValue], still);
  }
  const b = state.active.length;
  feeds.input_ids = tensor("int64", [b, 1], next);
  feeds.attention_mask = tensor("int64", [b, state.maskRows[0].length], state.maskRows.flat());
  feeds.position_ids = tensor("int64", [b, 1], state.active.map((r) => ++rows[r].lastPos));
  state.feeds = feeds;
  return true;
}

/** The samples of a finished (or length-capped) decode, in (prompt, index) order. */
export function finish(state: DecodeState): Sample[] {
  const tok = state.model.tokenizer;
  return state.rows.map((r) => ({
    prompt: r.prompt,
    index: r.index,
    tokens: r.tokens,
    text: r.finish === "stop"
      ? r.text
      : tok
      ? continuationText(tok, state.encoded[r.prompt], r.tokens)
      : "",
    logprobs: r.logprobs,
    finish: r.finish ?? "length",
    ...(r.stop !== undefined ? { stop: r.stop } : {}),
  }));
}

/**
 * Samples continuations of `prompts` (text, or token ids) from `model`: {@link prefill}, then
 * {@link step} until every sample has ended or `maxNewTokens` are generated, then {@link finish}.
 *
 * @example Four seeded samples of the default student, each stopped after its answer line
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { sample } from "./sampler.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const out = await sample(model, ["Q: 2 + 3 = ? A:"], {
 *   samplesPerPrompt: 4, seed: 7, maxNewTokens: 24, stop: ["\n"], keepStop: true,
 * });
 * assert.equal(out.length, 4);
 * for (const s of out) if (s.finish === "stop") assert.ok(s.text.endsWith("\n") && s.stop === "\n");
 * ```
 */
export async function sample(
  model: LanguageModel,
  prompts: readonly (string | readonly number[])[],
  options: SampleOptions = {},
): Promise<Sample[]> {
  const { maxNewTokens = 64 } = options;
  const encoded = encodePrompts(model, prompts, options);
  const state = await prefill(model, encoded, options);
  while (state.steps < maxNewTokens && await step(state, options));
  return finish(state);
}
