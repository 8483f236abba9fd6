/**
 * A run's fingerprint: what the run was — its flags, its model config and the hash of its
 * tokenizer — so a checkpoint is only resumed by the same run. Comparing two fingerprints names
 * the first field that differs with both values.
 *
 * @module
 */

/** A JSON value, as a fingerprint holds them. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** What a run was. */
export interface RunFingerprint {
  /** The flags that decide the result (not where it is written, nor thread counts). */
  readonly flags: Readonly<Record<string, JsonValue>>;
  /** The model config, field by field. */
  readonly model: Readonly<Record<string, JsonValue>>;
  /** SHA-256 (hex) of the tokenizer's `tokenizer.json` text, or null without a tokenizer. */
  readonly tokenizer: string | null;
}

/**
 * SHA-256 of a text (UTF-8) or bytes, as lowercase hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./fingerprint.ts";
 * assert.equal(await sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * ```
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What {@link runFingerprint} is made from. */
export interface FingerprintParts {
  /** The flags that decide the result. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** The model config (any JSON-able object; undefined fields are left out). */
  readonly model: object;
  /** The `tokenizer.json` text, when the run has a tokenizer. @default none */
  readonly tokenizerJson?: string;
}

/**
 * The fingerprint of a run, normalised as JSON so it compares equal to one read back from disk.
 *
 * @example Two runs that differ in one flag
 * ```ts
 * import assert from "node:assert/strict";
 * import { fingerprintDifference, runFingerprint } from "./fingerprint.ts";
 * const a = await runFingerprint({ flags: { lr: 0.001 }, model: { hiddenSize: 64 }, tokenizerJson: "{}" });
 * const b = await runFingerprint({ flags: { lr: 0.002 }, model: { hiddenSize: 64 }, tokenizerJson: "{}" });
 * assert.equal(fingerprintDifference(a, a), null);
 * assert.equal(fingerprintDifference(a, b), "flag 'lr' differs: checkpoint has 0.001, this run has 0.002");
 * ```
 */
export async function runFingerprint(parts: FingerprintParts): Promise<RunFingerprint> {
  const { flags, model, tokenizerJson } = parts;
  return JSON.parse(JSON.stringify({
    flags,
    model,
    tokenizer: tokenizerJson === undefined ? null : await sha256Hex(tokenizerJson),
  }));
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

function differingKey(
  saved: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): string | undefined {
  const keys = [...new Set([...Object.keys(saved ?? {}), ...Object.keys(current ?? {})])];
  return keys.find((k) => JSON.stringify(saved?.[k]) !== JSON.stringify(current?.[k]));
}

/**
 * The first difference between a checkpoint's fingerprint (`saved`) and this run's, in words
 * (`flag 'lr' differs: checkpoint has 0.001, this run has 0.002`), or null when they agree.
 * Flags are compared first, then model config fields, then the tokenizer hash.
 */
export function fingerprintDifference(
  saved: RunFingerprint,
  current: RunFingerprint,
): string | null {
  const flag = differingKey(saved.flags, current.flags);
  if (flag !== undefined) {
    return `flag '${flag}' differs: checkpoint has ${show(saved.flags?.[flag])}, this run has ${
      show(current.flags[flag])
    }`;
  }
  const field = differingKey(saved.model, current.model);
  if (field !== undefined) {
    return `model config field '${field}' differs: checkpoint has ${
      show(saved.model?.[field])
    }, this run has ${show(current.model[field])}`;
  }
  if ((saved.tokenizer ?? null) !== current.tokenizer) {
    return `tokenizer hash differs: checkpoint has ${show(saved.tokenizer)}, this run has ${
      show(current.tokenizer)
    }`;
  }
  return null;
}
