/**
 * The run folder's log: every line timestamped, appended to `log.txt` as it happens (so an
 * interrupted run keeps what it said), and passed on to the caller.
 *
 * @module
 */

/** Writes one line to the log. */
export type Log = (line: string) => void;

/**
 * A log appending to `OUT/log.txt` (created with the folder) and calling `echo` with each line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRunLog } from "./run_log.ts";
 * const dir = await Deno.makeTempDir();
 * const log = createRunLog(dir);
 * log("hello");
 * assert.match(await Deno.readTextFile(`${dir}/log.txt`), /^\d{4}-\d\d-\d\dT[\d:.]+Z hello\n$/);
 * ```
 */
export function createRunLog(out: string, echo?: (line: string) => void): Log {
  Deno.mkdirSync(out, { recursive: true });
  return (line: string) => {
    Deno.writeTextFileSync(`${out}/log.txt`, `${new Date().toISOString()} ${line}\n`, {
      append: true,
    });
    echo?.(line);
  };
}

/** Writes JSON lines atomically (temporary file, then rename). */
export async function writeJsonl(path: string, rows: readonly unknown[]): Promise<void> {
  await Deno.writeTextFile(`${path}.tmp`, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  await Deno.rename(`${path}.tmp`, path);
}

/** Reads JSON lines; an error names the file and the line. */
export async function readJsonl<T>(path: string): Promise<T[]> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  return lines.flatMap((l, i) => {
    if (!l.trim()) return [];
    try {
      return [JSON.parse(l) as T];
    } catch (e) {
      throw new SyntaxError(`Cannot read ${path} line ${i + 1}: ${(e as Error).message}`);
    }
  });
}

/** Writes a JSON file atomically, pretty-printed. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(value, null, 2) + "\n");
  await Deno.rename(`${path}.tmp`, path);
}
