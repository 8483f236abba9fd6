import assert from "node:assert/strict";
import { formatBonus } from "../../lib/reward/mod.ts";

const WHOLE = "<question>2+2?</question>\n<reasoning>2+2=4</reasoning>\n<answer>4</answer>";

Deno.test("formatBonus gives 0.125 for each of the six tags, 0.75 for all", () => {
  assert.equal(formatBonus(WHOLE), 0.75);
  assert.equal(formatBonus(""), 0);
  assert.equal(formatBonus("<question>2+2?</question>"), 0.25);
  assert.equal(formatBonus("<question>2+2?</question><reasoning>x</reasoning><answer>4"), 0.625);
});

Deno.test("formatBonus takes 0.001 per character after </answer>, whitespace included", () => {
  assert.equal(formatBonus(WHOLE + "\n"), 0.749);
  assert.equal(formatBonus(WHOLE + " extra"), 0.744);
  assert.equal(formatBonus(WHOLE + "x".repeat(1000)), -0.25);
});

Deno.test("formatBonus pays nothing for a tag present twice, and counts trailing text after the last </answer>", () => {
  const twice = WHOLE.replace("<reasoning>2+2=4", "<reasoning><reasoning>2+2=4");
  assert.equal(formatBonus(twice), 0.625);
  const twoAnswers = WHOLE + "<answer>5</answer>.";
  assert.equal(formatBonus(twoAnswers), 0.5 - 0.001);
});

Deno.test("formatBonus exempts a <tests> part only when asked", () => {
  const code = WHOLE + "\n<tests>assertEquals(f(1), 1);</tests>";
  // 38 trailing characters: newline, <tests> (7), the test line (22), </tests> (8).
  assert.equal(formatBonus(code), 0.712);
  assert.equal(formatBonus(code, { allowTests: true }), 0.75);
  // The whitespace around the tests part is exempt too: only "!" trails.
  assert.equal(formatBonus(code + " !", { allowTests: true }), 0.749);
});
