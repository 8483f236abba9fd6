/**
 * The one command-line layer every `deno task` goes through: typed flag specs, parsed values
 * checked against each spec, `--help` text with an example, and one error style — `error: …`
 * naming the flag as the user typed it, then `(see --help)`, exit code 2, never a stack trace.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One flag's spec. `kind` says what value it holds; the parsed value has the matching type. */
export type FlagSpec =
  | {
    readonly kind: "string";
    readonly help: string;
    readonly default?: string;
    /** Allowed values; anything else is refused, listing these. */
    readonly choices?: readonly string[];
    readonly required?: boolean;
    /** Placeholder in the help text. @default "TEXT" */
    readonly value?: string;
  }
  | {
    readonly kind: "strings";
    readonly help: string;
    readonly value?: string;
  }
  | {
    readonly kind: "number";
    readonly help: string;
    readonly default?: number;
    readonly required?: boolean;
    /** Inclusive bounds. */
    readonly min?: number;
    readonly max?: number;
    /** Must be a whole number. @default false */
    readonly integer?: boolean;
    readonly value?: string;
  }
  | { readonly kind: "boolean"; readonly help: string };

/**
 * The `--threads` flag every task that runs models shares: ONNX Runtime's intra-op threads.
 *
 * @example A task's flags with the shared thread flag
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags, THREADS_FLAG } from "./cli.ts";
 * const spec = { name: "x", summary: "x", flags: { threads: THREADS_FLAG }, examples: ["x"] };
 * assert.equal(parseFlags(spec, ["--threads", "1"])!.threads, 1);
 * assert.equal(parseFlags(spec, [])!.threads, 0);
 * ```
 */
export const THREADS_FLAG = Object.freeze(
  {
    kind: "number",
    integer: true,
    min: 0,
    default: 0,
    help: "ONNX Runtime threads (0 = one per core)",
  } as const,
);

/**
 * A comma-separated flag value as a list, every item one of `allowed`; anything else exits 2 with
 * one line naming the flag, what it takes and the bad item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listFlag } from "./cli.ts";
 * assert.deepEqual(listFlag("gates", "parse, answer", ["parse", "answer", "code"]), ["parse", "answer"]);
 * assert.deepEqual(listFlag("gates", "", ["parse"]), []);
 * ```
 */
export function listFlag(flag: string, value: string, allowed: readonly string[]): string[] {
  const items = value.split(",").map((x) => x.trim()).filter(Boolean);
  const bad = items.find((x) => !allowed.includes(x));
  if (bad !== undefined) {
    usageExit(`'--${flag}' takes ${allowed.join(", ")}: current value has '${bad}'`);
  }
  return items;
}

/** Flag specs by long name (as typed, without `--`). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value of one spec. */
export type FlagValue<S extends FlagSpec> = S extends { kind: "boolean" } ? boolean
  : S extends { kind: "strings" } ? string[]
  : S extends { kind: "number"; default: number } ? number
  : S extends { kind: "number"; required: true } ? number
  : S extends { kind: "number" } ? number | undefined
  : S extends { kind: "string"; default: string } ? string
  : S extends { kind: "string"; required: true } ? string
  : string | undefined;

/** Parsed flags, keyed as declared. */
export type Flags<S extends FlagSpecs> = { -readonly [K in keyof S]: FlagValue<S[K]> };

/** A task's command-line description. */
export interface CommandSpec<S extends FlagSpecs> {
  /** `deno task NAME`. */
  readonly name: string;
  /** One or two sentences of what the task does. */
  readonly summary: string;
  /** The flags (`--help` is added). */
  readonly flags: S;
  /** At least one full example command line. */
  readonly examples: readonly string[];
}

/** A bad command line: its message names the flag as typed. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The `--help` text of a command: usage, summary, flags with defaults, examples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./cli.ts";
 * const text = helpText({ name: "x", summary: "Does x.", examples: ["deno task x --n 2"],
 *   flags: { n: { kind: "number", help: "how many", default: 1 } } });
 * assert.match(text, /--n N +how many \(default: 1\)/);
 * assert.match(text, /Example:\n  deno task x --n 2/);
 * ```
 */
export function helpText<S extends FlagSpecs>(spec: CommandSpec<S>): string {
  const rows: [string, string][] = Object.entries(spec.flags).map(([name, f]) => {
    const left = f.kind === "boolean"
      ? `--${name}`
      : `--${name} ${f.value ?? (f.kind === "number" ? "N" : "TEXT")}`;
    let right = f.help;
    if (f.kind === "strings") right += " (repeatable)";
    if ((f.kind === "string" || f.kind === "number") && f.required) right += " (required)";
    if (f.kind === "string" && f.choices) right += ` (one of: ${f.choices.join(", ")})`;
    if ((f.kind === "string" || f.kind === "number") && f.default !== undefined) {
      right += ` (default: ${f.default === "" ? "''" : f.default})`;
    }
    return [left, right];
  });
  rows.push(["--help", "this text"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const flagLines = rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
  const examples = spec.examples.map((e) => `  ${e}`);
  return [
    `Usage: deno task ${spec.name} [flags]`,
    "",
    spec.summary,
    "",
    "Flags:",
    ...flagLines,
    "",
    spec.examples.length > 1 ? "Examples:" : "Example:",
    ...examples,
  ].join("\n");
}

function checkNumber(name: string, raw: string, f: Extract<FlagSpec, { kind: "number" }>): number {
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v)) {
    throw new UsageError(`'--${name}' must be a number: current value is '${raw}'`);
  }
  if (f.integer && !Number.isInteger(v)) {
    throw new UsageError(`'--${name}' must be a whole number: current value is '${raw}'`);
  }
  if (f.min !== undefined && v < f.min) {
    throw new UsageError(`'--${name}' must be at least ${f.min}: current value is '${raw}'`);
  }
  if (f.max !== undefined && v > f.max) {
    throw new UsageError(`'--${name}' must be at most ${f.max}: current value is '${raw}'`);
  }
  return v;
}

/**
 * Parses `args` against `spec`; throws {@link UsageError} for an unknown flag, a missing value, a
 * missing required flag, a stray positional argument or a value that breaks its spec. Returns
 * null when `--help` was given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./cli.ts";
 * const spec = { name: "x", summary: "", examples: [], flags: {
 *   steps: { kind: "number", help: "", default: 10, integer: true, min: 1 },
 *   out: { kind: "string", help: "", required: true },
 * } } as const;
 * assert.deepEqual(parseFlags(spec, ["--out", "runs/a", "--steps=3"]), { steps: 3, out: "runs/a" });
 * assert.throws(() => parseFlags(spec, ["--out", "a", "--stesp", "3"]), /unknown flag '--stesp'/);
 * assert.throws(() => parseFlags(spec, ["--out", "a", "--steps", "0"]), /'--steps' must be at least 1/);
 * ```
 */
export function parseFlags<S extends FlagSpecs>(
  spec: CommandSpec<S>,
  args: readonly string[],
): Flags<S> | null {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    help: { type: "boolean" },
  };
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = f.kind === "boolean"
      ? { type: "boolean" }
      : { type: "string", ...(f.kind === "strings" ? { multiple: true } : {}) };
  }
  // `--temperature -1` is a value, not a flag: join a dash-led number to the flag before it.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : "";
    const next = args[i + 1];
    if (options[name]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else joined.push(args[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joined, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }, args));
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return null;
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const raw = values[name];
    switch (f.kind) {
      case "boolean":
        out[name] = raw === true;
        break;
      case "strings":
        out[name] = (raw as string[] | undefined) ?? [];
        break;
      case "number":
        if (raw === undefined) {
          if (f.required) throw new UsageError(`'--${name}' is required`);
          out[name] = f.default;
        } else out[name] = checkNumber(name, raw as string, f);
        break;
      case "string":
        if (raw === undefined) {
          if (f.required) throw new UsageError(`'--${name}' is required`);
          out[name] = f.default;
        } else {
          if (f.choices && !f.choices.includes(raw as string)) {
            throw new UsageError(
              `'--${name}' must be one of ${f.choices.join(", ")}: current value is '${raw}'`,
            );
          }
          out[name] = raw;
        }
    }
  }
  return out as Flags<S>;
}

function describeParseError(e: Error & { code?: string }, args: readonly string[]): string {
  const quoted = /'(-[^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const typed = args.find((a) => quoted && a.split("=")[0] === quoted) ?? quoted;
      return `unknown flag '${typed}'`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = /--([\w-]+)/.exec(e.message)?.[1];
      if (/argument missing/.test(e.message)) return `'--${flag}' needs a value`;
      if (/ambiguous/.test(e.message)) {
        return `'--${flag}' needs a value (write --${flag}=VALUE for one that starts with a dash)`;
      }
      return `'--${flag}' takes no value`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const arg = /'([^']*)'/.exec(e.message)?.[1];
      return `unexpected argument '${arg}' (flags start with --)`;
    }
    default:
      return e.message;
  }
}

/**
 * The front of every task: parses `Deno.args` (or `args`); prints help and exits 0 on `--help`;
 * prints `error: MESSAGE (see --help)` and exits 2 on a bad command line.
 *
 * @example In a task file
 * ```ts ignore
 * const flags = cli({ name: "sample", summary: "Prints a continuation.",
 *   examples: ["deno task sample --model data/models/student --prompt 'Q: 2 + 3 = ?'"],
 *   flags: { model: { kind: "string", help: "model folder", required: true } } });
 * ```
 */
export function cli<S extends FlagSpecs>(
  spec: CommandSpec<S>,
  args: readonly string[] = Deno.args,
): Flags<S> {
  let flags: Flags<S> | null;
  try {
    flags = parseFlags(spec, args);
  } catch (e) {
    if (e instanceof UsageError) usageExit(e.message);
    throw e;
  }
  if (flags === null) {
    console.log(helpText(spec));
    Deno.exit(0);
  }
  return flags;
}

/**
 * Prints `error: MESSAGE (see --help)` and exits 2. For bad values found after parsing (a file
 * that does not exist, two flags that contradict each other).
 */
export function usageExit(message: string): never {
  console.error(`error: ${message} (see --help)`);
  Deno.exit(2);
}

/**
 * Runs a task's body: an error thrown inside prints `error: MESSAGE` (no stack trace; set
 * `ACQSYNTH_DEBUG=1` for it) and exits 1; a {@link UsageError} exits 2.
 */
export async function runMain(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof UsageError) usageExit(e.message);
    const err = e as Error;
    console.error(`error: ${err?.message ?? String(e)}`);
    if (Deno.env.get("ACQSYNTH_DEBUG")) console.error(err?.stack);
    Deno.exit(1);
  }
}
