import assert from "node:assert/strict";
import { loadDataset } from "../../lib/data/loaders.ts";
import type { TaskRecord } from "../../lib/data/record.ts";
import {
  extractBoxed,
  extractMathAnswer,
  mathEquivalent,
  parseMath,
  parseRational,
} from "../../lib/verify/math.ts";
import { sharedFile } from "../shared_data.ts";

function bothWays(pairs: readonly (readonly [string, string])[], expected: boolean) {
  for (const [a, b] of pairs) {
    assert.equal(mathEquivalent(a, b), expected, `${a} ${expected ? "≡" : "≢"} ${b}`);
    assert.equal(mathEquivalent(b, a), expected, `${b} ${expected ? "≡" : "≢"} ${a}`);
  }
}

Deno.test("equal spellings of every kind of answer are accepted", () => {
  bothWays([
    // numbers, separators, percents, units, degrees, dollars
    ["1,234", "1234"],
    ["1{,}000", "1000"],
    ["1,\\!000", "1000"],
    ["1\\,000", "1000"],
    ["2,\\!500\\text{ cm}", "2{,}500"],
    ["\\infty", "\\infty"],
    ["1,000,000", "10^6"],
    ["1234.0", "1234"],
    ["$18", "18"],
    ["\\$5.50", "5.5"],
    ["18 dollars", "18"],
    ["5 \\text{ cm}", "5"],
    ["12\\,\\mathrm{kg}", "12"],
    ["\\text{12 cm}", "12"],
    ["90^\\circ", "90"],
    ["90^{\\circ}", "90"],
    ["50\\%", "50"],
    ["75%", "0.75"],
    ["0.10", ".1"],
    ["-0.5", "-\\frac{1}{2}"],
    // fractions
    ["\\frac{3}{4}", "0.75"],
    ["\\dfrac{3}{4}", "3/4"],
    ["\\tfrac12", "\\frac{1}{2}"],
    ["2\\frac{1}{3}", "7/3"],
    ["-2\\frac{1}{3}", "-\\frac{7}{3}"],
    ["0.\\overline{3}", "\\frac13"],
    // equations
    ["x = 3", "3"],
    ["y=2x+3", "2x+3=y"],
    // lists, sets, tuples, intervals, matrices
    ["x=2, x=-3", "-3, 2"],
    ["x=2 \\text{ or } x=-3", "\\{-3, 2\\}"],
    ["\\left( 1, 2 \\right)", "(1,2)"],
    ["(1, -\\frac{1}{2})", "\\left(1,-0.5\\right)"],
    ["[1, 2)", "\\left[1,2\\right)"],
    ["(-\\infty, 3]", "(-\\infty,3]"],
    ["(0, \\infty)", "\\left(0,\\infty\\right)"],
    ["x \\in (-\\infty, 3)", "(-\\infty,3)"],
    ["(0,1)\\cup(2,\\infty)", "(2, \\infty) \\cup (0, 1)"],
    [
      "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
      "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
    ],
    [
      "\\begin{pmatrix} \\frac{1}{2} \\\\ -1 \\end{pmatrix}",
      "\\begin{pmatrix}0.5\\\\-1\\end{pmatrix}",
    ],
    // complex numbers, π, roots, products
    ["6-5i", "-5i+6"],
    ["\\frac{3}{5}-\\frac{4}{5}i", "\\frac{3-4i}{5}"],
    ["2\\pi", "\\pi\\cdot 2"],
    ["\\dfrac{\\pi}{4}", "\\frac{1}{4}\\pi"],
    ["\\sqrt{12}", "2\\sqrt{3}"],
    ["3\\sqrt{13}", "\\sqrt{117}"],
    ["\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"],
    ["\\frac{2}{1+\\sqrt{3}}", "\\sqrt{3}-1"],
    ["\\sqrt[3]{16}", "2\\sqrt[3]{2}"],
    ["a \\cdot \\sqrt{b}", "\\sqrt{b}a"],
    ["\\left( 7 \\right)", "7"],
    ["5!", "120"],
    ["\\mathbf{3}", "3"],
    ["\u22125", "-5"],
    ["3 × 4", "12"],
    ["\\binom{6}{2}", "15"],
    ["\\frac{10!}{3!\\,7!}", "\\binom{10}{3}"],
    ["|{-3}|", "3"],
    ["\\left|1-\\sqrt{2}\\right|", "\\sqrt{2}-1"],
    ["x^2+2x+1", "(x+1)^2"],
    ["\\pi", "\\pi+|\\pi-3.15|+|\\pi-3.16|-|2\\pi-6.31|"],
    // choices and words
    ["\\text{(C)}", "C"],
    ["\\textbf{(C)}", "(C)"],
    ["\\text{Monday}", "Monday"],
    ["\\text{Monday}", "monday"],
    ["\\text{no}", "No"],
    ["\\log_2 3", "\\log_{2} 3"],
  ], true);
});

Deno.test("unequal answers are refused, including prefixes, merges, case and near-misses", () => {
  bothWays([
    ["1,234", "1235"],
    ["\\infty", "-\\infty"],
    ["\\infty", "10^{100}"],
    ["0.33", "1/3"],
    ["\\frac{3}{4}", "0.7"],
    ["75%", "7.5"],
    ["25%", "0.25%"],
    ["-2", "2"],
    ["12", "120"],
    ["x+1", "x+2"],
    ["\\frac{14}{3}", "14"],
    ["3\\sqrt{13}", "3"],
    ["6-5i", "6"],
    ["6-5i", "6+5i"],
    ["\\sqrt{5}1", "\\sqrt{51}"],
    ["2 3", "23"],
    ["2\\frac{1}{3}", "\\frac{21}{3}"],
    ["P-Q", "p-q"],
    ["\\text{(C)}", "\\text{(c)}"],
    ["(1,2)", "(2,1)"],
    ["[1,2)", "[1,2]"],
    ["(1,2]", "(1,2)"],
    ["(0, \\infty)", "[0, \\infty)"],
    ["(0, \\infty)", "(1, \\infty)"],
    ["x=2, x=-3", "2"],
    ["1, 2, 3", "1, 2"],
    ["x=2, y=3", "y=2, x=3"],
    ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}"],
    ["\\begin{pmatrix}1&2\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"],
    ["\\text{Monday}", "Tuesday"],
    ["A", "B"],
    ["5!", "121"],
    ["5m", "5"],
    ["2g", "2"],
    ["1{,}00", "100"],
    ["1{,}00", "1"],
    ["|1-\\sqrt{2}|", "1-\\sqrt{2}"],
    ["\\text{ABC}", "\\text{abc}"],
    // adversarial near-misses of irrational values
    ["\\sqrt{2}", "1.41421356237309504880168872420969807856967187537694807317667973799"],
    ["\\sqrt{2}", "\\sqrt{2}+10^{-1000}"],
    ["\\sqrt{2}", "\\frac{665857}{470832}"],
    ["\\sqrt{2}", "\\sqrt{2}+(\\sqrt{2}-1)^{60}"],
    ["\\pi", "3.14159265358979323846264338327950288419716939937510"],
    ["\\pi", "\\frac{355}{113}"],
    ["2\\pi", "2\\pi+10^{-30}"],
    ["0.3", "0.30000000000000000001"],
    ["1", "0.99999999999999999999999999"],
    ["x", "x+10^{-100}"],
    // identities in π that fail at π itself (a branch placed between π and large values)
    ["\\pi", "\\pi+\\sqrt{(\\pi-1000)^2}-(\\pi-1000)"],
    ["\\pi", "\\left|\\pi-4\\right|+4"],
    ["\\pi", "\\pi+|\\pi-3.14|+|\\pi-3.15|-|2\\pi-6.29|"],
    ["x", "x+\\sqrt{(x-1000)^2}-(x-1000)"],
    ["x", "x+\\sqrt{(x-\\frac{1}{1000})^2}-(x-\\frac{1}{1000})"],
  ], false);
});

Deno.test("undefined, empty and over-long answers equal nothing (∞ equals only ∞)", () => {
  for (const bad of ["\\frac{1}{0}", "NaN", "", "   ", "\\text{}", "1/0"]) {
    assert.equal(mathEquivalent(bad, bad) && parseMath(bad)?.value.kind !== "text", false, bad);
  }
  assert.equal(mathEquivalent(null, "3"), false);
  const long = "1+".repeat(3000) + "1";
  assert.equal(mathEquivalent(long, long), false, "answers over the length cap are refused");
  assert.equal(parseRational("\\sqrt{2}"), null);
  assert.deepEqual(parseRational("\\frac{3}{4}"), parseRational("0.75"));
  assert.deepEqual(parseRational("123456789012345678901234567890"), {
    p: 123456789012345678901234567890n,
    q: 1n,
  });
  assert.ok(!mathEquivalent("123456789012345678901234567891", "123456789012345678901234567890"));
});

Deno.test("final answers are extracted whole, never a prefix of the expression", () => {
  const cases: [string, string | null][] = [
    ["She has 3 + 4 = 7 apples.\n#### 7", "7"],
    ["Thus \\boxed{\\frac{1}{\\sqrt{2}}} is it.", "\\frac{1}{\\sqrt{2}}"],
    ["First \\boxed{1}, then \\boxed{2}.", "2"],
    ["The answer is \\frac{14}{3}.", "\\frac{14}{3}"],
    ["So the answer is 3\\sqrt{13}", "3\\sqrt{13}"],
    ["The answer is 6-5i.", "6-5i"],
    ["First 2, then 5. The answer is 12 apples.", "12"],
    ["The answer is 1,000.", "1,000"],
    ["The answer is 3.5.", "3.5"],
    ["The answer is 3 \\times 4 = 12.", "12"],
    ["The answer is $x = 12$.", "x = 12"],
    ["The answer is $x = 2$ and $x = -3$.", "x = 2, x = -3"],
    ["The answer is -3 and 2.", "-3 and 2"],
    ["Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}"],
    ["Answer: (1, 2)", "(1, 2)"],
    ["**Final Answer:** 42", "42"],
    ["The answer is **\\frac{1}{2}**.", "\\frac{1}{2}"],
    ["The answer is a difficult one; it is 4", "4"],
    ["The answer is A.", "A"],
    ["The answer is $18 and the change is $2.", "$18"],
    ["So we get $x = 5$.", "x = 5"],
    ["So we get $2 + 3 = 5$.", "5"],
    [
      "The final answer is $\\frac{x^2}{4} + \\frac{y^2}{9} = 1$.",
      "\\frac{x^2}{4} + \\frac{y^2}{9} = 1",
    ],
    ["Hence the solutions are $x = 2$ and $x = -3$.", "x = 2, x = -3"],
    ["Therefore the value is \\[ \\frac{1}{2} \\]", "\\frac{1}{2}"],
    ["We get 3 then 9.", "9"],
    ["no numbers", null],
  ];
  for (const [text, want] of cases) assert.equal(extractMathAnswer(text), want, text);
  assert.equal(extractBoxed("\\boxed{a{b}c}"), "a{b}c");
  assert.equal(extractBoxed("so $\\boxed 5$."), "5");
  assert.equal(extractBoxed("\\boxed{1} and \\boxed{2"), null);
  assert.equal(extractBoxed("\\boxedx"), null);
  assert.ok(mathEquivalent(extractMathAnswer("The answer is \\frac{14}{3}."), "4\\frac{2}{3}"));
  assert.ok(!mathEquivalent(extractMathAnswer("The answer is \\frac{14}{3}."), "14"));
});

/** A MATH-style gold answer, an equal answer written differently, and a near-miss. */
const MATH_STYLE: readonly (readonly [string, string, string])[] = [
  ["\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", "\\frac{\\sqrt{2}}{2}"],
  ["\\frac{3\\sqrt{2}}{4}", "\\frac{3}{2\\sqrt{2}}", "\\frac{3\\sqrt{2}}{2}"],
  ["2\\sqrt{5}", "\\sqrt{20}", "\\sqrt{21}"],
  ["4\\sqrt{3}-2", "-2+\\sqrt{48}", "4\\sqrt{3}+2"],
  ["\\frac{1+\\sqrt{5}}{2}", "\\frac{1}{2}+\\frac{\\sqrt{5}}{2}", "\\frac{1-\\sqrt{5}}{2}"],
  ["\\sqrt[3]{4}", "2^{2/3}", "\\sqrt{4}"],
  ["5\\sqrt[4]{2}", "\\sqrt[4]{1250}", "5\\sqrt[4]{3}"],
  ["\\frac{9\\pi}{2}", "4.5\\pi", "\\frac{9\\pi}{4}"],
  ["18+2\\pi", "2(\\pi+9)", "18+\\pi"],
  ["\\frac{\\pi}{6}", "\\frac{1}{6}\\pi", "30"],
  ["36\\pi", "\\pi\\cdot 6^2", "36"],
  ["4\\pi\\sqrt{3}", "\\sqrt{48}\\pi", "4\\pi\\sqrt{2}"],
  ["1-\\frac{\\pi}{4}", "\\frac{4-\\pi}{4}", "\\frac{\\pi}{4}-1"],
  [
    "(-\\infty, -2) \\cup (3, \\infty)",
    "(3,\\infty)\\cup(-\\infty,-2)",
    "(-\\infty,-2]\\cup(3,\\infty)",
  ],
  ["[-2, 7]", "\\left[ -2, 7 \\right]", "(-2, 7)"],
  ["(0, 1]", "\\left(0,1\\right]", "[0, 1]"],
  ["[\\frac{1}{2}, \\infty)", "[0.5,\\infty)", "(\\frac{1}{2},\\infty)"],
  ["\\{1, 3, 5\\}", "5, 3, 1", "1, 3"],
  ["-2, 1", "x = 1 \\text{ or } x = -2", "-1, 2"],
  [
    "\\frac{-3 \\pm \\sqrt{5}}{2}",
    "\\frac{-3-\\sqrt{5}}{2}, \\frac{-3+\\sqrt{5}}{2}",
    "\\frac{3 \\pm \\sqrt{5}}{2}",
  ],
  ["(2, -1)", "\\left( 2, -1 \\right)", "(-1, 2)"],
  ["(1, 2, 3)", "(1,2,3)", "(1, 2, 4)"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\frac12 \\pi)", "(3, \\pi)"],
  [
    "\\begin{pmatrix} 2 \\\\ -1 \\end{pmatrix}",
    "\\begin{bmatrix}2\\\\-1\\end{bmatrix}",
    "\\begin{pmatrix} -1 \\\\ 2 \\end{pmatrix}",
  ],
  [
    "\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}",
    "\\begin{bmatrix}1&0\\\\0&1.0\\end{bmatrix}",
    "\\begin{pmatrix} 0 & 1 \\\\ 1 & 0 \\end{pmatrix}",
  ],
  ["3+4i", "4i+3", "3-4i"],
  [
    "-\\frac{1}{2}+\\frac{\\sqrt{3}}{2}i",
    "\\frac{-1+i\\sqrt{3}}{2}",
    "-\\frac{1}{2}-\\frac{\\sqrt{3}}{2}i",
  ],
  ["2i", "i\\cdot 2", "-2i"],
  ["\\frac{1}{2}-\\frac{1}{2}i", "\\frac{1-i}{2}", "\\frac{1+i}{2}"],
  ["x^2+7x+10", "(x+2)(x+5)", "(x+2)(x+4)"],
  ["3x-2", "-2+3x", "3x+2"],
  ["\\frac{x+1}{x-1}", "\\frac{1+x}{-1+x}", "\\frac{x-1}{x+1}"],
  ["y = -2x + 3", "2x + y = 3", "y = 2x + 3"],
  ["\\text{(B)}", "B", "\\text{(D)}"],
  ["\\text{even}", "even", "\\text{odd}"],
  ["\\text{Sunday}", "Sunday", "Monday"],
  ["12\\%", "12", "0.12\\%"],
  ["1{,}210", "1210", "121"],
  ["60^\\circ", "60", "120^\\circ"],
  ["\\$1.25", "1.25", "125"],
  ["4\\frac{1}{2}", "\\frac{9}{2}", "\\frac{41}{2}"],
  ["\\dfrac{27}{4}", "6.75", "6.7"],
  ["\\sqrt{2}-1", "\\frac{1}{1+\\sqrt{2}}", "0.4142135623730950488016887242097"],
];

Deno.test("MATH-style non-rational golds: equal spellings pass, near-misses fail", () => {
  for (const [gold, same, near] of MATH_STYLE) {
    assert.ok(mathEquivalent(same, gold), `${same} ≡ ${gold}`);
    assert.ok(mathEquivalent(extractMathAnswer(`so \\boxed{${gold}}.`), gold), `${gold} boxed`);
    assert.ok(!mathEquivalent(near, gold), `${near} ≢ ${gold}`);
  }
});

/** Typical MATH gold spellings, one a line: each must equal itself, boxed and stated in prose. */
const MATH_GOLDS = String.raw`
\frac{1}{4}
\$18.90
10\%
12\sqrt{2}
\text{(A)}
x^2+1
-\frac{3}{2}
\frac{\pi}{3}
5\sqrt{3}\text{ cm}
\left(-\frac{1}{2}, \frac{3}{2}\right)
\dfrac{9}{4}
(-\infty,-3)\cup(3,\infty)
2x^2-5x+3
\text{Devon}
y^4-2y^3+7y^2+y-5
\frac{25}{4}\pi
8\pi
[2,5)
\begin{pmatrix} 4 \\ 2 \end{pmatrix}
5+2i
\sqrt{65}
1,\!000
\$2.25
\text{no}
\mathrm{(E)}
a^2+b^2
\frac{x^2}{4} + \frac{y^2}{9} = 1
y = 2x + 3
\{-2, 3\}
(1, -2, 3)
\frac{1}{2} \sin 2x
\log_2 3
\sqrt[4]{8}
\frac{3\sqrt{3}}{2}
-2, 1, 3
30^\circ
\frac{16}{5}
2.5
1.5
\$ 1.50
6\text{ inches}
0
-1
\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}
\frac{1}{\sqrt{2}}
\frac{\sqrt{2}}{2}
\text{odd}
\text{neither}
\frac{7}{2}
2 - 2i
-3 + 4i
3 + \sqrt{5}
\tfrac{1}{3}
\left[ -\frac{1}{2}, 2 \right]
(-\infty, 0] \cup [4, \infty)
\dfrac{\sqrt{6}}{3}
4\sqrt{3}
\frac{5}{12}
\frac{1}{64}
19\%
\text{A, C}
27\text{ square units}
x \in [-2, 7]
\left( \frac{4}{3}, -\frac{1}{3} \right)
\frac{1 + \sqrt{5}}{2}
\pm 3
2 \pm \sqrt{3}
\frac{n(n+1)}{2}
3^{10}
2^{100}
10!
\binom{8}{3}
\cos 20^\circ
\sin x
\frac{\pi}{2} - 1
e^2
\ln 2
(2,3)
3:2
2:3
1/2
23.5\text{ feet}
70\text{ degrees}
AB
\overline{AB}
-x^3 + 4x
\text{East}
\text{B}
\text{Sunday}
\$\$18
`.trim().split("\n");

Deno.test("typical MATH gold spellings equal themselves, boxed and in a final-answer sentence", () => {
  for (const g of MATH_GOLDS) {
    assert.ok(mathEquivalent(g, g), g);
    assert.ok(mathEquivalent(extractMathAnswer(`So \\boxed{${g}}.`), g), `boxed ${g}`);
    assert.ok(mathEquivalent(extractMathAnswer(`The final answer is $${g}$.`), g), `stated ${g}`);
  }
});

function typicalForms(answer: string): string[] {
  return [`Working it out.\n#### ${answer}`, `So the answer is ${answer}.`, `\\boxed{${answer}}`];
}

async function checkGolds(format: "gsm8k" | "svamp", file: string, chance: number) {
  const path = await sharedFile(file);
  if (!path) return;
  const { records } = await loadDataset(format, path);
  const score = (preds: string[], rs: TaskRecord[]) =>
    rs.filter((r, i) => mathEquivalent(extractMathAnswer(preds[i]), r.answer)).length / rs.length;
  for (const form of [0, 1, 2]) {
    const gold = records.map((r) => typicalForms(r.answer)[form]);
    assert.equal(score(gold, records), 1, `${format} gold form ${form}`);
  }
  const shuffled = records.map((_, i) =>
    typicalForms(records[(i * 7 + 13) % records.length].answer)[1]
  );
  const s = score(shuffled, records);
  assert.ok(s < chance, `${format} shuffled accuracy ${s}`);
}

Deno.test("gsm8k gold answers score 1.0 in typical prediction forms; shuffled near chance", async () => {
  await checkGolds("gsm8k", "math/gsm8k_train.jsonl", 0.05);
});

Deno.test("svamp gold answers score 1.0 in typical prediction forms; shuffled near chance", async () => {
  await checkGolds("svamp", "math/svamp.json", 0.08);
});

Deno.test("MATH fixture golds equal themselves, boxed and unboxed", async () => {
  const { records } = await loadDataset(
    "math",
    new URL("../fixtures/math_small.jsonl", import.meta.url).pathname,
  );
  assert.ok(records.length >= 3);
  for (const r of records) {
    assert.ok(mathEquivalent(r.answer, r.answer), r.answer);
    assert.ok(mathEquivalent(extractMathAnswer(`So \\boxed{${r.answer}}.`), r.answer), r.answer);
  }
});

Deno.test("costly or undecidable expressions are refused quickly", () => {
  const costly = [
    "x^{1024}y^{1024}z^{1024}",
    "(x+1)^{1024}",
    "\\sqrt{2}^{1023}+\\sqrt{3}^{1023}",
    "2^{2^{2^{2^{2}}}}",
    "(" + "(\\sqrt{2}-1)^{64}".repeat(30) + ")",
    Array.from({ length: 60 }, (_, i) => `\\sqrt{${i + 2}}`).join("+"),
  ];
  // Many costly parts share one budget: a list of them costs no more than one.
  const part = "(\\sqrt{2}+\\sqrt{3}+\\sqrt{5})^{40}";
  const list = Array.from({ length: 40 }, (_, i) => `${part}+${i}`).join(", ");
  costly.push(list);
  {
    const t0 = performance.now();
    // Beyond the budget: undecided, hence refused.
    assert.equal(mathEquivalent(list, list.split(", ").reverse().join(", ")), false);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `list of costly parts: ${ms.toFixed(0)} ms`);
  }
  for (const a of costly) {
    const t0 = performance.now();
    assert.equal(mathEquivalent(a, "\\sqrt{2}"), false, a);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${a.slice(0, 30)}: ${ms.toFixed(0)} ms`);
  }
});

Deno.test("a long list of irrational values is compared within the shared budget", () => {
  const list = Array.from({ length: 40 }, (_, i) => `\\sqrt{2}+${i}`);
  assert.ok(mathEquivalent(list.join(", "), [...list].reverse().join(", ")));
  assert.ok(!mathEquivalent(list.join(", "), [...list.slice(1), "\\sqrt{3}"].join(", ")));
});

Deno.test("parsing one answer leaves no trace on the next", () => {
  const table: [string, string][] = [
    ["f(x)", "xf"],
    ["x = 3", "3"],
    ["2x", "x \\cdot 2"],
    [
      "x",
      "5",
    ],
    ["e^{i\\pi}", "-1"],
    ["f", "g"],
  ];
  const before = table.map(([a, b]) => mathEquivalent(a, b));
  for (
    const a of ["f(x) = x^2", "x := 5", "\\operatorname{g}(t)", "e = 2", "\\pi = 3", "x \\in \\Z"]
  ) {
    parseMath(a);
  }
  assert.deepEqual(table.map(([a, b]) => mathEquivalent(a, b)), before);
  assert.deepEqual(before, [true, true, true, false, false, false]);
});

Deno.test("extraction and checking of a one-megabyte output take well under a second", () => {
  const outputs = [
    "The answer is 1,".repeat(65536),
    "\\boxed{" + "{".repeat(1 << 20),
    "$".repeat(1 << 20),
    "1".repeat(1 << 20),
    ".".repeat(1 << 20) + "x",
    " ".repeat(1 << 20) + "1",
    "$1$, ".repeat(1 << 18),
    "the answer is " + "(".repeat(1 << 20),
    "Final Answer: " + "\\frac{1}{2}".repeat(100000),
    "x ".repeat(1 << 19) + "\\boxed{" + "1+".repeat(1 << 18) + "1}",
  ];
  for (const text of outputs) {
    const t0 = performance.now();
    const answer = extractMathAnswer(text);
    mathEquivalent(answer, "\\frac{1}{2}");
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${text.slice(0, 20)}…: ${ms.toFixed(0)} ms`);
  }
});
