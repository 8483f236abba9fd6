/**
 * The tag format of the reference work: a sample is
 * `<question>…</question>\n<reasoning>…</reasoning>\n<answer>…</answer>` (a code task adds
 * `\n<tests>…</tests>`, one test per line). Rendering, parsing strictly (for format gates) or
 * leniently (to salvage what a generator wrote) with the issues found listed, and turning a
 * tagged text into a task record ({@link taskFromTags}).
 *
 * @module
 */

import { ANSWER_KINDS, type AnswerKind, type Domain, type TaskRecord } from "./record.ts";

/** The three parts of a tagged sample. */
export interface TaggedSample {
  readonly question: string;
  readonly reasoning: string;
  readonly answer: string;
  /** Test lines of a code task, rendered as a fourth `<tests>` part when given. */
  readonly tests?: readonly string[];
}

/** The tags, in the order they must appear. */
export const TAG_NAMES: readonly ("question" | "reasoning" | "answer")[] = Object.freeze([
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
  const parts = TAG_NAMES.map((t) => `<${t}>${sample[t]}</${t}>`);
  if (sample.tests) parts.push(`<tests>${sample.tests.join("\n")}</tests>`);
  return parts.join("\n");
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
    /^\s*<question>([\s\S]*?)<\/question>\s*<reasoning>([\s\S]*?)<\/reasoning>\s*<answer>([\s\S]*?)<\/answer>(?:\s*<tests>([\s\S]*?)<\/tests>)?\s*$/;
  const m = re.exec(text);
  if (!m && issues.length === 0) issues.push("tags out of order or text outside the tags");
  const sample: { -readonly [K in keyof TaggedSample]?: TaggedSample[K] } = {};
  if (m) TAG_NAMES.forEach((t, k) => sample[t] = m[k + 1].trim());
  // A code task's optional fourth part: one test per line.
  if (m?.[4] !== undefined) sample.tests = m[4].split("\n").map((l) => l.trim()).filter(Boolean);
  for (const t of TAG_NAMES) if (m && !sample[t]) issues.push(`<${t}> is empty`);
  return { ok: issues.length === 0, sample, issues };
}

function parseLenient(text: string): TagParse {
  const issues: string[] = [];
  const sample: Partial<Record<(typeof TAG_NAMES)[number], string>> = {};
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

/** The answer kind a domain's records have when none is given. */
const DEFAULT_KIND: Readonly<Record<Domain, AnswerKind>> = Object.freeze({
  math: "number",
  code: "code",
  reasoning: "choice",
  medical: "choice",
  science: "choice",
});

/** Options of {@link taskFromTags}. */
export interface TaskFromTagsOptions {
  /** The record's domain. */
  readonly domain: Domain;
  /**
   * The record's answer kind, which says how the answer must look: `number` (a number or
   * fraction), `choice` (a letter of the `A) …` options listed at the end of the question),
   * `code` (a function, with a `<tests>` part), `math`, `label` and `exact` (one line).
   * @default by domain: math → number, code → code, the others → choice
   */
  readonly answerKind?: AnswerKind;
  /** @default "tags-" followed by a hash of the text */
  readonly id?: string;
  /** @default {} */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** What {@link taskFromTags} returns: a record, or every issue found. */
export type TaskFromTags =
  | { readonly ok: true; readonly record: TaskRecord }
  | { readonly ok: false; readonly issues: string[] };

const PARTS = ["question", "reasoning", "answer", "tests"] as const;
type Part = (typeof PARTS)[number];

/** Finds each part's span, listing missing, unclosed, stray and repeated tags. */
function scanParts(text: string, issues: string[]): Map<Part, [number, number]> {
  const spans = new Map<Part, [number, number]>();
  for (const t of PARTS) {
    const open = `<${t}>`, close = `</${t}>`;
    const opens = count(text, open), closes = count(text, close);
    if (opens > 1) issues.push(`${open} appears ${opens} times`);
    if (closes > 1) issues.push(`${close} appears ${closes} times`);
    if (opens > 1 || closes > 1) continue;
    const at = text.indexOf(open), end = text.indexOf(close);
    if (opens === 0 && closes === 0) continue;
    if (opens === 0) issues.push(`${close} has no ${open}`);
    else if (closes === 0) issues.push(`${open} is not closed (missing ${close})`);
    else if (end < at) issues.push(`${close} comes before ${open}`);
    else spans.set(t, [at, end + close.length]);
  }
  return spans;
}

/** The options `A) …` on the last lines of a question, and the stem above them. */
function splitChoices(question: string): { stem: string; choices: Record<string, string> } {
  const lines = question.split("\n");
  const choices: Record<string, string> = {};
  let first = lines.length;
  while (first > 0 && /^[A-Z]\) \S/.test(lines[first - 1])) first--;
  for (const line of lines.slice(first)) choices[line[0]] = line.slice(3).trim();
  return { stem: lines.slice(0, first).join("\n").trim(), choices };
}

/** The checks of each answer kind: what is wrong with the answer, or nothing. */
const ANSWER_FORMS: Readonly<
  Record<AnswerKind, (answer: string, choices: Record<string, string>) => string | undefined>
> = Object.freeze({
  number: (a) =>
    /^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(\/\d+)?$/.test(a)
      ? undefined
      : `the answer must be a number: current value is '${a}'`,
  choice: (a, choices) => {
    const letters = Object.keys(choices);
    const abc = letters.every((l, i) => l === String.fromCharCode(65 + i));
    if (letters.length < 2 || !abc) {
      return `a choice question must end with options A) … B) …, one per line: found ${
        letters.length ? letters.join(", ") : "none"
      }`;
    }
    return letters.includes(a)
      ? undefined
      : `the answer must be one of the option letters ${
        letters.join(", ")
      }: current value is '${a}'`;
  },
  code: (a) =>
    /\bfunction\b|=>|\bdef\b/.test(a)
      ? undefined
      : `a code answer must define a function: current value is '${a.slice(0, 40)}'`,
  math: oneLine,
  label: oneLine,
  exact: oneLine,
});

function oneLine(a: string): string | undefined {
  return a.includes("\n") ? `the answer must be one line: current value is '${a}'` : undefined;
}

/** A short stable id for a text (FNV-1a, 32 bits, hex). */
function textId(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `tags-${(h >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Turns a generated `<question>/<reasoning>/<answer>` text (plus `<tests>` for code) into a
 * task record, or lists everything that is missing or malformed: a missing, unclosed, stray or
 * repeated tag, tags out of order, text outside the tags, an empty part, and an answer not of
 * its kind's form (a choice question with no `A) …` options, a letter that is not an option, a
 * non-number for math, a code task without tests).
 *
 * @example A choice task: options are read from the question's last lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskFromTags } from "./tags.ts";
 * const text = "<question>Which is largest?\nA) 3\nB) 9</question>\n" +
 *   "<reasoning>9 > 3. So the answer is B.</reasoning>\n<answer>B</answer>";
 * const got = taskFromTags(text, { domain: "reasoning", id: "q1" });
 * assert.ok(got.ok);
 * assert.equal(got.record.question, "Which is largest?");
 * assert.deepEqual(got.record.choices, { A: "3", B: "9" });
 * const bad = taskFromTags("<question>2+2?</question><answer>four</answer>", { domain: "math" });
 * assert.deepEqual(bad.ok ? [] : bad.issues, [
 *   "missing <reasoning>", "the answer must be a number: current value is 'four'",
 * ]);
 * ```
 */
export function taskFromTags(text: string, options: TaskFromTagsOptions): TaskFromTags {
  const { domain, id = textId(text), meta = {} } = options;
  const kind = options.answerKind ?? DEFAULT_KIND[domain];
  if (!ANSWER_KINDS.includes(kind)) {
    throw new RangeError(
      `Cannot read tags: 'answerKind' must be one of ${
        ANSWER_KINDS.join(", ")
      }: current value is '${kind}'`,
    );
  }
  const issues: string[] = [];
  const spans = scanParts(text, issues);
  const scanned = issues.length;
  const parts: Partial<Record<Part, string>> = {};
  for (const t of PARTS) {
    const span = spans.get(t);
    if (span) parts[t] = text.slice(span[0] + t.length + 2, span[1] - t.length - 3).trim();
    else if (t !== "tests" && !issues.some((i) => i.includes(`<${t}>`))) {
      issues.push(`missing <${t}>`);
    }
  }
  if (kind === "code" && !spans.has("tests") && !issues.some((i) => i.includes("<tests>"))) {
    issues.push("a code task needs tests: missing <tests>");
  }
  const ordered = [...spans.entries()].sort((a, b) => a[1][0] - b[1][0]);
  const order = ordered.map(([t]) => t);
  if (order.join() !== PARTS.filter((t) => spans.has(t)).join()) {
    issues.push(
      `tags out of order: ${order.join(", ")} (expected ${
        PARTS.slice(0, 3).join(", ")
      }, then tests)`,
    );
  }
  let outside = "", at = 0;
  for (const [, [s, e]] of ordered) {
    (outside += text.slice(at, Math.max(at, s)), at = Math.max(at, e));
  }
  outside = (outside + text.slice(at)).trim();
  // Text of a broken tag would show up as outside text too: report it only once tags are sound.
  if (outside && scanned === 0) issues.push(`text outside the tags: '${outside.slice(0, 40)}'`);
  for (const t of PARTS) if (parts[t] === "") issues.push(`<${t}> is empty`);
  const { stem, choices } = kind === "choice"
    ? splitChoices(parts.question ?? "")
    : { stem: parts.question ?? "", choices: {} };
  const tests = parts.tests?.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (parts.answer) {
    const wrong = ANSWER_FORMS[kind](parts.answer, choices);
    if (wrong) issues.push(wrong);
  }
  if (kind === "choice" && parts.question && !stem) {
    issues.push("the question has options but no stem");
  }
  if (issues.length > 0) return { ok: false, issues };
  const record: TaskRecord = {
    id,
    domain,
    question: stem,
    reasoning: parts.reasoning!,
    answer: parts.answer!,
    answerKind: kind,
    ...(kind === "choice" ? { choices } : {}),
    ...(tests ? { tests } : {}),
    meta,
  };
  return { ok: true, record };
}
