/**
 * The reference work's format bonus: +0.125 for each of the six tag strings present exactly
 * once, −0.001 for each character after the closing answer tag.
 *
 * @module
 */

/**
 * The six tag strings the bonus counts, 0.125 each (0.75 in all).
 *
 * @example The most the bonus pays
 * ```ts
 * import assert from "node:assert/strict";
 * import { FORMAT_TAGS, TAG_BONUS } from "./format.ts";
 * assert.equal(FORMAT_TAGS.length * TAG_BONUS, 0.75);
 * ```
 */
export const FORMAT_TAGS: readonly string[] = Object.freeze([
  "<question>",
  "</question>",
  "<reasoning>",
  "</reasoning>",
  "<answer>",
  "</answer>",
]);

/**
 * The bonus of one tag string present exactly once.
 *
 * @example One tag alone
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBonus, TAG_BONUS } from "./format.ts";
 * assert.equal(formatBonus("<question>"), TAG_BONUS);
 * ```
 */
export const TAG_BONUS = 0.125;

/**
 * The penalty of one character after `</answer>`.
 *
 * @example A closing answer tag and one trailing character
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBonus, TAG_BONUS, TRAILING_PENALTY } from "./format.ts";
 * assert.equal(formatBonus("</answer>."), TAG_BONUS - TRAILING_PENALTY);
 * ```
 */
export const TRAILING_PENALTY = 0.001;

/** Options of {@link formatBonus}. */
export interface FormatOptions {
  /**
   * Exempt one `<tests>…</tests>` part (and the whitespace around it) right after `</answer>`
   * from the trailing penalty, which the reference would charge for it. @default false
   */
  readonly allowTests?: boolean;
}

function occurrences(text: string, s: string): number {
  return text.split(s).length - 1;
}

/**
 * The format bonus of a generated text. "Exactly once" means the tag string occurs once, as a
 * plain substring anywhere in the text (order and nesting are the parse gate's job): a tag
 * missing or repeated earns nothing. Trailing characters are counted after the LAST
 * `</answer>`, every character (whitespace and newlines too); with no `</answer>` there is no
 * penalty, as nothing can be said to trail.
 *
 * @example All six tags, then a duplicate and trailing text
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBonus } from "./format.ts";
 * const text = "<question>2+2?</question>\n<reasoning>2+2=4</reasoning>\n<answer>4</answer>";
 * assert.equal(formatBonus(text), 0.75);
 * assert.equal(formatBonus(text + " ok"), 0.747);
 * assert.equal(formatBonus(text.replace("<answer>4", "<answer><answer>4")), 0.625);
 * ```
 */
export function formatBonus(text: string, options: FormatOptions = {}): number {
  const { allowTests = false } = options;
  let bonus = 0;
  for (const tag of FORMAT_TAGS) if (occurrences(text, tag) === 1) bonus += TAG_BONUS;
  const end = text.lastIndexOf("</answer>");
  if (end < 0) return bonus;
  let tail = text.slice(end + "</answer>".length);
  if (allowTests) tail = tail.replace(/^\s*<tests>[\s\S]*?<\/tests>\s*/, "");
  // Sum in thousandths so 0.75 - 3 * 0.001 is the same float as 0.747.
  return (Math.round(bonus * 1000) - tail.length) / 1000;
}
