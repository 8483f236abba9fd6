/**
 * The typed wire format between a TypeScript candidate and the trusted side, the strict decoder,
 * the type-strict equality the trusted side judges with, and the parser of `assertEquals` test
 * lines. Nothing here runs candidate code: the candidate's answers arrive as JSON text and are
 * rebuilt here from plain data only (no prototypes, getters, `valueOf` or `toJSON` of its own).
 *
 * @module
 */

/** A value on the wire: a tag, then its payload. */
export type Wire = readonly [string, ...unknown[]];

/** Limits of {@link decodeWire}. */
const MAX_DEPTH = 200;
const MAX_NODES = 2_000_000;
const NUMBER = /^-?(?:NaN|Infinity|\d+(?:\.\d+)?(?:e[-+]?\d+)?|0|\.\d+)$/;

/** A value the candidate gave that is not plain data (a function, a class instance). */
export class Opaque {
  constructor(readonly typeName: string) {}
}

/**
 * Encodes a trusted plain value (from a test line) for the candidate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeWire } from "./sandbox_wire.ts";
 * assert.deepEqual(encodeWire([1, "a", null]), ["L", [["F", "1"], ["S", "a"], ["N"]]]);
 * ```
 */
export function encodeWire(x: unknown, depth = 0): Wire {
  if (depth > MAX_DEPTH) throw new RangeError("Cannot encode a value nested deeper than 200");
  if (x === null) return ["N"];
  if (x === undefined) return ["U"];
  if (typeof x === "boolean") return ["B", x];
  if (typeof x === "number") return ["F", Object.is(x, -0) ? "-0" : String(x)];
  if (typeof x === "bigint") return ["I", x.toString()];
  if (typeof x === "string") return ["S", x];
  if (Array.isArray(x)) return ["L", x.map((v) => encodeWire(v, depth + 1))];
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return ["O", Object.keys(x).map((k) => [k, encodeWire((x as Record<string, unknown>)[k])])];
  }
  throw new TypeError(`Cannot pass a ${typeof x} to the candidate: only plain data crosses`);
}

/**
 * Rebuilds a candidate's answer from its wire form, strictly: every node must be a known tag with
 * a well-formed payload, at most 200 deep and two million nodes; objects get a null prototype.
 *
 * @example Tags that keep NaN, -0, undefined and bigint apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWire } from "./sandbox_wire.ts";
 * assert.ok(Number.isNaN(decodeWire(["F", "NaN"])));
 * assert.ok(Object.is(decodeWire(["F", "-0"]), -0));
 * assert.equal(decodeWire(["U"]), undefined);
 * assert.equal(decodeWire(["I", "12"]), 12n);
 * assert.throws(() => decodeWire(["F", "1; alert()"]), /not a number/);
 * ```
 */
export function decodeWire(v: unknown): unknown {
  let nodes = 0;
  const dec = (w: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      throw new RangeError("Cannot read the answer: it is too large or too deep");
    }
    if (!Array.isArray(w) || typeof w[0] !== "string") {
      throw new TypeError("Cannot read the answer: a value is not a tagged array");
    }
    const [tag, a] = w;
    const n = w.length;
    const list = (x: unknown): unknown[] => {
      if (n !== 2 || !Array.isArray(x)) throw new TypeError(`Cannot read the answer: bad '${tag}'`);
      return x;
    };
    switch (tag) {
      case "N":
        if (n === 1) return null;
        break;
      case "U":
        if (n === 1) return undefined;
        break;
      case "B":
        if (n === 2 && typeof a === "boolean") return a;
        break;
      case "S":
        if (n === 2 && typeof a === "string") return a;
        break;
      case "F":
        if (n === 2 && typeof a === "string" && a.length < 40 && NUMBER.test(a)) return Number(a);
        throw new TypeError(`Cannot read the answer: ${JSON.stringify(a)} is not a number`);
      case "I":
        if (n === 2 && typeof a === "string" && /^-?\d{1,5000}$/.test(a)) return BigInt(a);
        break;
      case "L":
        return list(a).map((x) => dec(x, depth + 1));
      case "O": {
        const o = Object.create(null) as Record<string, unknown>;
        for (const pair of list(a)) {
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
            throw new TypeError("Cannot read the answer: bad object entry");
          }
          Object.defineProperty(o, pair[0], {
            value: dec(pair[1], depth + 1),
            enumerable: true,
            writable: false,
          });
        }
        return o;
      }
      case "M":
        return new Map(
          list(a).map((pair) => {
            if (!Array.isArray(pair) || pair.length !== 2) {
              throw new TypeError("Cannot read the answer: bad map entry");
            }
            return [dec(pair[0], depth + 1), dec(pair[1], depth + 1)];
          }),
        );
      case "E":
        return new Set(list(a).map((x) => dec(x, depth + 1)));
      case "H":
        if (n === 2 && typeof a === "string") return new Opaque(a.slice(0, 80));
        break;
    }
    throw new TypeError(`Cannot read the answer: bad value tagged '${String(tag).slice(0, 10)}'`);
  };
  return dec(v, 0);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === null || p === Object.prototype;
}

/**
 * Type-strict deep equality of plain values: same types everywhere (no `1 == "1"`, no `true ==
 * 1`, no `null == undefined`), NaN equal to NaN, arrays item by item, objects by the same keys,
 * maps and sets by members; opaque candidate values equal nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strictEqual } from "./sandbox_wire.ts";
 * assert.ok(strictEqual([1, [2, NaN]], [1, [2, NaN]]));
 * assert.ok(!strictEqual([1], ["1"]));
 * assert.ok(!strictEqual({ a: undefined }, {}));
 * ```
 */
export function strictEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b as number));
  if (typeof a !== "object" || a === null || b === null) return a === b;
  if (a instanceof Opaque || b instanceof Opaque) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => strictEqual(x, b[i]));
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    return [...a].every((x) => [...b].some((y) => strictEqual(x, y)));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    return [...a].every(([k, v]) =>
      [...b].some(([k2, v2]) => strictEqual(k, k2) && strictEqual(v, v2))
    );
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && strictEqual(a[k], b[k]));
}

/** One parsed `assertEquals(NAME(ARGS), EXPECTED);` test line. */
export interface CallTest {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly expected: unknown;
  /** The line as written, for messages. */
  readonly source: string;
}

/** The index just past the bracketed group that opens at `from` (strings skipped). */
function closeOf(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === "\\") i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Parses TypeScript test code made of `assertEquals(NAME(ARGS), EXPECTED);` lines, whose
 * arguments and expected value are JSON literals. The trusted side makes each call in the
 * candidate's process and compares there, so nothing of the test reaches the candidate but the
 * arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCallTests } from "./sandbox_wire.ts";
 * const [t] = parseCallTests("assertEquals(f([1, 2], \"a)\"), [3]);");
 * assert.deepEqual([t.name, t.args, t.expected], ["f", [[1, 2], "a)"], [3]]);
 * assert.throws(() => parseCallTests("console.log(1)"), /line 1 .*assertEquals/);
 * ```
 */
export function parseCallTests(tests: string): CallTest[] {
  const out: CallTest[] = [];
  for (const [i, raw] of tests.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("//")) continue;
    const bad = (why: string) =>
      new SyntaxError(
        `Cannot judge TypeScript test line ${i + 1} '${line.slice(0, 80)}': it must read ` +
          `assertEquals(NAME(ARGS), EXPECTED); with JSON arguments and expected value (${why})`,
      );
    const m = /^assertEquals\(\s*([A-Za-z_$][\w$]*)\s*\(/.exec(line);
    if (!m) throw bad("no assertEquals of a call");
    const open = m[0].length - 1;
    const close = closeOf(line, open);
    if (close < 0) throw bad("unbalanced brackets");
    const rest = /^\s*,([\s\S]*)\)\s*;?$/.exec(line.slice(close));
    if (!rest) throw bad("no expected value");
    try {
      out.push({
        name: m[1],
        args: JSON.parse(`[${line.slice(open + 1, close - 1)}]`),
        expected: JSON.parse(rest[1]),
        source: line,
      });
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
  return out;
}

/** Shows a decoded value in a message. */
export function showValue(x: unknown): string {
  try {
    const s = JSON.stringify(
      x,
      (_k, v) =>
        typeof v === "bigint"
          ? `${v}n`
          : v instanceof Opaque
          ? `<${v.typeName}>`
          : v instanceof Set || v instanceof Map
          ? [...v]
          : typeof v === "number" && !Number.isFinite(v)
          ? String(v)
          : v,
    );
    return (s ?? String(x)).slice(0, 200);
  } catch {
    return String(x).slice(0, 200);
  }
}
