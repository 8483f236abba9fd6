/**
 * Progress bars for long work. On a terminal the bar redraws in place; elsewhere (CI logs,
 * notebooks) it prints a line at each tenth of the way, so logs stay short.
 *
 * @module
 */

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Where to draw. @default Deno.stderr */
  readonly out?: { writeSync(p: Uint8Array): number; isTerminal(): boolean };
  /** Width of the bar in characters. @default 30 */
  readonly width?: number;
}

/** A running progress bar. */
export interface Progress {
  /** Advances to `done` of `total`, with an optional status text (e.g. `loss 2.31`). */
  update(done: number, status?: string): void;
  /** Draws the final state and ends the line. */
  finish(status?: string): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${m % 60}m`;
}

/**
 * Starts a progress bar of `total` units labelled `label`.
 *
 * @example A bar over 3 steps, drawn into a buffer
 * ```ts
 * import assert from "node:assert/strict";
 * import { progress } from "./progress.ts";
 * const chunks: string[] = [];
 * const out = { writeSync: (p: Uint8Array) => (chunks.push(new TextDecoder().decode(p)), p.length), isTerminal: () => false };
 * const bar = progress("train", 3, { out });
 * for (let i = 1; i <= 3; i++) bar.update(i, `loss ${(3 - i).toFixed(1)}`);
 * bar.finish();
 * assert.ok(chunks.join("").includes("3/3"));
 * ```
 */
export function progress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const { out = Deno.stderr, width = 30 } = options;
  const tty = out.isTerminal();
  const start = performance.now();
  const enc = new TextEncoder();
  let lastTenth = -1;
  let last = 0;
  let lastStatus = "";
  const line = (done: number, status: string) => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(frac * width);
    const elapsed = (performance.now() - start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    return `${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} ` +
      `${formatSeconds(elapsed)}<${formatSeconds(eta)}${status ? "  " + status : ""}`;
  };
  return {
    update(done, status = "") {
      last = done;
      lastStatus = status;
      if (tty) {
        out.writeSync(enc.encode(`\r${line(done, status)}\x1b[K`));
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(total, 1));
      if (tenth > lastTenth) {
        lastTenth = tenth;
        out.writeSync(enc.encode(line(done, status) + "\n"));
      }
    },
    finish(status) {
      const s = status ?? lastStatus;
      if (tty) out.writeSync(enc.encode(`\r${line(last, s)}\x1b[K\n`));
      else if (lastTenth < 10) out.writeSync(enc.encode(line(last, s) + "\n"));
    },
  };
}
