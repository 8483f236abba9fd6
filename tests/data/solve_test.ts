import assert from "node:assert/strict";
import {
  ARITHMETIC_KINDS,
  CHOICE_KINDS,
  generateTasks,
  questionText,
  SOLVABLE_KINDS,
  solveProcedural,
} from "../../lib/data/mod.ts";

const KINDS = { arithmetic: ARITHMETIC_KINDS, choice: CHOICE_KINDS } as const;

Deno.test("solveProcedural solves every generated task of every kind at difficulties 1 to 5", () => {
  let solved = 0;
  for (const family of ["arithmetic", "choice"] as const) {
    for (const kind of KINDS[family]) {
      for (let difficulty = 1; difficulty <= 5; difficulty++) {
        const tasks = generateTasks({ family, kinds: [kind], difficulty, count: 60, seed: 11 });
        for (const t of tasks) {
          const want = { kind, answer: t.answer };
          assert.deepEqual(solveProcedural(questionText(t)), want, questionText(t));
          assert.deepEqual(solveProcedural(t.question, { kind, choices: t.choices }), want);
          solved++;
        }
      }
    }
  }
  assert.equal(solved, 10 * 5 * 60);
});

Deno.test("solveProcedural covers exactly the arithmetic and choice kinds", () => {
  assert.deepEqual([...SOLVABLE_KINDS].sort(), [...ARITHMETIC_KINDS, ...CHOICE_KINDS].sort());
});

Deno.test("solveProcedural refuses questions whose template was altered", () => {
  const altered = [
    "Ann has 7 pens. Ben gives Ann 5 more. How many cups does Ann have?",
    "Ann has 7 pens. Ben gives Tom 5 more. How many pens does Ann have?",
    "Ann has 7 pens and gives 2 to Ben. How many pens are there?",
    "Ann has 3 bags with 4 pens in each. How many cups in all?",
    "Ann shares 12 pens equally among 0 friends. How many pens does each get?",
    "Ann has 9 pens. Ann gets 3 more, eats 2. How many pens now?",
    "Which number is the biggest?\nA) 3\nB) 9\nC) 4\nD) 1",
    "Which number is the largest?\nA) 3\nB) 9\nC) 9\nD) 1",
    "Which number is the largest?\nA) three\nB) 9\nC) 4\nD) 1",
    "How many cm are in 4 kg?\nA) 400\nB) 4000\nC) 40\nD) 104",
    "How many cm are in 4 m?\nA) 40\nB) 4000\nC) 14\nD) 104",
    "Who has the most? Ann has 3 and 4. Ben has 2 and 5.\nA) Ann\nB) Ben",
    "Who has the most? Ann has 3 and 4. Ben has 2 and 6.\nA) Ann\nB) Tom",
  ];
  for (const q of altered) assert.equal(solveProcedural(q), null, q);
});

Deno.test("solveProcedural gives the answer of the changed numbers, so a stale answer is caught", () => {
  const [t] = generateTasks({ family: "arithmetic", kinds: ["add"], count: 1, seed: 4 });
  const [a, b] = t.question.match(/\d+/g)!.map(Number);
  const changed = t.question.replace(String(a), String(a + 1));
  assert.equal(solveProcedural(changed)?.answer, String(a + b + 1));
  assert.notEqual(solveProcedural(changed)?.answer, t.answer);
  assert.deepEqual(
    solveProcedural("Ann shares 7 pens equally among 2 friends. How many pens does each get?"),
    { kind: "div", answer: "7/2" },
  );
  assert.equal(solveProcedural(t.question, { kind: "mul" }), null);
});
