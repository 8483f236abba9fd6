/**
 * The one seeded random generator of the toolkit (xoshiro128**, seeded through splitmix32):
 * uniform numbers, integers, normals, shuffles, and named child streams that depend only on the
 * parent's seed and the name. Its state is four 32-bit words, so a checkpoint can save it as JSON
 * and a resumed run draws exactly what an uninterrupted one would. No module-level state: each
 * stream is an object passed where it is used.
 *
 * @module
 */

/** A generator's whole state, as plain JSON-safe numbers (unsigned 32-bit integers). */
export interface RngState {
  /** The 32-bit seed that child streams are derived from (fixed for the stream's life). */
  readonly seed: number;
  /** The four xoshiro128** words. */
  readonly words: readonly [number, number, number, number];
}

/** A seeded stream of random numbers. */
export interface Rng {
  /** The next number, uniform in [0, 1). */
  next(): number;
  /** An integer uniform in [lo, hi], both included. */
  int(lo: number, hi: number): number;
  /** A normal draw (Box–Muller, two uniforms per draw). @default mean 0, std 1 */
  normal(mean?: number, std?: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of a list (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /**
   * An independent child stream named by `key` (a string such as `"init"`, or an index such as a
   * batch row). It depends only on this stream's seed and `key`, not on how many numbers were
   * drawn, so per-row streams are the same however a batch is run.
   */
  split(key: string | number): Rng;
  /** A copy of the current state, for {@link restoreRng}. */
  state(): RngState;
}

const TWO_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Folds a safe integer into 32 bits; values beyond 32 bits mix their high bits in, so 2^32 ≠ 0. */
function fold32(v: number): number {
  const hi = Math.floor(v / TWO_32);
  return hi === 0 || hi === -1 ? v >>> 0 : ((v >>> 0) ^ splitmix32(hi >>> 0)()) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a name. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function fromState(seed: number, words: readonly number[]): Rng {
  let [a, b, c, d] = words;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const next = () => {
    // xoshiro128**: the 32-bit output becomes a double in [0, 1).
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / TWO_32;
  };
  const int = (lo: number, hi: number) => {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(
        `Cannot draw an integer: 'lo' and 'hi' must be integers with lo ≤ hi: current values are ${lo} and ${hi}`,
      );
    }
    return lo + Math.floor(next() * (hi - lo + 1));
  };
  return {
    next,
    int,
    normal(mean = 0, std = 1) {
      const u1 = 1 - next(); // in (0, 1], so the log is finite
      const u2 = next();
      return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    pick(items) {
      if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
      return items[int(0, items.length - 1)];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    split(key) {
      if (typeof key === "string") {
        // A different mixing constant from index keys, so a name never aliases an index.
        return seeded32(splitmix32(seed ^ 0x2545f491 ^ splitmix32(hashName(key))())());
      }
      if (!Number.isSafeInteger(key)) {
        throw new RangeError(
          `Cannot split a random generator: 'key' must be a string or a safe integer: current value is ${key}`,
        );
      }
      const k = fold32(key + 1);
      return seeded32((Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(k, 0x165667b1)) >>> 0);
    },
    state: () => ({ seed, words: [a >>> 0, b >>> 0, c >>> 0, d >>> 0] }),
  };
}

function seeded32(s32: number): Rng {
  const init = splitmix32(s32);
  const words = [init(), init(), init(), init()];
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return fromState(s32, words);
}

/**
 * Creates a generator from an integer seed (any safe integer; negative and large seeds are folded
 * into the 32-bit state deterministically, high bits mixed in).
 *
 * @example Same seed, same numbers; named and indexed child streams
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const a = createRng(7), b = createRng(7);
 * assert.equal(a.next(), b.next());
 * assert.notEqual(a.split(0).next(), a.split(1).next());
 * assert.equal(a.split("init").next(), createRng(7).split("init").next());
 * const d = a.int(1, 6);
 * assert.ok(Number.isInteger(d) && d >= 1 && d <= 6);
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(
      `Cannot create a random generator: 'seed' must be a safe integer: current value is ${seed}`,
    );
  }
  return seeded32(fold32(seed));
}

const isU32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < TWO_32;

/**
 * A generator that continues exactly where the one that gave `state` was.
 *
 * @example Save and continue
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng, restoreRng } from "./rng.ts";
 * const a = createRng(3);
 * a.next();
 * const saved = JSON.parse(JSON.stringify(a.state()));
 * assert.equal(restoreRng(saved).next(), a.next());
 * ```
 */
export function restoreRng(state: RngState): Rng {
  const words = state?.words;
  if (
    !isU32(state?.seed) || !Array.isArray(words) || words.length !== 4 || !words.every(isU32) ||
    (words[0] | words[1] | words[2] | words[3]) === 0
  ) {
    throw new TypeError(
      `Cannot restore a random generator: the state must be { seed, words: [4 unsigned 32-bit integers, not all 0] }: current value is ${
        JSON.stringify(state)
      }`,
    );
  }
  return fromState(state.seed, words);
}
