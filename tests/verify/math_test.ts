import assert from "node:assert/strict";
import { extractChoice } from "../../lib/verify/choice.ts";
import { extractBoxed, extractMathAnswer, mathEquivalent } from "../../lib/verify/math.ts";

Deno.test("equal forms of a number are accepted", () => {
  const equal: [string, string][] = [
    ["1,234", "1234"],
    ["1234.0", "1234"],
    ["$18", "18"],
    ["18 dollars", "18"],
    ["\\frac{3}{4}", "0.75"],
    ["3/4", "\\dfrac{3}{4}"],
    ["75%", "0.75"],
    ["25%", "25"],
    ["\\$5.50", "5.5"],
    ["\\text{12 cm}", "12"],
    ["$\\frac{1}{3}$", "2/6"],
    ["-0.5", "-\\frac{1}{2}"],
    ["\\left( 7 \\right)", "7"],
    ["12 kg", "12"],
    ["0.10", ".1"],
  ];
  for (const [a, b] of equal) {
    assert.ok(mathEquivalent(a, b), `${a} ≡ ${b}`);
    assert.ok(mathEquivalent(b, a), `${b} ≡ ${a}`);
  }
});

Deno.test("unequal answers are rejected", () => {
  const unequal: [string, string][] = [
    ["1,234", "1235"],
    ["0.33", "1/3"],
    ["\\frac{3}{4}", "0.7"],
    ["75%", "7.5"],
    ["-2", "2"],
    ["12", "120"],
    ["x+1", "x+2"],
  ];
  for (const [a, b] of unequal) {
    assert.ok(!mathEquivalent(a, b), `${a} ≢ ${b}`);
    assert.ok(!mathEquivalent(b, a), `${b} ≢ ${a}`);
  }
  assert.equal(mathEquivalent(null, "3"), false);
});

Deno.test("final answers are extracted from ####, \\boxed{}, 'the answer is' and the last number", () => {
  assert.equal(extractMathAnswer("She has 3 + 4 = 7 apples.\n#### 7"), "7");
  assert.equal(
    extractMathAnswer("Thus \\boxed{\\frac{1}{\\sqrt{2}}} is it."),
    "\\frac{1}{\\sqrt{2}}",
  );
  assert.equal(extractMathAnswer("First 2, then 5. The answer is 12 apples."), "12");
  assert.equal(extractMathAnswer("We get 3 then 9."), "9");
  assert.equal(extractMathAnswer("no numbers"), null);
  assert.equal(extractBoxed("\\boxed{a{b}c}"), "a{b}c");
});

Deno.test("choice letters are read from the usual answer shapes and from option text", () => {
  const ch = { A: "Insulin", B: "Metformin", C: "Aspirin", D: "Heparin" };
  for (
    const t of [
      "B",
      "(B)",
      "B.",
      "Answer: B",
      "B: Metformin",
      "The answer is B",
      "I would give metformin here.",
    ]
  ) {
    assert.equal(extractChoice(t, ch), "B", t);
  }
  assert.equal(extractChoice("none of these", ch), null);
});
