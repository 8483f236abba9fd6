/**
 * Results shared between runs (`PipelineOptions.cache`, a folder): a stage asks for a value by
 * what it is and a key holding everything it depends on; the first run computes and stores it,
 * every later run with the same key reads it back. Files are `CACHE/<what>-<hash16>.json` (or
 * `.jsonl`), written to a temporary file in the same folder and renamed, so an interrupted run
 * never leaves a half-written entry. Each file repeats its key, so a file is self-describing and
 * a hash collision recomputes instead of returning a wrong value.
 *
 * @module
 */

import { type JsonValue, sha256Hex } from "../run/mod.ts";
import type { StageContext } from "./context.ts";

/** What {@link cachedRunResult} needs of a stage's context: the folder, and a log for hits and misses. */
export type CacheContext = Pick<StageContext, "cache"> & Partial<Pick<StageContext, "log">>;

/**
 * JSON with object keys sorted, so a key hashes the same whatever order its fields were built in.
 *
 * @example Field order does not matter
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalJson } from "./mod.ts";
 * assert.equal(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null }), '{"a":null,"b":[1,{"c":3,"d":2}]}');
 * ```
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  const o = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/** The entry's path for `what` and `key`. */
async function entryPath(dir: string, what: string, key: JsonValue, ext: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(what)) {
    throw new RangeError(
      `Cannot use the cache: 'what' must be letters, digits, '.', '_' or '-': current value is '${what}'`,
    );
  }
  const hash = await sha256Hex(canonicalJson({ what, key }));
  return `${dir}/${what}-${hash.slice(0, 16)}.${ext}`;
}

/** Writes `text` to `path` through a temporary file in the same folder and a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await Deno.makeTempFile({ dir, prefix: ".tmp-", suffix: ".part" });
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function parsed(path: string, line: string): JsonValue {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new SyntaxError(
      `Cannot read the cache entry ${path}: it is not JSON (${
        (e as Error).message
      }); delete it to recompute`,
    );
  }
}

/**
 * The value `compute()` returns, stored in `ctx.cache` under `what` and `key` (computed every
 * time where `ctx.cache` is null). `key` must hold everything the value depends on (model
 * fingerprints from {@link modelFingerprint}, the config fields, the seed).
 *
 * @example The second call with the same key reads the stored value
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedRunResult } from "./mod.ts";
 * const ctx = { cache: await Deno.makeTempDir() };
 * let calls = 0;
 * const compute = () => Promise.resolve({ n: ++calls });
 * assert.deepEqual(await cachedRunResult(ctx, "demo", { seed: 1 }, compute), { n: 1 });
 * assert.deepEqual(await cachedRunResult(ctx, "demo", { seed: 1 }, compute), { n: 1 });
 * assert.deepEqual(await cachedRunResult(ctx, "demo", { seed: 2 }, compute), { n: 2 });
 * assert.deepEqual(await cachedRunResult({ cache: null }, "demo", { seed: 1 }, compute), { n: 3 });
 * ```
 */
export async function cachedRunResult<T extends JsonValue>(
  ctx: CacheContext,
  what: string,
  key: JsonValue,
  compute: () => Promise<T>,
): Promise<T> {
  if (ctx.cache === null) return await compute();
  const path = await entryPath(ctx.cache, what, key, "json");
  const text = await readIfPresent(path);
  if (text !== null) {
    const entry = parsed(path, text) as { key?: JsonValue; value?: JsonValue };
    if (entry && canonicalJson(entry.key ?? null) === canonicalJson(key) && "value" in entry) {
      ctx.log?.(`${what}: from cache (${path})`);
      return entry.value as T;
    }
  }
  const value = await compute();
  await writeAtomic(path, JSON.stringify({ what, key, value }) + "\n");
  ctx.log?.(`${what}: computed, cachedRunResult as ${path}`);
  return value;
}

/**
 * Like {@link cachedRunResult}, for a list of records: stored as JSON Lines (a header line with the key,
 * then one record a line), so large sample pools stay readable with line tools.
 *
 * @example A pool of records computed once
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedRunRecords } from "./mod.ts";
 * const ctx = { cache: await Deno.makeTempDir() };
 * let calls = 0;
 * const pool = () => Promise.resolve([{ i: ++calls }, { i: 10 }]);
 * await cachedRunRecords(ctx, "pool", { seed: 0 }, pool);
 * assert.deepEqual(await cachedRunRecords(ctx, "pool", { seed: 0 }, pool), [{ i: 1 }, { i: 10 }]);
 * assert.equal(calls, 1);
 * ```
 */
export async function cachedRunRecords<T extends JsonValue>(
  ctx: CacheContext,
  what: string,
  key: JsonValue,
  compute: () => Promise<T[]>,
): Promise<T[]> {
  if (ctx.cache === null) return await compute();
  const path = await entryPath(ctx.cache, what, key, "jsonl");
  const text = await readIfPresent(path);
  if (text !== null) {
    const lines = text.split("\n").filter((l) => l.length > 0);
    const header = lines.length ? parsed(path, lines[0]) as { key?: JsonValue } : null;
    if (header && canonicalJson(header.key ?? null) === canonicalJson(key)) {
      ctx.log?.(`${what}: from cache (${path})`);
      return lines.slice(1).map((l) => parsed(path, l) as T);
    }
  }
  const records = await compute();
  const body = records.map((r) => JSON.stringify(r) + "\n").join("");
  await writeAtomic(path, JSON.stringify({ what, key }) + "\n" + body);
  ctx.log?.(`${what}: computed, cachedRunResult as ${path}`);
  return records;
}

/** The files whose bytes decide a model's outputs (a missing tokenizer.json hashes as absent). */
const MODEL_FILES = ["config.json", "tokenizer.json", "model.safetensors"] as const;

/**
 * A model folder's content hash for cache keys: SHA-256 over the bytes of its `config.json`,
 * `tokenizer.json` and `model.safetensors`. Content, not size and modification time, because a
 * retrained model written in place keeps its size, and a copied folder keeps its content;
 * hashing a few megabytes costs milliseconds.
 *
 * @example The same folder hashes the same; a changed weight file does not
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelFingerprint } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/config.json`, "{}");
 * await Deno.writeFile(`${dir}/model.safetensors`, new Uint8Array([1, 2, 3]));
 * const a = await modelFingerprint(dir);
 * assert.equal(await modelFingerprint(dir), a);
 * await Deno.writeFile(`${dir}/model.safetensors`, new Uint8Array([1, 2, 4]));
 * assert.notEqual(await modelFingerprint(dir), a);
 * ```
 */
export async function modelFingerprint(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of MODEL_FILES) {
    const bytes = await Deno.readFile(`${dir}/${name}`).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    });
    parts.push(`${name}:${bytes === null ? "absent" : await sha256Hex(bytes)}`);
  }
  return await sha256Hex(parts.join("\n"));
}
