/**
 * Batched sampling with a KV cache: B prompts × G samples each (GRPO groups), ragged prompts
 * left-padded, temperature / top-k / top-p, stop strings, EOS, a seeded generator per row so a
 * run repeats exactly; returns token ids, text and per-token log-probs.
 *
 * Cost: rows whose prompt and tokens so far are equal share one row of the decoder's batch
 * (G samples of a prompt prefill once and split only where their draws differ), prompts run in
 * chunks of similar length (little padding in the cache), and the decoder returns only the new
 * tokens' keys and values: the host extends the cache in buffers it reuses, leaving out finished
 * rows as it goes (a decoder that returned its whole cache spent more time handing it over than
 * computing, at hundreds of short rows).
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/mod.ts";
import { cacheNames, decodeProgram, type LanguageModel, weightFeeds } from "../model/mod.ts";
import { type Program, runProgram } from "../runtime/mod.ts";
import {
  checkChooseOptions,
  type Choice,
  type ChooseOptions,
  tokenDistribution,
} from "./choose.ts";
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
  /**
   * Rows whose prompt and tokens so far are equal (the samples of one prompt, before they
   * diverge; equal prompts) share one row of the decoder's batch: its logits and KV cache are
   * computed once, and each row still draws its own token from them with its own generator. The
   * samples are the same as without sharing, up to the float rounding of other batch shapes.
   * @default true
   */
  readonly sharePrefixes?: boolean;
  /**
   * Also return, for each generated token, the model's final hidden state it was drawn from
   * (`Sample.hidden`): what the model computed while writing the sample, at no further forward
   * pass. @default false
   */
  readonly hiddenStates?: boolean;
  /**
   * Also return, for each generated token, the entropy and the top-1 − top-2 probability margin
   * of the untempered next-token distribution it was drawn from (`Sample.entropies`,
   * `Sample.margins`): what scoring the sample again would give, without the second pass.
   * @default false
   */
  readonly distributionStats?: boolean;
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
  /**
   * With `hiddenStates`: entry i is the final (normed) hidden state, width D, from which token i
   * was drawn (at the prompt's last position for token 0). Samples that shared a state share
   * the array.
   */
  readonly hidden?: readonly Float32Array[];
  /** With `distributionStats`: the entropy (nats) of the distribution token i was drawn from. */
  readonly entropies?: readonly number[];
  /** With `distributionStats`: p(top-1) − p(top-2) of that distribution. */
  readonly margins?: readonly number[];
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
  return continuationAfter(tok, prompt, tok.decode(prompt), tokens);
}

/** {@link continuationText} with the prompt's own text (`head`) already decoded. */
function continuationAfter(
  tok: { decode(ids: readonly number[]): string },
  prompt: readonly number[],
  head: string,
  tokens: readonly number[],
): string {
  const all = tok.decode([...prompt, ...tokens]);
  return all.startsWith(head) ? all.slice(head.length) : tok.decode(tokens);
}

interface Row {
  prompt: number;
  index: number;
  tokens: number[];
  logprobs: number[];
  /** With `hiddenStates`: the hidden state of each token (see `Sample.hidden`). */
  hidden?: Float32Array[];
  /** With `distributionStats`: see `Sample.entropies` and `Sample.margins`. */
  entropies?: number[];
  margins?: number[];
  text: string;
  finish?: Sample["finish"];
  stop?: string;
  rng: Rng;
}

/**
 * Part of the batch that runs through the decoder together, with its own KV cache: the states
 * of rows whose prompts have similar lengths, so that little of the cache is padding. A state
 * is a prompt and the tokens generated after it so far; rows in the same state share one row of
 * the decoder's batch (its logits and cache), and each draws its next token from those logits
 * with its own generator.
 */
interface Chunk {
  /** The rows in each state, one state per row of the decoder's batch. */
  readonly states: readonly (readonly number[])[];
  /** Position of each state's last token. */
  readonly lastPos: readonly number[];
  /** Attention mask of each state so far, (states, width): its cache's positions, then its new ones. */
  readonly mask: BigInt64Array;
  /** Positions the cache in `feeds` has room for (1 at the prompts' run: one masked position). */
  readonly cap?: number;
  /** States (batch rows) the cache's buffers have room for. */
  readonly rowCap?: number;
  /** Inputs of its next decoder run. */
  readonly feeds: Record<string, HostTensor>;
  /** The buffers behind the cache in `feeds` (two per layer), and those of the last copy before. */
  readonly buffers?: readonly Float32Array[];
  readonly spares?: readonly Float32Array[];
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
  /** Each prompt's last tokens and their text (see {@link headOf}), filled in when first needed. */
  readonly heads: ({ ids: readonly number[]; text: string } | undefined)[];
  /** The batch, in chunks run one after the other. */
  chunks: Chunk[];
  steps: number;
}

/**
 * What one more decoder run per step costs, in cached positions (rows × width) it would have to
 * save: prompts are cut into chunks by length where that saves more padding than this.
 */
const RUN_COST_POSITIONS = 1024;

/**
 * Drop finished states from a chunk once they are at least this fraction of it: a dropped state
 * saves its share of every later step, but dropping copies the chunk's cache once.
 */
const DROP_FRACTION = 1 / 8;

/**
 * A chunk's cache holds room for positions in blocks of this many: the keys and values of the
 * next steps' tokens are written into that room in place, and the room is masked until then.
 */
const CACHE_BLOCK = 32;

/**
 * Copies the first `count` positions of each row of `src` (states, Hkv, its positions, Hd) named
 * in `rows` into `dst` (·, Hkv, `cap`, Hd): source row `rows[j]` to destination row `first + j`,
 * from position `at` on.
 */
function copyPositions(
  src: HostTensor,
  count: number,
  rows: readonly number[],
  dst: Float32Array,
  cap: number,
  first: number,
  at: number,
) {
  if (count === 0) return;
  const [, hkv, from, hd] = src.shape as number[];
  const data = src.data as Float32Array;
  for (let j = 0; j < rows.length; j++) {
    for (let h = 0; h < hkv; h++) {
      const s = (rows[j] * hkv + h) * from * hd, to = (((first + j) * hkv + h) * cap + at) * hd;
      dst.set(data.subarray(s, s + count * hd), to);
    }
  }
}

/**
 * A new cache (rows, Hkv, cap, Hd) for the kept states `at`: each one's first `valid` positions
 * from `past` (states, Hkv, ·, Hd), then the run's new positions from `fresh` (states, Hkv, Tq,
 * Hd); the rest is room. Its buffer holds `rowCap` rows (room for states to come), and is `into`
 * where that is large enough, so that a step allocates nothing.
 */
function gatherCache(
  past: HostTensor,
  valid: number,
  fresh: HostTensor,
  at: readonly number[],
  cap: number,
  rowCap: number,
  into: Float32Array | undefined,
): { tensor: HostTensor; buffer: Float32Array } {
  const [, hkv, , hd] = past.shape as number[];
  const room = rowCap * hkv * cap * hd;
  const buffer = into && into.length >= room ? into : new Float32Array(room);
  copyPositions(past, valid, at, buffer, cap, 0, 0);
  copyPositions(fresh, fresh.shape[2] as number, at, buffer, cap, 0, valid);
  const out = buffer.subarray(0, at.length * hkv * cap * hd);
  return { tensor: tensor("float32", [at.length, hkv, cap, hd], out), buffer };
}

/** Writes each state's one new position from `fresh` (B, Hkv, 1, Hd) at `slot` of `cache`. */
function writeSlot(cache: HostTensor, fresh: HostTensor, slot: number) {
  const [b, hkv, cap, hd] = cache.shape as number[];
  const dst = cache.data as Float32Array, src = fresh.data as Float32Array;
  for (let r = 0; r < b * hkv; r++) {
    const to = (r * cap + slot) * hd, from = r * hd;
    for (let k = 0; k < hd; k++) dst[to + k] = src[from + k];
  }
}

/**
 * The attention mask a run is fed, (rows, cap + 1): each row's `width` positions of the cache
 * as `real` (rows, width + 1) has them, the room after them masked, then its new token.
 */
function feedMask(real: BigInt64Array, rows: number, width: number, cap: number): BigInt64Array {
  if (cap === width) return real;
  const m = new BigInt64Array(rows * (cap + 1));
  for (let j = 0; j < rows; j++) {
    m.set(real.subarray(j * (width + 1), j * (width + 1) + width), j * (cap + 1));
    m[j * (cap + 1) + cap] = 1n;
  }
  return m;
}

/**
 * Groups of prompt lengths (given in ascending order, `weight` rows each) into consecutive runs
 * that minimise padded positions (rows × the run's longest length) plus
 * {@link RUN_COST_POSITIONS} per run: returns where each run ends (exclusive).
 */
function lengthRuns(lengths: readonly number[], weight: readonly number[]): number[] {
  const n = lengths.length;
  const cost = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(0);
  cost[0] = 0;
  for (let end = 1; end <= n; end++) {
    let rows = 0;
    for (let start = end - 1; start >= 0; start--) {
      rows += weight[start];
      const c = cost[start] + rows * lengths[end - 1] + RUN_COST_POSITIONS;
      if (c < cost[end]) {
        cost[end] = c;
        from[end] = start;
      }
    }
  }
  const ends: number[] = [];
  for (let end = n; end > 0; end = from[end]) ends.unshift(end);
  return ends;
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
 * The first decoder inputs of `prompts`: left-padded to the longest (padding is masked and
 * takes position 0), and `mask`, the prompts' own attention mask. The cache is one masked
 * position of zeros rather than empty: the split attention then multiplies no zero-sized
 * matrices, which not every execution provider takes.
 */
function prefillFeeds(
  model: LanguageModel,
  weights: Record<string, HostTensor>,
  prompts: readonly (readonly number[])[],
): { feeds: Record<string, HostTensor>; mask: BigInt64Array } {
  const c = model.config;
  const n = prompts.length;
  const width = Math.max(...prompts.map((e) => e.length));
  const ids = new BigInt64Array(n * width);
  const mask = new BigInt64Array(n * width);
  const pos = new BigInt64Array(n * width);
  prompts.forEach((e, r) => {
    const pad = width - e.length;
    for (let i = pad; i < width; i++) {
      ids[r * width + i] = BigInt(e[i - pad]);
      mask[r * width + i] = 1n;
      pos[r * width + i] = BigInt(i - pad);
    }
  });
  const withRoom = new BigInt64Array(n * (width + 1));
  for (let r = 0; r < n; r++) {
    withRoom.set(mask.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  }
  const feeds: Record<string, HostTensor> = {
    ...weights,
    input_ids: tensor("int64", [n, width], ids),
    attention_mask: tensor("int64", [n, width + 1], withRoom),
    position_ids: tensor("int64", [n, width], pos),
  };
  const room = tensor("float32", [n, c.numKeyValueHeads, 1, c.headDim]);
  for (let l = 0; l < c.numHiddenLayers; l++) {
    feeds[cacheNames(l).pastKey] = room;
    feeds[cacheNames(l).pastValue] = room;
  }
  return { feeds, mask };
}

/**
 * From this many rows up the decoder's threads do not spin between runs. Token choice for many
 * rows is host work between decoder runs, and a spinning thread takes the core it needs (592
 * rows: answer variance 1.16–1.49 s spinning, 0.99 s not); a small batch runs back to back and
 * loses more to waking the threads than it gains (batch 1 greedy: 521 tokens/s spinning, 388 not).
 */
const SPIN_FREE_ROWS = 64;

/**
 * Builds (or finds) the decoder program `sample` will use for `rows` rows (prompts × samples)
 * with these options. The decoder bakes the model's current weights in, so it is rebuilt after a
 * training step replaces them: a trainer calls this right after its update, so that the cost is
 * its own (a weight sync, as RL trainers report it) and the next sampling finds the decoder ready.
 *
 * @example The decoder sampling will use, built ahead
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { prepareDecoder } from "./sampler.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const program = await prepareDecoder(model, 48);
 * assert.equal(await prepareDecoder(model, 48), program);
 * ```
 */
export async function prepareDecoder(
  model: LanguageModel,
  rows: number,
  options: Pick<SampleOptions, "hiddenStates"> = {},
): Promise<Program> {
  return await decodeProgram(model, {
    spin: rows < SPIN_FREE_ROWS,
    hidden: options.hiddenStates ?? false,
    splitCache: true,
  });
}

/**
 * Sets up decoding: one row per (prompt, sample) with its own forked generator, the decoder
 * program, and the first feeds. Rows are cut into chunks of similar prompt lengths (see
 * {@link RUN_COST_POSITIONS}), each run on its own with its prompts left-padded to its longest;
 * padding is masked and takes position 0; the KV cache starts empty. With `sharePrefixes` (the
 * default) every distinct prompt starts as one state holding all the rows that start from it;
 * without, each row is a state of its own throughout.
 */
export async function prefill(
  model: LanguageModel,
  encoded: readonly number[][],
  options: SampleOptions = {},
): Promise<DecodeState> {
  const { samplesPerPrompt = 1, seed = 0, sharePrefixes = true } = options;
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
        ...(options.hiddenStates ? { hidden: [] } : {}),
        ...(options.distributionStats ? { entropies: [], margins: [] } : {}),
        text: "",
        rng: rowRng,
      });
    }
  }
  const program = await prepareDecoder(model, rows.length, options);
  // A decoder with weights baked in reads none; one over the store reads them all.
  const weights = program.signature.inputs.some((i) => i.name === "model.embed_tokens.weight")
    ? weightFeeds(model)
    : {};
  // The distinct prompts (equal token lists are one) with the rows that start from each,
  // shortest first.
  const unitOfKey = new Map<string, number>();
  const units: { ids: number[]; rows: number[] }[] = [];
  rows.forEach((row, r) => {
    const ids = encoded[row.prompt];
    const key = ids.join(",");
    let u = unitOfKey.get(key);
    if (u === undefined) unitOfKey.set(key, u = units.push({ ids, rows: [] }) - 1);
    units[u].rows.push(r);
  });
  units.sort((a, b) => a.ids.length - b.ids.length || a.rows[0] - b.rows[0]);
  const ends = lengthRuns(units.map((u) => u.ids.length), units.map((u) => u.rows.length));
  const chunks = ends.map((end, k) => {
    const group = units.slice(k === 0 ? 0 : ends[k - 1], end);
    const states = sharePrefixes
      ? group.map((u) => u.rows)
      : group.flatMap((u) => u.rows.map((r) => [r]));
    const { feeds, mask } = prefillFeeds(
      model,
      weights,
      states.map((s) => encoded[rows[s[0]].prompt]),
    );
    return {
      states,
      lastPos: states.map((s) => encoded[rows[s[0]].prompt].length - 1),
      mask,
      cap: 1,
      feeds,
    };
  });
  const tok = model.tokenizer;
  return {
    model,
    program,
    weights,
    encoded,
    rows,
    eos: new Set<number>([c.eosTokenId ?? tok?.eosId ?? []].flat() as number[]),
    heads: encoded.map(() => undefined),
    chunks,
    steps: 0,
  };
}

/**
 * Prompt tokens a continuation is decoded after. A piece's text depends on the pieces before it
 * only through the decoder's leading-space strip and byte tokens joining into one character
 * (at most 4), so the prompt's last few tokens give the continuation's text as the whole prompt
 * does, and decoding a sample's text each step costs its own length, not the prompt's too.
 */
const PROMPT_CONTEXT = 8;

/** The tail of prompt `p` a continuation is decoded after, and its text (once per decode). */
function headOf(state: DecodeState, p: number): { ids: readonly number[]; text: string } {
  return state.heads[p] ??= (() => {
    const ids = state.encoded[p].slice(-PROMPT_CONTEXT);
    return { ids, text: state.model.tokenizer!.decode(ids) };
  })();
}

/** What a token brings beside itself, as asked for: its hidden state and its distribution's statistics. */
interface TokenExtras {
  readonly hidden?: Float32Array;
  readonly stats?: { readonly entropy: number; readonly margin: number };
}

function pushExtras(row: Row, extra: TokenExtras) {
  if (extra.hidden) row.hidden!.push(extra.hidden);
  if (extra.stats) {
    row.entropies!.push(extra.stats.entropy);
    row.margins!.push(extra.stats.margin);
  }
}

/**
 * A row's text after its newest `token` (already in `row.tokens`), from its text before: only
 * the last {@link PROMPT_CONTEXT} tokens are decoded, with and without the new one, and what
 * the new one changed (the new piece, and a character its byte completed) replaces the end of
 * the old text. So each step costs a few tokens, not the sample's length.
 */
function extendedText(state: DecodeState, row: Row, token: number): string {
  const tok = state.model.tokenizer!;
  const head = headOf(state, row.prompt);
  const n = row.tokens.length;
  if (n === 1) return continuationAfter(tok, head.ids, head.text, row.tokens);
  const before = n - 1 >= PROMPT_CONTEXT
    ? row.tokens.slice(n - 1 - PROMPT_CONTEXT, n - 1)
    : [...head.ids.slice(n - 1 - PROMPT_CONTEXT), ...row.tokens.slice(0, n - 1)];
  const was = tok.decode(before), now = tok.decode([...before, token]);
  let same = 0;
  while (same < was.length && was[same] === now[same]) same++;
  const changed = was.length - same;
  if (changed > row.text.length) return continuationAfter(tok, head.ids, head.text, row.tokens);
  return row.text.slice(0, row.text.length - changed) + now.slice(same);
}

/** Adds one chosen token to a row: ends it at EOS or at a stop string, else extends it. */
function extendRow(
  state: DecodeState,
  row: Row,
  token: number,
  logprob: number,
  extra: TokenExtras,
  options: SampleOptions,
) {
  const { stop = [], keepStop = false, stopAtEos = true } = options;
  if (stopAtEos && state.eos.has(token)) {
    row.finish = "eos";
    return;
  }
  row.tokens.push(token);
  row.logprobs.push(logprob);
  pushExtras(row, extra);
  const tok = state.model.tokenizer;
  if (!tok || stop.length === 0) return;
  const text = extendedText(state, row, token);
  const found = checkStop(text, stop, { from: row.text.length });
  row.text = text;
  if (found.stopped) {
    row.text = keepStop ? found.text + found.matched : found.text;
    row.finish = "stop";
    row.stop = found.matched;
  }
}

/**
 * Adds one chosen token to rows in the same state (equal prompts, equal tokens so far): the
 * first is extended (see {@link extendRow}), the others take what it got. Returns whether they
 * ended.
 */
function extendRows(
  state: DecodeState,
  group: readonly number[],
  choice: Choice,
  extra: TokenExtras,
  options: SampleOptions,
): boolean {
  const first = state.rows[group[0]];
  extendRow(state, first, choice.token, choice.logprobRaw, extra, options);
  for (let k = 1; k < group.length; k++) {
    const row = state.rows[group[k]];
    if (first.finish !== "eos") {
      row.tokens.push(choice.token);
      row.logprobs.push(choice.logprobRaw);
      pushExtras(row, extra);
      row.text = first.text;
    }
    if (first.finish) row.finish = first.finish;
    if (first.stop !== undefined) row.stop = first.stop;
  }
  return first.finish !== undefined;
}

/** A state of the next step: its parent's batch row, the token added to it, and its rows. */
interface Child {
  readonly parent: number;
  readonly token: number;
  readonly rows: number[];
}

/**
 * Runs one chunk for one step: each row still generating draws a token from its state's logits;
 * rows of one state that draw the same token stay together in the child state. Returns the chunk
 * for the next step (null when all its rows have finished) and how many rows it still holds.
 */
async function stepChunk(
  state: DecodeState,
  chunk: Chunk,
  options: SampleOptions,
): Promise<[Chunk | null, number]> {
  const { rows, model: { config: c } } = state;
  const out = await runProgram(state.program, chunk.feeds, { trusted: state.steps > 0 });
  const logits = out.logits.data as Float32Array;
  const [n, tq, v] = out.logits.shape;
  // One copy per step (small: states × D), so that no row holds a view of a larger output.
  const hidden = out.hidden ? (out.hidden.data as Float32Array).slice() : undefined;
  const d = state.model.config.hiddenSize;
  const children: Child[] = [];
  let live = 0;
  for (let i = 0; i < n; i++) {
    const here = chunk.states[i];
    if (here.length === 0) continue;
    const dist = tokenDistribution(
      logits.subarray((i * tq + tq - 1) * v, (i * tq + tq) * v),
      options,
    );
    // Rows of one state that draw the same token are in the same state again: extended once.
    const drawn: { choice: Choice; rows: number[] }[] = [];
    for (const r of here) {
      const choice = dist.draw(rows[r].rng);
      const same = drawn.find((d) => d.choice.token === choice.token);
      if (same) same.rows.push(r);
      else drawn.push({ choice, rows: [r] });
    }
    const extra: TokenExtras = {
      hidden: hidden?.subarray(i * d, (i + 1) * d),
      stats: options.distributionStats ? dist.stats() : undefined,
    };
    for (const { choice, rows: group } of drawn) {
      const ended = extendRows(state, group, choice, extra, options);
      if (ended) continue;
      live += group.length;
      children.push({ parent: i, token: choice.token, rows: group });
    }
  }
  if (children.length === 0) return [null, 0];
  // Each state's first child keeps its batch row; the others of a state that split are
  // appended. While few states have emptied and the buffers have room, the cache stays where it
  // is: the run's new key and value go into each row's room, and an appended state gets a copy
  // of its parent's row. Otherwise (and after the prompts' run) the cache is gathered anew for
  // the states that go on, with fresh room.
  const firstChild = new Array<Child | undefined>(n).fill(undefined);
  const extra: Child[] = [];
  for (const ch of children) {
    if (firstChild[ch.parent] === undefined) firstChild[ch.parent] = ch;
    else extra.push(ch);
  }
  const emptied = n - (children.length - extra.length);
  const width = chunk.mask.length / n; // the cache's positions after this run
  const cap0 = chunk.cap ?? 0, rows0 = chunk.rowCap ?? 0;
  const stay = tq === 1 && width <= cap0 && n + extra.length <= rows0 &&
    emptied < Math.max(1, n * DROP_FRACTION);
  const next: (Child | undefined)[] = stay ? [...firstChild, ...extra] : children;
  const at = stay
    ? [...Array.from({ length: n }, (_, i) => i), ...extra.map((ch) => ch.parent)]
    : children.map((ch) => ch.parent);
  const b = at.length;
  const mask = new BigInt64Array(b * (width + 1));
  const pos = new BigInt64Array(b);
  // An emptied state is fed token 0: any token will do, its outputs go unread.
  const ids = BigInt64Array.from(next, (ch) => BigInt(ch?.token ?? 0));
  const lastPos = at.map((i) => chunk.lastPos[i] + 1);
  at.forEach((i, j) => {
    mask.set(chunk.mask.subarray(i * width, (i + 1) * width), j * (width + 1));
    mask[j * (width + 1) + width] = 1n;
    pos[j] = BigInt(lastPos[j]);
  });
  const cap = stay ? cap0 : (Math.floor(width / CACHE_BLOCK) + 1) * CACHE_BLOCK;
  const rowCap = stay ? rows0 : Math.ceil(b * 1.5);
  const feeds: Record<string, HostTensor> = { ...state.weights };
  let buffers = chunk.buffers!, spares = chunk.spares;
  const names = Array.from({ length: c.numHiddenLayers }, (_, l) => cacheNames(l)).flatMap((
    nm,
  ) => [[nm.pastKey, nm.newKey], [nm.pastValue, nm.newValue]]);
  if (stay) {
    names.forEach(([past, add], k) => {
      const cache = chunk.feeds[past];
      writeSlot(cache, out[add], width - 1);
      const [, hkv, , hd] = cache.shape as number[];
      const row = hkv * cap * hd, buf = buffers[k];
      extra.forEach((ch, m) =>
        buf.copyWithin((n + m) * row, ch.parent * row, (ch.parent + 1) * row)
      );
      feeds[past] = tensor("float32", [b, hkv, cap, hd], buf.subarray(0, b * row));
    });
  } else {
    const fresh: Float32Array[] = [];
    names.forEach(([past, add], k) => {
      const x = gatherCache(chunk.feeds[past], width - tq, out[add], at, cap, rowCap, spares?.[k]);
      feeds[past] = x.tensor;
      fresh.push(x.buffer);
    });
    spares = buffers;
    buffers = fresh;
  }
  feeds.input_ids = tensor("int64", [b, 1], ids);
  feeds.attention_mask = tensor("int64", [b, cap + 1], feedMask(mask, b, width, cap));
  feeds.position_ids = tensor("int64", [b, 1], pos);
  return [
    {
      states: next.map((ch) => ch?.rows ?? []),
      lastPos,
      mask,
      cap,
      rowCap,
      feeds,
      buffers,
      spares,
    },
    live,
  ];
}

/**
 * Chunks are merged once the merged cache would hold at most this many times their positions:
 * prompts are prefilled in chunks of similar length, so that few padded positions go through
 * the whole model; but after that a padded position only costs attention to a masked key, while
 * each chunk costs a decoder run per step.
 */
const MERGE_SLACK = 2;

/** The cache positions after this step of each chunk: its mask's width less the next token. */
function widthOf(c: Chunk): number {
  return c.mask.length / c.states.length - 1;
}

function worthMerging(chunks: readonly Chunk[]): boolean {
  const w = Math.max(...chunks.map(widthOf));
  const rows = chunks.reduce((a, c) => a + c.states.length, 0);
  const own = chunks.reduce((a, c) => a + c.states.length * widthOf(c), 0);
  return rows * w <= MERGE_SLACK * own;
}

/**
 * One chunk of all `chunks`' states, in order: each cache is moved right to the longest one's
 * width, its new first positions masked (a key's place in the cache does not matter, only its
 * mask: positions come with the keys), so that from now on one decoder run serves them all.
 */
function mergeChunks(state: DecodeState, chunks: readonly Chunk[]): Chunk {
  const c = state.model.config;
  const w = Math.max(...chunks.map(widthOf));
  const rows = chunks.reduce((a, ch) => a + ch.states.length, 0);
  const cap = (Math.floor(w / CACHE_BLOCK) + 1) * CACHE_BLOCK;
  const rowCap = Math.ceil(rows * 1.5);
  const { numKeyValueHeads: hkv, headDim: hd } = c;
  const mask = new BigInt64Array(rows * (w + 1));
  const ids = new BigInt64Array(rows), pos = new BigInt64Array(rows);
  let r = 0;
  for (const ch of chunks) {
    const b = ch.states.length, own = widthOf(ch), shift = w - own;
    for (let j = 0; j < b; j++) {
      mask.set(ch.mask.subarray(j * (own + 1), (j + 1) * (own + 1)), (r + j) * (w + 1) + shift);
    }
    ids.set(ch.feeds.input_ids.data as BigInt64Array, r);
    pos.set(ch.feeds.position_ids.data as BigInt64Array, r);
    r += b;
  }
  const feeds: Record<string, HostTensor> = { ...state.weights };
  const buffers: Float32Array[] = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const nm = cacheNames(l);
    for (const name of [nm.pastKey, nm.pastValue]) {
      const buffer = new Float32Array(rowCap * hkv * cap * hd);
      let row = 0;
      for (const ch of chunks) {
        const own = widthOf(ch), b = ch.states.length;
        const all = Array.from({ length: b }, (_, j) => j);
        copyPositions(ch.feeds[name], own, all, buffer, cap, row, w - own);
        row += b;
      }
      feeds[name] = tensor(
        "float32",
        [rows, hkv, cap, hd],
        buffer.subarray(0, rows * hkv * cap * hd),
      );
      buffers.push(buffer);
    }
  }
  feeds.input_ids = tensor("int64", [rows, 1], ids);
  feeds.attention_mask = tensor("int64", [rows, cap + 1], feedMask(mask, rows, w, cap));
  feeds.position_ids = tensor("int64", [rows, 1], pos);
  return {
    states: chunks.flatMap((ch) => ch.states),
    lastPos: chunks.flatMap((ch) => ch.lastPos),
    mask,
    cap,
    rowCap,
    feeds,
    buffers,
  };
}

/**
 * One decoding step: runs the decoder on each chunk's feeds, chooses a token for every row still
 * generating, then feeds the chosen tokens (one batch row per distinct state; a chunk's cache
 * keeps only the states that go on). Returns false when every row has finished.
 */
export async function step(state: DecodeState, options: SampleOptions = {}): Promise<boolean> {
  const next: Chunk[] = [];
  let live = 0;
  for (const chunk of state.chunks) {
    const [c, n] = await stepChunk(state, chunk, options);
    if (c) next.push(c);
    live += n;
  }
  state.chunks = next.length > 1 && worthMerging(next) ? [mergeChunks(state, next)] : next;
  state.steps++;
  options.onStep?.(state.steps, live);
  return live > 0;
}

/** The samples of a finished (or length-capped) decode, in (prompt, index) order. */
export function finish(state: DecodeState): Sample[] {
  const tok = state.model.tokenizer;
  return state.rows.map((r) => {
    const head = tok && r.finish !== "stop" ? headOf(state, r.prompt) : undefined;
    return {
      prompt: r.prompt,
      index: r.index,
      tokens: r.tokens,
      text: head ? continuationAfter(tok!, head.ids, head.text, r.tokens) : tok ? r.text : "",
      logprobs: r.logprobs,
      finish: r.finish ?? "length",
      ...(r.stop !== undefined ? { stop: r.stop } : {}),
      ...(r.hidden ? { hidden: r.hidden } : {}),
      ...(r.entropies ? { entropies: r.entropies, margins: r.margins } : {}),
    };
  });
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
