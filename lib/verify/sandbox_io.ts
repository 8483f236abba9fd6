/**
 * Run results and the stream readers the sandbox uses: answer lines with a size cap and a
 * deadline, and the capped tail of stderr.
 *
 * @module
 */

/** How a run ended: tests passed, a test failed, time ran out, or the program could not run. */
export type RunStatus = "pass" | "fail" | "timeout" | "error";

/** The outcome of one run. */
export interface RunResult {
  readonly status: RunStatus;
  /** The exit code of the sandbox, or null when it was killed (the usual end of a run). */
  readonly exitCode: number | null;
  /** The last 2,000 characters of the candidate's stderr and the judge's message. */
  readonly stderr: string;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/** Reads lines from a stream, each within a time limit. */
export interface LineReader {
  /** The next line; null at the end of the stream; "timeout" when `ms` passed first. */
  next(ms: number): Promise<string | null | "timeout">;
  cancel(): void;
}

/**
 * Splits a byte stream into lines, refusing lines longer than `cap` bytes (the stream then
 * reads as ended).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineReader } from "./sandbox_io.ts";
 * const stream = ReadableStream.from([new TextEncoder().encode("a\nb")]);
 * const lines = lineReader(stream, 100);
 * assert.equal(await lines.next(1000), "a");
 * assert.equal(await lines.next(1000), null);
 * ```
 */
export function lineReader(stream: ReadableStream<Uint8Array>, cap: number): LineReader {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0, ended = false;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  const take = (upTo: number): string => {
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) (all.set(c, at), at += c.length);
    const line = new TextDecoder().decode(all.subarray(0, upTo));
    const rest = all.subarray(upTo + 1);
    chunks.length = 0;
    if (rest.length) chunks.push(rest);
    size = rest.length;
    return line;
  };
  return {
    async next(ms) {
      const deadline = performance.now() + ms;
      while (true) {
        let seen = 0;
        for (const c of chunks) {
          const nl = c.indexOf(10);
          if (nl >= 0) return take(seen + nl);
          seen += c.length;
        }
        if (ended || size > cap) return null;
        const left = deadline - performance.now();
        if (left <= 0) return "timeout";
        pending ??= reader.read();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const r = await Promise.race([
          pending,
          new Promise<"timeout">((res) => timer = setTimeout(() => res("timeout"), left)),
        ]).catch(() => ({ done: true as const, value: undefined }));
        clearTimeout(timer);
        if (r === "timeout") return "timeout";
        pending = null;
        if (r.done || !r.value) ended = true;
        else (chunks.push(r.value), size += r.value.length);
      }
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}

/**
 * Reads a stream to its end keeping at most the last `cap` bytes, so floods cannot fill memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tailReader } from "./sandbox_io.ts";
 * const bytes = new TextEncoder().encode("0123456789");
 * assert.equal(await tailReader(ReadableStream.from([bytes]), 4), "0123456789");
 * ```
 */
export async function tailReader(stream: ReadableStream<Uint8Array>, cap: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    chunks.push(c);
    size += c.length;
    while (chunks.length > 1 && size - chunks[0].length > cap) size -= chunks.shift()!.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (all.set(c, at), at += c.length);
  return new TextDecoder().decode(all);
}
