/**
 * The tag format of the reference work: a sample is
 * `<question>…</question>\n<reasoning>…</reasoning>\n<answer>…</answer>`. Rendering, and parsing
 * strictly (for format gates) or leniently (to salvage what a generator wrote), with the issues
 * found listed.
 *
 * @module
 */

/** The three parts of a tagged sample. */
export interface TaggedSample {
  readonly question: string;
  readonly reasoning: string;
  readonly answer: string;
}

/** The tags, in the order they must appear. */
export const TAG_NAMES: readonly (keyof TaggedSample)[] = Object.freeze([
  "question",
  "reasoning",
  "answer",
]);

/** What a parse found: the parts it could read, and what is wrong. */
export interface TagParse {
  /** True when all three parts were read with no issue (strict) or are non-empty (lenient). */
  readonly ok: boolean;
  /** The parts read (trimmed); a part that could not be read is absent. */
  readonly sample: Partial<TaggedSample>;
  /** What is wrong, one sentence each (e.g. "missing </answer>"); empty when nothing is. */
  readonly issues: string[];
}

/** Options of {@link parseTags}. */
export interface ParseTagsOptions {
  /**
   * `"strict"`: each tag opened and closed exactly once, in order, with nothing but whitespace
   * outside them. `"lenient"`: a missing closing tag ends at the next tag or the end, extra text
   * and repeated tags are tolerated (the first wins); each is still listed in `issues`.
   * @default "strict"
   */
  readonly mode?: "strict" | "lenient";
}

/**
 * Renders a sample in the tag format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderTags } from "./tags.ts";
 * assert.equal(
 *   renderTags({ question: "2+2?", reasoning: "2+2=4.", answer: "4" }),
 *   "<question>2+2?</question>\n<reasoning>2+2=4.</reasoning>\n<answer>4</answer>",
 * );
 * ```
 */
export function renderTags(sample: TaggedSample): string {
  return TAG_NAMES.map((t) => `<${t}>${sample[t]}</${t}>`).join("\n");
}

function count(text: string, s: string): number {
  return text.split(s).length - 1;
}

function parseStrict(text: string): TagParse {
  const issues: string[] = [];
  for (const t of TAG_NAMES) {
    const open = count(text, `<${t}>`), close = count(text, `</${t}>`);
    if (open === 0) issues.push(`missing <${t}>`);
    else if (open > 1) issues.push(`<${t}> appears ${open} times`);
    if (close === 0) issues.push(`missing </${t}>`);
    else if (close > 1) issues.push(`</${t}> appears ${close} times`);
  }
  const re =
    /^\s*<question>([\s\S]*?)<\/question>\s*<reasoning>([\s\S]*?)<\/reasoning>\s*<answer>([\s\S]*?)<\/answer>\s*$/;
  const m = re.exec(text);
  if (!m && issues.length === 0) issues.push("tags out of order or text outside the tags");
  const sample: Partial<Record<keyof TaggedSample, string>> = {};
  if (m) TAG_NAMES.forEach((t, k) => sample[t] = m[k + 1].trim());
  for (const t of TAG_NAMES) if (m && !sample[t]) issues.push(`<${t}> is empty`);
  return { ok: issues.length === 0, sample, issues };
}

function parseLenient(text: string): TagParse {
  const issues: string[] = [];
  const sample: Partial<Record<keyof TaggedSample, string>> = {};
  const spans: [number, number][] = [];
  for (const t of TAG_NAMES) {
    const open = text.indexOf(`<${t}>`);
    if (open < 0) {
      issues.push(`missing <${t}>`);
      continue;
    }
    if (count(text, `<${t}>`) > 1) issues.push(`<${t}> appears more than once; the first is used`);
    const from = open + t.length + 2;
    let to = text.indexOf(`</${t}>`, from);
    let end = to + t.length + 3;
    if (to < 0) {
      issues.push(`missing </${t}>`);
      // Without a closing tag the part runs to the next opening tag, or to the end.
      const next = TAG_NAMES.map((u) => text.indexOf(`<${u}>`, from)).filter((i) => i >= 0);
      to = end = next.length ? Math.min(...next) : text.length;
    }
    sample[t] = text.slice(from, to).trim();
    if (!sample[t]) issues.push(`<${t}> is empty`);
    spans.push([open, end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let outside = "", at = 0;
  for (const [s, e] of spans) (outside += text.slice(at, Math.max(at, s)), at = Math.max(at, e));
  outside += text.slice(at);
  if (outside.trim()) issues.push("text outside the tags");
  const ok = TAG_NAMES.every((t) => !!sample[t]);
  return { ok, sample, issues };
}

/**
 * Parses a tagged sample, strictly (the default) or leniently, listing what is wrong.
 *
 * @example Strict refuses a missing closing tag; lenient salvages the answer and says why
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTags } from "./tags.ts";
 * const text = "<question>2+2?</question><reasoning>2+2=4.</reasoning><answer>4";
 * assert.equal(parseTags(text).ok, false);
 * const loose = parseTags(text, { mode: "lenient" });
 * assert.equal(loose.ok, true);
 * assert.equal(loose.sample.answer, "4");
 * assert.deepEqual(loose.issues, ["missing </answer>"]);
 * ```
 */
export function parseTags(text: string, options: ParseTagsOptions = {}): TagParse {
  const { mode = "strict" } = options;
  return mode === "strict" ? parseStrict(text) : parseLenient(text);
}
