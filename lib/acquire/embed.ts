/**
 * Embedders: texts to vectors for proximity, diversity, coreset and answer clustering. Three
 * kinds: the student's own mean-pooled hidden states (the default; nothing to download), hashed
 * n-grams (no model at all, exactly reproducible), and any transformers.js feature-extraction
 * model from a local folder.
 *
 * Every embedder here returns L2-normalised vectors (a zero vector stays zero), so a dot product
 * is the cosine similarity and Euclidean k-means on them orders points as cosine distance does.
 *
 * @module
 */

import { basename, dirname, resolve } from "node:path";
import { embedSequences, type LanguageModel } from "../model/mod.ts";
import type { Embedder } from "./types.ts";

/** Scales `v` to unit length in place (a zero vector is left as is) and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

/**
 * The cosine similarity of two vectors (0 where either is zero).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosine } from "./embed.ts";
 * assert.equal(cosine([1, 0], [0, 2]), 0);
 * assert.ok(Math.abs(cosine([1, 1], [2, 2]) - 1) < 1e-12);
 * ```
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot compare embeddings: lengths ${a.length} and ${b.length} differ`);
  }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * The student's own embedder: each text encoded with the student's tokenizer (BOS first, cut to
 * the student's context), its final hidden states mean-pooled (`embedSequences`), L2-normalised.
 *
 * @example Equal texts embed alike, to unit length
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { studentEmbedder } from "./embed.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const [a, b, c] = await studentEmbedder(student).embed(["Q: 2+2?", "Q: 2+2?", "a poem"]);
 * assert.equal(a.length, student.config.hiddenSize);
 * assert.deepEqual(a, b);
 * assert.ok(Math.abs(a.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
 * assert.notDeepEqual(a, c);
 * ```
 */
export function studentEmbedder(model: LanguageModel): Embedder {
  const tok = model.tokenizer;
  if (!tok) throw new Error("Cannot embed with the student: the model has no tokenizer");
  const max = model.config.maxPositionEmbeddings;
  return {
    name: "student-mean-pool",
    async embed(texts) {
      if (texts.length === 0) return [];
      const seqs = texts.map((t) => tok.encode(t, { addBos: true }).slice(0, max));
      const out = await embedSequences(model, seqs);
      return out.map(normalize);
    },
  };
}

/** Options of {@link hashedNgramEmbedder}. */
export interface HashedNgramOptions {
  /** n-gram length (a text shorter than n is one gram). @default 3 */
  readonly n?: number;
  /** Buckets, the vector length. @default 256 */
  readonly dims?: number;
  /** Seeds the hash: another seed, another (equally good) projection. @default 0 */
  readonly seed?: number;
  /**
   * `char`: n-grams of characters (lowercased, whitespace runs as one space); `word`: n-grams of
   * lowercased words (runs of letters and digits).
   * @default "char"
   */
  readonly unit?: "char" | "word";
}

/** 32-bit FNV-1a of `s` from a seeded offset, then a final avalanche (murmur3's fmix32). */
function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The n-grams of a text, by unit. */
export function ngrams(text: string, n: number, unit: "char" | "word"): string[] {
  const parts = unit === "char"
    ? [...text.toLowerCase().replace(/\s+/g, " ")]
    : text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (parts.length === 0) return [];
  const sep = unit === "char" ? "" : " ";
  if (parts.length < n) return [parts.join(sep)];
  const out: string[] = [];
  for (let i = 0; i + n <= parts.length; i++) out.push(parts.slice(i, i + n).join(sep));
  return out;
}

/**
 * Hashed n-grams (the feature-hashing trick): every n-gram adds ±1 to one of `dims` buckets,
 * bucket and sign both from a seeded hash (so collisions cancel in expectation), then the vector
 * is L2-normalised. Deterministic: no model, no randomness beyond `seed`. An empty text gives the
 * zero vector.
 *
 * @example Shared n-grams make texts similar
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosine, hashedNgramEmbedder } from "./embed.ts";
 * const e = hashedNgramEmbedder({ n: 3, dims: 512 });
 * const [a, b, c] = await e.embed(["what is 2 + 3?", "what is 2 + 4?", "name a prime"]);
 * assert.ok(cosine(a, b) > cosine(a, c));
 * ```
 */
export function hashedNgramEmbedder(options: HashedNgramOptions = {}): Embedder {
  const { n = 3, dims = 256, seed = 0, unit = "char" } = options;
  const bad = (field: string, want: string, value: unknown) =>
    new RangeError(
      `Cannot build hashed n-gram embedder: '${field}' must be ${want}: current value is ${
        JSON.stringify(value)
      }`,
    );
  if (!Number.isInteger(n) || n < 1) throw bad("n", "a positive integer", n);
  if (!Number.isInteger(dims) || dims < 1) throw bad("dims", "a positive integer", dims);
  if (!Number.isInteger(seed)) throw bad("seed", "an integer", seed);
  if (unit !== "char" && unit !== "word") throw bad("unit", "'char' or 'word'", unit);
  return {
    name: `hashed-ngrams(${unit} ${n}, ${dims})`,
    embed(texts) {
      return Promise.resolve(texts.map((t) => {
        const v = new Float32Array(dims);
        for (const g of ngrams(t, n, unit)) {
          const h = hash32(g, seed);
          v[h % dims] += (hash32(g, seed + 1) & 1) ? 1 : -1;
        }
        return normalize(v);
      }));
    },
  };
}

/** Options of {@link transformersEmbedder}. */
export interface TransformersEmbedderOptions {
  /** Model file precision transformers.js loads (`fp32`, `q8`, …). @default "fp32" */
  readonly dtype?: "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4";
}

/** The slice of transformers.js this module uses. */
interface FeatureExtractor {
  (texts: string[], options: { pooling: "mean"; normalize: boolean }): Promise<{
    data: Float32Array;
    dims: number[];
  }>;
}

/**
 * Any transformers.js feature-extraction model (an encoder such as a MiniLM sentence model) from
 * a local folder: `config.json`, the tokenizer files and `onnx/model.onnx`. Loaded on first use,
 * offline (`local_files_only`), mean-pooled over tokens and L2-normalised by the pipeline.
 *
 * @example A missing folder is an error naming it
 * ```ts
 * import assert from "node:assert/strict";
 * import { transformersEmbedder } from "./embed.ts";
 * await assert.rejects(
 *   () => transformersEmbedder("no/such/folder").embed(["hi"]),
 *   /Cannot load embedder 'no\/such\/folder': .*config\.json/,
 * );
 * ```
 */
export function transformersEmbedder(
  folder: string,
  options: TransformersEmbedderOptions = {},
): Embedder {
  const { dtype = "fp32" } = options;
  let extractor: Promise<FeatureExtractor> | undefined;
  const load = async (): Promise<FeatureExtractor> => {
    const path = resolve(folder);
    try {
      await Deno.stat(`${path}/config.json`);
    } catch {
      throw new Error(
        `Cannot load embedder '${folder}': no config.json in ${path} (a transformers.js ` +
          `feature-extraction model folder holds config.json, tokenizer files and onnx/)`,
      );
    }
    const hf = await import("@huggingface/transformers");
    // transformers.js reads local models as localModelPath + id; point it at the folder's parent
    // for this one load and put the shared setting back.
    const saved = [hf.env.localModelPath, hf.env.allowRemoteModels] as const;
    hf.env.localModelPath = `${dirname(path)}/`;
    hf.env.allowRemoteModels = false;
    try {
      return (await hf.pipeline("feature-extraction", basename(path), {
        local_files_only: true,
        dtype,
      })) as unknown as FeatureExtractor;
    } catch (e) {
      throw new Error(`Cannot load embedder '${folder}': ${(e as Error).message}`);
    } finally {
      [hf.env.localModelPath, hf.env.allowRemoteModels] = saved;
    }
  };
  return {
    name: basename(folder),
    async embed(texts) {
      if (texts.length === 0) return [];
      extractor ??= load();
      const run = await extractor;
      const out = await run([...texts], { pooling: "mean", normalize: true });
      const d = out.dims[out.dims.length - 1];
      return texts.map((_, i) => out.data.slice(i * d, (i + 1) * d));
    },
  };
}
