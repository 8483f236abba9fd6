/**
 * Python source as text: a HumanEval-style prompt joined with a completion that holds only the
 * function body, re-indented to the prompt. A leaf shared by the HumanEval loader (gold solutions)
 * and the code verifier (candidates), so both read a body by the same rule.
 *
 * @module
 */

/** Leading whitespace width with tabs to the next multiple of 8, as Python reads it. */
function indentWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    if (ch === " ") w++;
    else if (ch === "\t") w = (Math.floor(w / 8) + 1) * 8;
    else break;
  }
  return w;
}

/**
 * A HumanEval-style prompt with a completion (a function body) appended. The body is re-indented
 * to the prompt's own body indentation when they differ (the sanitised MBPP in HumanEval format
 * indents solutions by 2, 4 or 8 spaces or tabs under a 4-space docstring), shifting every
 * indented line by the same amount so the body's structure is kept; tabs become spaces first.
 *
 * @example A 2-space body under a 4-space docstring
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinCompletion } from "./python_body.ts";
 * const prompt = "def f(x):\n    '''Twice x.'''\n";
 * assert.equal(
 *   joinCompletion(prompt, "  if x:\n    return 2 * x\n  return 0\n"),
 *   prompt + "    if x:\n      return 2 * x\n    return 0\n",
 * );
 * ```
 */
export function joinCompletion(prompt: string, completion: string): string {
  const promptLines = prompt.split("\n").filter((l) => l.trim());
  const last = promptLines[promptLines.length - 1] ?? "";
  // After a bare `def ...:` line the body goes one level (4 columns) deeper; after a docstring
  // it lines up with the docstring.
  const target = last.trimEnd().endsWith(":") ? indentWidth(last) + 4 : indentWidth(last);
  const lines = completion.split("\n");
  // Comments say nothing about the body's indentation (a solution may open with one at column 0).
  const code = (l: string) => l.trim() !== "" && !l.trim().startsWith("#");
  const first = lines.find(code);
  const from = first === undefined ? 0 : indentWidth(first);
  if (from === 0 || (from === target && !/^ *\t/m.test(completion))) return prompt + completion;
  // Only the body is shifted: from the first line of code back at column 0 (a helper function
  // after the body) the text keeps its own indentation.
  let inBody = true;
  const shifted = lines.map((l) => {
    if (!inBody || !code(l)) return l;
    const w = indentWidth(l);
    if (w === 0) {
      inBody = false;
      return l;
    }
    return " ".repeat(Math.max(0, w - from + target)) + l.replace(/^[ \t]*/, "");
  });
  return prompt + shifted.join("\n");
}
