/**
 * Reading a multiple-choice answer (a letter) or a label answer (yes/no/maybe) strictly from
 * free text, in linear time.
 *
 * The rule, written for an adversary who has read it:
 *
 * 1. Text that matches an option's own text is masked first, so a letter inside an option
 *    (`Rh(D)`, `Both A and B`) is never read as a choice.
 * 2. A letter counts only where it stands as a choice. Marks, strongest first:
 *    - an answer statement: after `answer`, `answer is`, `answer:`, `correct option is`,
 *      `go with`, `choose`, `pick`, `select`, `\boxed{`, or before `is correct` / `is the answer`;
 *    - the last word of the text after a break or a joining word (`… so D.`, `Therefore, (D)`);
 *    - in brackets not attached to a word (`(D)`, `[D]`), at a line start before `.` `:` `)`
 *      or `,`, or after `option` / `choice` / `letter`.
 *
 *    An upper-case letter may be followed by more words (`The answer is D because …`); a
 *    lower-case letter or a label counts only when a bracket or punctuation closes it, so the
 *    article in "the answer is a difficult one" is not A. A negated statement ("I would not
 *    choose A") is no mark.
 * 3. Letters joined only by spaces, line breaks, commas, slashes, brackets or `or`/`and` form a
 *    list, and a list names every letter in it (for marks below an answer statement, full stops
 *    and colons join lists too): `A B C D`, `(A) or (B) or (C) or (D)`, `A.\nB.\nC.\nD.`.
 * 4. Only the strongest kind of mark present decides, and it must name exactly one letter:
 *    two answer statements that disagree, or one that names a list, give no answer. The
 *    reading is a function of the text, so no output can name more than one letter.
 * 5. Only when nothing is marked: an option's text counts when it appears whole (word-bounded,
 *    not inside a longer option's text) and no other option's text does.
 *
 * @module
 */

/** One readable token: its spelling, the value it names, and whether words may follow it. */
interface Token {
  readonly value: string;
  /** Upper-case letters: may stand before more words after an answer statement. */
  readonly loose: boolean;
  /** Labels: matched in any case (letters are matched as spelled). */
  readonly caseless: boolean;
}

/** Characters of context looked at on each side of a token (bounded: linear time). */
const WINDOW = 48;

const CUE_BEFORE = new RegExp(
  [
    String.raw`\banswers?(?:\s+(?:is|was|would\s+be|should\s+be|must\s+be|will\s+be))?`,
    String.raw`\b(?:correct|right|best|final|true)\s+(?:option|choice|letter|one|pick)` +
    String.raw`(?:\s+(?:is|was|would\s+be|should\s+be|must\s+be|here\s+is))?`,
    String
      .raw`\b(?:go(?:ing)?\s+with|choose|chose|choosing|pick|picking|select|selecting|opt\s+for)`,
    String.raw`\\boxed\{(?:\\text(?:bf)?\{)?`,
  ].map((p) => `(?:${p})`).join("|").replace(/^/, "(?:") + ")" +
    String.raw`(?:\s+(?:option|choice|letter))?[\s*_:=(\[{"'\x60~—–-]*$`,
  "i",
);
const NEGATED = /\b(?:not|never)\s+(?:\w+\s+)?$|n['’]t\s+(?:\w+\s+)?$/i;
const CUE_AFTER =
  /^[*_)\]}]*\s+(?:is|was|would\s+be|must\s+be)\s+(?:the\s+)?(?:correct|right|answer|true\s+answer|best\s+(?:answer|option|choice))\b/i;
/** What may close a lower-case letter or a label: punctuation, a bracket or a line end. */
const CLOSED = /^[*_"'\x60)\]}]*[ \t]*[.,;:!?)\]}\n]/;
const FINAL_AFTER_WORD =
  /\b(?:so|thus|therefore|hence|is|be|was|then|it's|its|choose|answer)[\s*_"'\x60]*(?:[(\[{][*_ ]*)?$/i;
const FINAL_AFTER_BREAK = /[\n.,:;!?—–-][\s*_"'\x60]*(?:[(\[{][*_ ]*)?$/;
const BRACKETED_BEFORE = /(?:^|[^\p{L}\p{N}_])[(\[][*_ ]*$/u;
const BRACKETED_AFTER = /^[*_ ]*[)\]]/;
const LINE_START_BEFORE = /\n[ \t>*#_-]*[(\[]?[*_ ]*$/;
const LINE_START_AFTER = /^[*_]*(?:[.:),]|[ \t*_]*\n)/;
const OPTION_BEFORE = /\b(?:option|choice|letter)\s*[(\[]?[*_ ]*$/i;
/** Gaps that join two tokens into a list; the loose form also joins across `.`, `:`, `;`. */
const TIGHT_GAP =
  /^[\s,/&|+()\[\]*_"'\x60-]*(?:(?:or|and|nor|vs\.?|versus|and\/or)[\s,/&|+()\[\]*_"'\x60-]*)?$/i;
const LOOSE_GAP =
  /^[\s,/&|+()\[\]*_"'\x60.:;-]*(?:(?:or|and|nor|vs\.?|versus|and\/or)[\s,/&|+()\[\]*_"'\x60.:;-]*)?$/i;
const TRAILING = /[\s.!*_)\]}"'\x60]/;

/** Mark strength: 1 answer statement, 2 last word, 3 weaker marks, 0 none. */
type Tier = 0 | 1 | 2 | 3;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Word characters for the edges of an option's text (Latin, Greek, Cyrillic and more). */
const WORD_CHAR = "[\\w\\u00C0-\\u1FFF]";
const ONE_WORD_CHAR = new RegExp(`^${WORD_CHAR}$`);

/**
 * A pattern for `phrase` (lower case) as a whole: word-bounded where it starts or ends with a
 * word character, any run of spaces matching any run of whitespace.
 */
function wholePhrase(phrase: string): string {
  const body = phrase.split(/\s+/).map(escapeRegExp).join("\\s+");
  const open = ONE_WORD_CHAR.test(phrase[0]) ? `(?<!${WORD_CHAR})` : "";
  const close = ONE_WORD_CHAR.test(phrase[phrase.length - 1]) ? `(?!${WORD_CHAR})` : "";
  return open + body + close;
}

/** `text` in lower case with every character kept at its index. */
function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const l = text[i].toLowerCase();
    out += l.length === 1 ? l : text[i];
  }
  return out;
}

function tier(before: string, after: string, token: Token, final: boolean): Tier {
  const closed = CLOSED.test(after);
  const cue = CUE_BEFORE.exec(before);
  if (cue && !NEGATED.test(before.slice(0, cue.index)) && (token.loose || closed)) return 1;
  if (token.loose && CUE_AFTER.test(after)) return 1;
  if (
    final &&
    (FINAL_AFTER_BREAK.test(before) ||
      (token.loose || token.caseless) && FINAL_AFTER_WORD.test(before))
  ) {
    return 2;
  }
  if (BRACKETED_BEFORE.test(before) && BRACKETED_AFTER.test(after)) return 3;
  if (LINE_START_BEFORE.test(before) && LINE_START_AFTER.test(after)) return 3;
  if (token.loose && OPTION_BEFORE.test(before)) return 3;
  return 0;
}

interface Found {
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly tier: Tier;
}

/** Indexes where each list of tokens starts: token i is in the list starting at runs[i]. */
function lists(found: readonly Found[], text: string, gap: RegExp): number[] {
  const runs: number[] = [];
  for (let i = 0; i < found.length; i++) {
    const between = i > 0 ? text.slice(found[i - 1].end, found[i].start) : "";
    runs.push(i > 0 && between.length <= WINDOW && gap.test(between) ? runs[i - 1] : i);
  }
  return runs;
}

/** Whether each list (by its start index) names more than one value. */
function mixed(found: readonly Found[], runs: readonly number[]): Set<number> {
  const first = new Map<number, string>(), out = new Set<number>();
  found.forEach((f, i) => {
    const v = first.get(runs[i]);
    if (v === undefined) first.set(runs[i], f.value);
    else if (v !== f.value) out.add(runs[i]);
  });
  return out;
}

/**
 * The value the strongest marks name, `null` when they name none or several, or `undefined`
 * when nothing in `text` is marked at all.
 */
function readMarked(
  text: string,
  tokens: ReadonlyMap<string, Token>,
): string | null | undefined {
  if (tokens.size === 0) return undefined;
  const alternatives = [...tokens.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const scan = new RegExp(
    `(?<![\\p{L}\\p{N}_'’-])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_'’-])`,
    "giu",
  );
  let contentEnd = text.length;
  while (contentEnd > 0 && TRAILING.test(text[contentEnd - 1])) contentEnd--;
  const found: Found[] = [];
  for (const m of text.matchAll(scan)) {
    const start = m.index, end = start + m[0].length;
    const exact = tokens.get(m[0]), folded = tokens.get(m[0].toLowerCase());
    const token = exact ?? (folded?.caseless ? folded : undefined);
    if (!token) continue;
    const before = (start <= WINDOW ? "\n" : "") + text.slice(Math.max(0, start - WINDOW), start);
    const after = text.slice(end, end + WINDOW) + (end + WINDOW >= text.length ? "\n" : "");
    found.push({
      start,
      end,
      value: token.value,
      tier: tier(before, after, token, end >= contentEnd),
    });
  }
  const marked = found.filter((f) => f.tier > 0);
  if (marked.length === 0) return undefined;
  let best = 3;
  for (const f of marked) best = Math.min(best, f.tier);
  const runs = lists(found, text, best === 1 ? TIGHT_GAP : LOOSE_GAP);
  const ambiguous = mixed(found, runs);
  const values = new Set<string>();
  found.forEach((f, i) => {
    if (f.tier !== best) return;
    values.add(ambiguous.has(runs[i]) ? "\u0000list" : f.value);
  });
  return values.size === 1 && !values.has("\u0000list") ? [...values][0] : null;
}

/**
 * `text` with every whole occurrence of each option's text blanked (case aside), and which
 * options occur. Options spelled like a letter key (`c`, `D`) are left alone: they are read as
 * letters.
 */
function maskOptions(
  text: string,
  choices: Readonly<Record<string, string>>,
): { masked: string; mentioned: string[] } {
  const keys = new Set(Object.keys(choices).map((k) => k.toLowerCase()));
  // Longest first: a shorter option inside a longer one's occurrence is not a mention of it.
  const options = Object.entries(choices)
    .map(([key, v]) => [key, v.trim().toLowerCase()] as const)
    .filter(([, v]) => v.length > 0 && !keys.has(v))
    .sort((a, b) => b[1].length - a[1].length);
  const ranges: [number, number][] = [];
  const mentioned = new Set<string>();
  if (options.length) {
    // One pattern for all options, longest first so that at any position the longest wins;
    // no `i` or `u` flag (they make compiling a fresh pattern many times slower): the text is
    // lowered instead.
    const byText = new Map<string, string>();
    for (const [key, option] of options) {
      const norm = option.replace(/\s+/g, " ");
      if (!byText.has(norm)) byText.set(norm, key);
    }
    const scan = new RegExp(options.map(([, o]) => wholePhrase(o)).join("|"), "g");
    for (const m of lowerSameLength(text).matchAll(scan)) {
      if (m[0].length === 0) continue;
      ranges.push([m.index, m.index + m[0].length]);
      mentioned.add(byText.get(m[0].replace(/\s+/g, " "))!);
    }
  }
  if (ranges.length === 0) return { masked: text, mentioned: [...mentioned] };
  const parts: string[] = [];
  let from = 0;
  for (const [a, b] of ranges) {
    parts.push(text.slice(from, a), " ".repeat(b - a));
    from = b;
  }
  parts.push(text.slice(from));
  return { masked: parts.join(""), mentioned: [...mentioned] };
}

/**
 * The option key `text` chooses among `choices` (key → option text), read strictly (see the
 * module doc): "Answer: D", "the answer is (D)", "I'd go with D", "option D", a final "… so D.",
 * or the text of exactly one option. Null when no single option is chosen.
 *
 * @example Letters standing as choices, and traps
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractChoice } from "./choice.ts";
 * const choices = { A: "Insulin", B: "Metformin", C: "Rh(D) immune globulin", D: "Aspirin" };
 * assert.equal(extractChoice("The answer is (B).", choices), "B");
 * assert.equal(extractChoice("The answer is a difficult one; I'd go with D", choices), "D");
 * assert.equal(extractChoice("Give Rh(D) immune globulin.", choices), "C");
 * assert.equal(extractChoice("(A) or (B) or (C) or (D)", choices), null);
 * ```
 */
export function extractChoice(
  text: string,
  choices: Readonly<Record<string, string>>,
): string | null {
  const { masked, mentioned } = maskOptions(text, choices);
  const tokens = new Map<string, Token>();
  for (const key of Object.keys(choices)) {
    tokens.set(key, { value: key, loose: key !== key.toLowerCase(), caseless: false });
    const lower = key.toLowerCase();
    if (lower !== key && !Object.hasOwn(choices, lower)) {
      tokens.set(lower, { value: key, loose: false, caseless: false });
    }
  }
  const read = readMarked(masked, tokens);
  if (read !== undefined) return read;
  return mentioned.length === 1 ? mentioned[0] : null;
}

/**
 * The label `text` states, among `labels` (compared without case; the result is spelled as in
 * `labels`), read by the same rule as {@link extractChoice}: "Answer: yes", "… so, maybe.", a
 * text that is just the label. A label counts only where punctuation or a line end closes it
 * ("the answer: no single factor" is no answer). `letters` (key → label) lets an option letter
 * name its label too.
 *
 * @example PubMedQA-style labels
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractLabel } from "./choice.ts";
 * const labels = ["yes", "no", "maybe"];
 * assert.equal(extractLabel("There is no clear trend, so the answer is maybe.", labels), "maybe");
 * assert.equal(extractLabel("Yes or no.", labels), null);
 * assert.equal(extractLabel("Answer: (B)", labels, { A: "yes", B: "no", C: "maybe" }), "no");
 * ```
 */
export function extractLabel(
  text: string,
  labels: readonly string[],
  letters: Readonly<Record<string, string>> = {},
): string | null {
  const tokens = new Map<string, Token>();
  for (const [key, label] of Object.entries(letters)) {
    const value = labels.find((l) => l.toLowerCase() === label.toLowerCase());
    if (value === undefined) continue;
    tokens.set(key, { value, loose: key !== key.toLowerCase(), caseless: false });
    const lower = key.toLowerCase();
    if (lower !== key) tokens.set(lower, { value, loose: false, caseless: false });
  }
  // Labels last: a label spelled like a letter key is read as the label.
  for (const label of labels) {
    tokens.set(label.toLowerCase(), { value: label, loose: false, caseless: true });
  }
  return readMarked(text, tokens) ?? null;
}
