/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32), so a sampling run
 * repeats exactly. No module-level state: each stream is an object passed where it is used.
 *
 * @module
 */

/** A stream of uniform numbers in [0, 1). */
export interface Rng {
  /** The next number in [0, 1). */
  next(): number;
  /** An independent stream derived from this one's seed and `index` (e.g. one per batch row). */
  fork(index: number): Rng;
}

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

/**
 * Creates a generator from an integer seed (any safe integer; negative and large seeds are
 * folded into the 32-bit state deterministically). `fork(i)` depends only on the seed and `i`,
 * not on how many numbers were drawn, so per-row streams are the same however a batch is run.
 *
 * @example Same seed, same numbers; forks differ from each other
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const a = createRng(7), b = createRng(7);
 * assert.equal(a.next(), b.next());
 * assert.notEqual(a.fork(0).next(), a.fork(1).next());
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(
      `Cannot create a random generator: 'seed' must be a safe integer: current value is ${seed}`,
    );
  }
  // Seeds within 32 bits are used as they are; higher bits are mixed in so 2^32 ≠ 0.
  const hi = Math.floor(seed / 4294967296);
  const s32 = hi === 0 || hi === -1 ? seed >>> 0 : (seed >>> 0) ^ splitmix32(hi >>> 0)();
  const init = splitmix32(s32);
  let [a, b, c, d] = [init(), init(), init(), init()];
  if ((a | b | c | d) === 0) a = 1;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  return {
    next() {
      // xoshiro128**: the top 32 bits of output become a double in [0, 1).
      const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      return result / 4294967296;
    },
    fork(index) {
      if (!Number.isSafeInteger(index)) {
        throw new RangeError(
          `Cannot fork a random generator: 'index' must be a safe integer: current value is ${index}`,
        );
      }
      return createRng(
        (Math.imul(s32 ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(index + 1, 0x165667b1)) >>> 0,
      );
    },
  };
}
