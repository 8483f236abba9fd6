/**
 * A small seeded PRNG for the procedural tasks: splitmix32 to spread the seed, mulberry32 to draw.
 * Same seed, same tasks, on every machine.
 *
 * @module
 */

/** A seeded source of random draws. */
export interface TaskRng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of a list (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** splitmix32: spreads nearby seeds (0, 1, 2, …) into unrelated states. */
function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A mulberry32 generator seeded through splitmix32. Throws a RangeError for a seed that is not a
 * safe integer.
 *
 * @example Same seed, same draws
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskRng } from "./rng.ts";
 * const a = taskRng(7), b = taskRng(7);
 * assert.deepEqual([a.int(1, 6), a.int(1, 6)], [b.int(1, 6), b.int(1, 6)]);
 * ```
 */
export function taskRng(seed: number): TaskRng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(
      `Cannot seed the task RNG: 'seed' must be a safe integer: current value is ${seed}`,
    );
  }
  // Fold the high bits in so seeds above 2^32 differ too.
  let state = splitmix32((seed | 0) ^ splitmix32(Math.floor(seed / 2 ** 32)));
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
