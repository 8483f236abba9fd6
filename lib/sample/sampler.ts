/**
 * Batched sampling with a KV cache: B prompts × G samples each (GRPO groups), ragged prompts
 * left-padded, temperature / top-k / top-p, stop strings, EOS, a seeded generator per row so a
 * run repeats exactly; returns token ids, text and per-token log-probs.
 *
 * @module
 */

import { type HostTensor, tensor } from "../graph/tensor.ts";
import { cacheNames } from "../model/programs.ts";
import { decodeProgram, type LanguageModel, weightFeeds } from "../model/model.ts";
import { runProgram } from "../runtime/program.ts";
import { checkChooseOptions, type ChooseOptions, chooseToken } from "./choose.ts";
import { createRng, type Rng } from "./rng.ts";
import { findStop } from "./stop.ts";

/** Options of {@link sample}. */
export interface SampleOptions extends ChooseOptions {
  /** G: samples per prompt. @default 1 */
  readonly samplesPerPrompt?: number;
  /** @default 64 */
  readonly maxNewTokens?: number;
  /** Text that ends a sample (not included in its text). @default [] */
  readonly stop?: readonly string[];
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
  /** Generated text, cut before any stop string. */
  readonly text: string;
  /** log p of each generated token under the model's softmax (what scoring would give). */
  readonly logprobs: number[];
  /** Why it ended. */
  readonly finish: "eos" | "stop" | "length";
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
  lastPos: number;
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

/**
 * Samples continuations of `prompts` (text, or token ids) from `model`.
 *
 * @example Greedy continuation (needs a model with a tokenizer)
 * ```ts ignore
 * const [s] = await sample(model, ["Once upon a time"], { temperature: 0, maxNewTokens: 20 });
 * console.log(s.text);
 * ```
 */
export async function sample(
  model: LanguageModel,
  prompts: readonly (string | readonly number[])[],
  options: SampleOptions = {},
): Promise<Sample[]> {
  const {
    samplesPerPrompt = 1,
    maxNewTokens = 64,
    stop = [],
    seed = 0,
    addBos = true,
    stopAtEos = true,
  } = options;
  checkChooseOptions(options);
  if (!Number.isInteger(samplesPerPrompt) || samplesPerPrompt < 1) {
    throw new RangeError(
      `'samplesPerPrompt' must be an integer ≥ 1: current value is ${samplesPerPrompt}`,
    );
  }
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new RangeError(`'maxNewTokens' must be an integer ≥ 1: current value is ${maxNewTokens}`);
  }
  const c = model.config;
  const tok = model.tokenizer;
  const encoded = prompts.map((p, i) => {
    if (typeof p !== "string") return [...p];
    if (!tok) throw new Error(`Cannot sample: prompt ${i} is text but the model has no tokenizer`);
    return tok.encode(p, { addBos });
  });
  encoded.forEach((ids, i) => {
    if (ids.length === 0) {
      throw new Error(
        `Cannot sample: prompt ${i} is empty (no tokens; sample from BOS with addBos)`,
      );
    }
    if (ids.length + maxNewTokens > c.maxPositionEmbeddings) {
      throw new RangeError(
        `Cannot sample: prompt ${i} has ${ids.length} tokens and ${maxNewTokens} new tokens are asked for, but the model's context is ${c.maxPositionEmbeddings}`,
      );
    }
  });
  const eos = new Set<number>([c.eosTokenId ?? tok?.eosId ?? []].flat() as number[]);
  const rng = createRng(seed);
  const rows: Row[] = [];
  const rngs: Rng[] = [];
  for (let p = 0; p < encoded.length; p++) {
    for (let g = 0; g < samplesPerPrompt; g++) {
      rows.push({
        prompt: p,
        index: g,
        tokens: [],
        logprobs: [],
        text: "",
        lastPos: encoded[p].length - 1,
      });
      rngs.push(rng.fork(rows.length - 1));
    }
  }
  const prog = await decodeProgram(model);
  // A decoder with weights baked in reads none; one over the store reads them all.
  const weights = prog.signature.inputs.some((i) => i.name === "model.embed_tokens.weight")
    ? weightFeeds(model)
    : {};

  // Prefill: left-pad to the longest prompt; padding is masked and takes position 0.
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
  let active = rows.map((_, i) => i);
  let maskRows: number[][] = rows.map((_, r) => mask.slice(r * width, (r + 1) * width));
  const past: Record<string, HostTensor> = {};
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const empty = tensor("float32", [rows.length, c.numKeyValueHeads, 0, c.headDim]);
    past[cacheNames(l).pastKey] = empty;
    past[cacheNames(l).pastValue] = empty;
  }
  let feeds: Record<string, HostTensor> = {
    ...weights,
    ...past,
    input_ids: tensor("int64", [rows.length, width], ids),
    attention_mask: tensor("int64", [rows.length, width], mask),
    position_ids: tensor("int64", [rows.length, width], pos),
  };
  for (let step = 0; step < maxNewTokens && active.length > 0; step++) {
    const out = await runProgram(prog, feeds, { trusted: step > 0 });
    const logits = out.logits.data as Float32Array;
    const [n, tq, v] = out.logits.shape;
    const next: number[] = [];
    const still: number[] = [];
    active.forEach((r, i) => {
      const row = rows[r];
      const choice = chooseToken(
        logits.subarray((i * tq + tq - 1) * v, (i * tq + tq) * v),
        options,
        rngs[r],
      );
      if (stopAtEos && eos.has(choice.token)) {
        row.finish = "eos";
      } else {
        row.tokens.push(choice.token);
        row.logprobs.push(choice.logprobRaw);
        if (tok && stop.length > 0) {
          const text = continuationText(tok, encoded[row.prompt], row.tokens);
          const at = findStop(text, stop, row.text.length);
          row.text = text;
          if (at >= 0) {
            row.text = text.slice(0, at);
            row.finish = "stop";
          }
        }
      }
      if (!row.finish) {
        still.push(i);
        next.push(choice.token);
      }
    });
    options.onStep?.(step + 1, still.length);
    if (still.length === 0) break;
    // Drop finished rows from the batch and the cache.
    const keepAll = still.length === n;
    active = still.map((i) => active[i]);
    maskRows = still.map((i) => [...maskRows[i], 1]);
    const cache: Record<string, HostTensor> = {};
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const nm = cacheNames(l);
      cache[nm.pastKey] = keepAll ? out[nm.presentKey] : selectRows(out[nm.presentKey], still);
      cache[nm.pastValue] = keepAll
        ? out[nm.presentValue]
        : selectRows(out[nm.presentValue], still);
    }
    feeds = {
      ...weights,
      ...cache,
      input_ids: tensor("int64", [active.length, 1], next),
      attention_mask: tensor("int64", [active.length, maskRows[0].length], maskRows.flat()),
      position_ids: tensor("int64", [active.length, 1], active.map((r) => ++rows[r].lastPos)),
    };
  }
  return rows.map((r) => ({
    prompt: r.prompt,
    index: r.index,
    tokens: r.tokens,
    text: r.finish === "stop"
      ? r.text
      : tok
      ? continuationText(tok, encoded[r.prompt], r.tokens)
      : "",
    logprobs: r.logprobs,
    finish: r.finish ?? "length",
  }));
}
