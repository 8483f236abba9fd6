/**
 * Building the context acquisition functions score against, and the seed-side values computed
 * once per context: the seed questions' embeddings and their k-means centroids.
 *
 * @module
 */

import type { TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import { createRng, type Rng } from "../run/mod.ts";
import type { Sandbox } from "../verify/mod.ts";
import { kMeans } from "./cluster.ts";
import { studentEmbedder } from "./embed.ts";
import type { AcquireContext, Embedder } from "./types.ts";

/** Options of {@link createAcquireContext}. */
export interface AcquireContextOptions {
  /** How texts are embedded. @default the student's mean-pooled hidden states (`studentEmbedder`) */
  readonly embedder?: Embedder;
  /** Seeds the context's RNG (ignored when `rng` is given). @default 0 */
  readonly seed?: number;
  /** The run's RNG stream to use as is (a split of it, typically). */
  readonly rng?: Rng;
  readonly sandbox?: Sandbox;
  readonly committee?: readonly LanguageModel[];
  readonly validation?: readonly TaskRecord[];
  readonly reference?: LanguageModel;
  /** Per-function options by function name (each function checks its own fields). */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const KNOWN: readonly (keyof AcquireContextOptions)[] = [
  "embedder",
  "seed",
  "rng",
  "sandbox",
  "committee",
  "validation",
  "reference",
  "options",
];

function contextError(field: string, want: string, value: unknown): Error {
  const shown = typeof value === "object" && value !== null
    ? (Array.isArray(value) ? "an array" : "an object")
    : JSON.stringify(value) ?? String(value);
  return new TypeError(
    `Cannot create acquire context: '${field}' must be ${want}: current value is ${shown}`,
  );
}

const isModel = (m: unknown): m is LanguageModel =>
  typeof m === "object" && m !== null && "config" in m && "store" in m;
const isPlainObject = (o: unknown): o is Record<string, unknown> =>
  typeof o === "object" && o !== null && !Array.isArray(o);

/**
 * A context for scoring candidates: the student, the seed records, the embedder (the student's
 * own by default), a seeded RNG, the optional sandbox, committee, validation set, reference
 * model and per-function options, and an empty cache. Options are checked, naming the field.
 *
 * @example A context on the default student with hashed n-gram embeddings
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { createAcquireContext, hashedNgramEmbedder } from "./mod.ts";
 * const student = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const context = createAcquireContext(student, [], { embedder: hashedNgramEmbedder(), seed: 3 });
 * assert.equal(context.embedder.name, "hashed-ngrams(char 3, 256)");
 * assert.equal(context.cache.size, 0);
 * assert.throws(() => createAcquireContext(student, [], { seed: 0.5 }), /'seed' must be an integer/);
 * ```
 */
export function createAcquireContext(
  student: LanguageModel,
  seeds: readonly TaskRecord[],
  options: AcquireContextOptions = {},
): AcquireContext {
  if (!isModel(student)) throw contextError("student", "a LanguageModel", student);
  if (!Array.isArray(seeds)) throw contextError("seeds", "an array of task records", seeds);
  seeds.forEach((r, i) => {
    if (!isPlainObject(r) || typeof r.question !== "string") {
      throw contextError(`seeds[${i}]`, "a task record with a 'question'", r);
    }
  });
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k as keyof AcquireContextOptions)) {
      throw new TypeError(
        `Cannot create acquire context: unknown option '${k}': known are ${KNOWN.join(", ")}`,
      );
    }
  }
  const { seed = 0, embedder, rng, sandbox, committee, validation, reference } = options;
  if (!Number.isInteger(seed)) throw contextError("seed", "an integer", seed);
  if (embedder !== undefined) {
    if (!isPlainObject(embedder) || typeof embedder.embed !== "function") {
      throw contextError("embedder", "an Embedder (name and embed(texts))", embedder);
    }
  }
  if (rng !== undefined && (!isPlainObject(rng) || typeof rng.next !== "function")) {
    throw contextError("rng", "an Rng", rng);
  }
  if (committee !== undefined) {
    if (!Array.isArray(committee)) throw contextError("committee", "an array of models", committee);
    committee.forEach((m, i) => {
      if (!isModel(m)) throw contextError(`committee[${i}]`, "a LanguageModel", m);
    });
  }
  if (validation !== undefined && !Array.isArray(validation)) {
    throw contextError("validation", "an array of task records", validation);
  }
  if (reference !== undefined && !isModel(reference)) {
    throw contextError("reference", "a LanguageModel", reference);
  }
  if (options.options !== undefined) {
    if (!isPlainObject(options.options)) {
      throw contextError("options", "an object", options.options);
    }
    for (const [name, o] of Object.entries(options.options)) {
      if (!isPlainObject(o)) throw contextError(`options.${name}`, "an object", o);
    }
  }
  return {
    student,
    seeds,
    embedder: embedder ?? studentEmbedder(student),
    rng: rng ?? createRng(seed),
    cache: new Map(),
    ...(sandbox && { sandbox }),
    ...(committee && { committee }),
    ...(validation && { validation }),
    ...(reference && { reference }),
    ...(options.options && { options: options.options }),
  };
}

/** The value cached under `key`, computed by `make` on first use (concurrent callers share it). */
export function cached<T>(
  context: AcquireContext,
  key: string,
  make: () => Promise<T>,
): Promise<T> {
  let p = context.cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    context.cache.set(key, p);
    // A failed computation is not cached: the next call tries again.
    p.catch(() => context.cache.delete(key));
  }
  return p;
}

function needSeeds(context: AcquireContext, what: string): void {
  if (context.seeds.length === 0) {
    throw new RangeError(`Cannot compute ${what}: the context has no seeds (current count is 0)`);
  }
}

/**
 * The seed questions embedded with the context's embedder, once per context (cached).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder, seedEmbeddings } from "./mod.ts";
 * const seeds = ["2+2?", "3+5?"].map((question, i) => ({ id: `${i}`, domain: "math" as const,
 *   answerKind: "number" as const, question, answer: "0", meta: {} }));
 * const context = { student: undefined as never, seeds, embedder: hashedNgramEmbedder(),
 *   rng: createRng(1), cache: new Map() };
 * const a = await seedEmbeddings(context);
 * assert.equal(a.length, 2);
 * assert.equal(await seedEmbeddings(context), a);
 * ```
 */
export async function seedEmbeddings(context: AcquireContext): Promise<Float32Array[]> {
  needSeeds(context, "seed embeddings");
  return await cached(
    context,
    "seed-embeddings",
    () => context.embedder.embed(context.seeds.map((r) => r.question)),
  );
}

/**
 * k-means centroids of the seed question embeddings (k = min(100, seeds) by default, as the
 * reference work's 100 centroids of 500 seeds), seeded k-means++ from the context's RNG split by
 * `seed-centroids:k` (so the result does not depend on what else drew from the RNG); cached by k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../run/mod.ts";
 * import { hashedNgramEmbedder, seedCentroids } from "./mod.ts";
 * const seeds = ["2+2?", "3+5?", "name a fruit"].map((question, i) => ({ id: `${i}`,
 *   domain: "math" as const, answerKind: "number" as const, question, answer: "0", meta: {} }));
 * const context = { student: undefined as never, seeds, embedder: hashedNgramEmbedder(),
 *   rng: createRng(1), cache: new Map() };
 * assert.equal((await seedCentroids(context)).length, 3);
 * assert.equal((await seedCentroids(context, 2)).length, 2);
 * ```
 */
export async function seedCentroids(context: AcquireContext, k?: number): Promise<Float32Array[]> {
  needSeeds(context, "seed centroids");
  const n = context.seeds.length;
  const kk = k ?? Math.min(100, n);
  if (!Number.isInteger(kk) || kk < 1 || kk > n) {
    throw new RangeError(
      `Cannot compute seed centroids: 'k' must be an integer from 1 to the ${n} seeds: current value is ${k}`,
    );
  }
  return await cached(context, `seed-centroids:${kk}`, async () => {
    const points = await seedEmbeddings(context);
    return kMeans(points, kk, { rng: context.rng.split(`seed-centroids:${kk}`) }).centroids;
  });
}
