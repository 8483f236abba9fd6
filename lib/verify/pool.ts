/**
 * A worker pool: maps items through an async function with at most `concurrency` in flight,
 * keeping the input order in the output.
 *
 * @module
 */

/** Options of {@link mapPool}. */
export interface PoolOptions<R> {
  /** How many calls run at once. @default 2 */
  readonly concurrency?: number;
  /** Called after each item finishes, with the number done so far and its result. */
  readonly onDone?: (done: number, result: R, index: number) => void;
}

/**
 * Maps `items` through `fn` with bounded concurrency; results come back in input order.
 *
 * @example Three tasks, two at a time, results in input order
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapPool } from "./pool.ts";
 * let inFlight = 0, most = 0;
 * const out = await mapPool([3, 1, 2], async (x) => {
 *   most = Math.max(most, ++inFlight);
 *   await new Promise((r) => setTimeout(r, x));
 *   inFlight--;
 *   return x * 10;
 * }, { concurrency: 2 });
 * assert.deepEqual(out, [30, 10, 20]);
 * assert.equal(most, 2);
 * ```
 */
export async function mapPool<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  options: PoolOptions<R> = {},
): Promise<R[]> {
  const { concurrency = 2, onDone } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot run the pool: 'concurrency' must be a positive integer: current value is ${concurrency}`,
    );
  }
  const out = new Array<R>(items.length);
  let next = 0, done = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
      onDone?.(++done, out[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
