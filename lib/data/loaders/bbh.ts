/**
 * BIG-Bench Hard task files: `{examples: [{input, target}]}`, one file per task.
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { field, LETTERS, RowError } from "./_rows.ts";

/** Lettered options `(A) text` or a dash list `- text`, one per line, after `Options:`. */
interface BbhOptions {
  /** The input before the `Options:` line. */
  readonly stem: string;
  readonly style: "letters" | "dashes";
  /** Option texts by letter (dash lists are lettered in order). */
  readonly choices: Record<string, string>;
}

function bbhOptions(input: string): BbhOptions | null {
  const at = input.lastIndexOf("\nOptions:\n");
  if (at < 0) return null;
  const lines = input.slice(at + "\nOptions:\n".length).split("\n").filter((l) => l.trim());
  const lettered = lines.map((l) => /^\(([A-Z])\)\s?(.*)$/.exec(l.trim()));
  if (lettered.every((m) => m !== null)) {
    return {
      stem: input.slice(0, at),
      style: "letters",
      choices: Object.fromEntries(lettered.map((m) => [m![1], m![2].trim()])),
    };
  }
  const dashed = lines.map((l) => /^-\s+(.*)$/.exec(l.trim()));
  if (dashed.every((m) => m !== null) && dashed.length <= LETTERS.length) {
    return {
      stem: input.slice(0, at),
      style: "dashes",
      choices: Object.fromEntries(dashed.map((m, k) => [LETTERS[k], m![1].trim()])),
    };
  }
  return null;
}

/**
 * A BBH example; the id is `<task>/<0-based index>`. Inputs that end in lettered options
 * (`(A) …`) become `choice` records (the options move to `choices`, the answer is the letter);
 * a dash list of options (`- Yes`, `- No`) makes a `label` record (the answer is the label);
 * other targets (and a target that is no option) are `exact`.
 */
export function bbhRecord(r: Record<string, unknown>, index: number, task: string): TaskRecord {
  const input = field(r, "input"), target = field(r, "target").trim();
  const base = { id: `${task}/${index}`, domain: "reasoning" as const, meta: { task } };
  const opts = bbhOptions(input);
  if (opts?.style === "letters") {
    // A few targets are the option's text rather than its letter ("Monsters, Inc").
    const letter = /^\(([A-Z])\)$/.exec(target)?.[1] ??
      Object.keys(opts.choices).find((k) => opts.choices[k].toLowerCase() === target.toLowerCase());
    // One movie_recommendation item splits its target ("Monsters, Inc") across two options:
    // its target is free text, checked whole.
    if (!letter || !Object.hasOwn(opts.choices, letter)) {
      return { ...base, question: input, answer: target, answerKind: "exact" };
    }
    return {
      ...base,
      question: opts.stem,
      answer: letter,
      answerKind: "choice",
      choices: opts.choices,
    };
  }
  if (opts?.style === "dashes") {
    const label = Object.values(opts.choices).find((c) => c.toLowerCase() === target.toLowerCase());
    if (label === undefined) {
      throw new RowError(`'target' must be one of the options: current value is '${target}'`);
    }
    return {
      ...base,
      question: opts.stem,
      answer: label,
      answerKind: "label",
      choices: opts.choices,
    };
  }
  return { ...base, question: input, answer: target, answerKind: "exact" };
}
