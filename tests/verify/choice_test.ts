import assert from "node:assert/strict";
import { extractChoice, extractLabel } from "../../lib/verify/choice.ts";

const CHOICES = { A: "Insulin", B: "Metformin", C: "Rh(D) immune globulin", D: "Aspirin" };

/** Texts that must be read as the given letter. */
const READ: [string, string][] = [
  ["D", "D"],
  ["D.", "D"],
  ["(D)", "D"],
  ["Answer: D", "D"],
  ["answer: d", "D"],
  ["The answer is (D).", "D"],
  ["**Answer:** **D**", "D"],
  ["\\boxed{D}", "D"],
  ["Final answer: option D", "D"],
  ["The correct option is D", "D"],
  ["I'd go with D", "D"],
  ["Answer — D", "D"],
  ["The right choice here is D, since aspirin is cheap.", "D"],
  ["It must be D.", "D"],
  ["Option (D) is correct.", "D"],
  ["The answer is a difficult one; I'd go with D", "D"],
  ["So the answer is D because aspirin is cheap.", "D"],
  ["D is correct.", "D"],
  ["Let me think. Therefore, D.", "D"],
  ["(A) is wrong, (B) is wrong, so (D).", "D"],
  ["The answer is D. A is wrong because insulin is for type 1.", "D"],
  ["I would not choose A; I'd go with D.", "D"],
  ["D: Aspirin", "D"],
  ["I would give aspirin here.", "D"],
  ["We check Rh(D) status first. Answer: B", "B"],
  ["Give Rh(D) immune globulin.", "C"],
  ["A) Insulin\nB) Metformin\nC) Rh(D) immune globulin\nD) Aspirin\nAnswer: B", "B"],
];

/** Texts that must not be read as any letter: articles, letters inside option text, hedges. */
const REFUSED: string[] = [
  "The answer is a difficult one.",
  "This is a hard question about hepatitis B.",
  "Rh(D)",
  "Check the Rh(D) factor before anything else.",
  "A B C D",
  "(A) or (B) or (C) or (D)",
  "A, B, C or D",
  "The answer is A, B, C or D",
  "A.\nB.\nC.\nD.",
  "A\nB\nC\nD",
  "Answer:\nA\nB\nC\nD",
  "The answer is A. The answer is B.",
  "\\boxed{A} \\boxed{B}",
  "Either insulin or metformin.",
  "Insulin, metformin, Rh(D) immune globulin, aspirin",
  "none of these",
  "",
];

Deno.test("extractChoice reads a letter only where it stands as a choice", () => {
  for (const [text, letter] of READ) assert.equal(extractChoice(text, CHOICES), letter, text);
});

Deno.test("extractChoice refuses articles, letters inside option text and lists of letters", () => {
  for (const text of REFUSED) assert.equal(extractChoice(text, CHOICES), null, text);
});

Deno.test("listing every letter is never correct, however it is spelled", () => {
  const lists = [
    "A B C D",
    "(A) (B) (C) (D)",
    "A/B/C/D",
    "A, B, C, and D",
    "Answer: A or B or C or D",
    "The answer is (A), (B), (C) or (D).",
    "**A** **B** **C** **D**",
    "A.\n\nB.\n\nC.\n\nD.",
  ];
  for (const text of lists) {
    for (const letter of "ABCD") {
      assert.notEqual(extractChoice(text, CHOICES), letter, `${text} read as ${letter}`);
    }
  }
});

Deno.test("an option's text counts only when it is the only option mentioned", () => {
  const choices = { A: "Vitamin D", B: "Vitamin D deficiency", C: "Calcium" };
  assert.equal(extractChoice("It is vitamin D deficiency.", choices), "B");
  assert.equal(extractChoice("Plain vitamin D.", choices), "A");
  assert.equal(extractChoice("Vitamin D or calcium.", choices), null);
  // A letter mark outranks option text.
  assert.equal(extractChoice("Not calcium. Answer: A", choices), "A");
});

Deno.test("extractLabel reads yes/no/maybe strictly, and letters by their label", () => {
  const labels = ["yes", "no", "maybe"], letters = { A: "yes", B: "no", C: "maybe" };
  const read: [string, string][] = [
    ["Yes.", "yes"],
    ["no", "no"],
    ["Based on the abstract: yes.", "yes"],
    ["There is no clear evidence. So, maybe.", "maybe"],
    ["The answer is no.", "no"],
    ["Answer: (C)", "maybe"],
  ];
  for (const [text, label] of read) assert.equal(extractLabel(text, labels, letters), label, text);
  for (
    const text of [
      "There is no evidence of harm in the trial.",
      "Yes or no.",
      "yes no maybe",
      "The answer: no single factor explains it",
      "Answer: yes. Answer: no.",
      "",
    ]
  ) {
    assert.equal(extractLabel(text, labels, letters), null, text);
  }
});

Deno.test("a one-megabyte output is read in well under a second", () => {
  const texts = [
    "A ".repeat(500_000),
    "(A) ".repeat(250_000),
    "answer is A ".repeat(90_000),
    "The patient has a fever and a rash; consider option a or the other. ".repeat(15_000) +
    "Answer: B",
    "insulin ".repeat(125_000),
    " ".repeat(1_000_000) + "D",
  ];
  for (const text of texts) {
    const t0 = performance.now();
    extractChoice(text, CHOICES);
    const ms = performance.now() - t0;
    assert.ok(ms < 1500, `${ms.toFixed(0)} ms on ${JSON.stringify(text.slice(0, 20))}…`);
  }
  assert.equal(extractChoice(texts[3], CHOICES), "B");
  assert.equal(extractChoice(texts[0], CHOICES), null);
});
