import assert from "node:assert/strict";
import { ACQUISITION_FUNCTIONS, type AcquisitionFunction } from "../../lib/acquire/mod.ts";
import { generateTasks } from "../../lib/data/mod.ts";
import { createSandbox } from "../../lib/verify/mod.ts";
import { createDedupState, shapeRewards } from "../../lib/reward/mod.ts";
import { contextFor, tinyStudent } from "../acquire/tiny_student.ts";
import { candidate, fromRecord } from "./candidates.ts";

/** Words in the question: a real (if naive) score computed from the candidate. */
const questionWords: AcquisitionFunction = {
  name: "question-words",
  description: "High for long questions.",
  needs: [],
  score: (cs) =>
    Promise.resolve(cs.map((c) => (c.record ? c.record.question.split(/\s+/).length : null))),
};

/** Digits in a math answer; does not apply to other kinds. */
const answerDigits: AcquisitionFunction = {
  name: "answer-digits",
  description: "High for long numeric answers.",
  needs: [],
  score: (cs) =>
    Promise.resolve(
      cs.map((c) =>
        c.record?.answerKind === "number" ? c.record.answer.replace(/\D/g, "").length : null
      ),
    ),
};

const functions = { [questionWords.name]: questionWords, [answerDigits.name]: answerDigits };
const acquire = contextFor(tinyStudent(3));
const tag = (q: string, a: string, tail = "") =>
  `<question>${q}</question>\n<reasoning>so</reasoning>\n<answer>${a}</answer>${tail}`;

const math = candidate(tag("What is 12 plus 30?", "42"), "math"); // 5 words, 2 digits
const mathTail = candidate(tag("What is 1 plus 2?", "3", "\n\n"), "math"); // 5 words, 1 digit
const choice = candidate(tag("Pick one?\nA) 1\nB) 2\nC) 3\nD) 4", "B"), "reasoning"); // 2 words
const broken = candidate("<question>What?</question> 5", "math");

Deno.test("shapeRewards adds weighted functions to the format bonus and logs weight-0 functions without rewarding them", async () => {
  const out = await shapeRewards([math, mathTail, choice], { acquire, functions }, {
    functions: { "question-words": 0.5, "answer-digits": 0 },
    formatWeight: 2,
  });
  assert.deepEqual(out.map((o) => o.parts), [
    { format: 0.75, "question-words": 5, "answer-digits": 2 },
    { format: 0.748, "question-words": 5, "answer-digits": 1 },
    { format: 0.75, "question-words": 2, "answer-digits": null },
  ]);
  assert.deepEqual(out.map((o) => o.reward), [
    2 * 0.75 + 0.5 * 5,
    2 * 0.748 + 0.5 * 5,
    2 * 0.75 + 0.5 * 2,
  ]);
  assert.deepEqual(out.map((o) => o.gates), [{ parse: true }, { parse: true }, { parse: true }]);
});

Deno.test("a null score counts 0 under 'zero' and leaves the reward null under 'drop', out of the normalisation", async () => {
  const config = { functions: { "answer-digits": 1 }, formatWeight: 0 };
  const zero = await shapeRewards([math, mathTail, choice], { acquire, functions }, config);
  assert.deepEqual(zero.map((o) => o.reward), [2, 1, 0]);
  const drop = await shapeRewards([math, mathTail, choice], { acquire, functions }, {
    ...config,
    nulls: "drop",
    normalise: { method: "minmax" },
  });
  assert.deepEqual(drop.map((o) => o.raw), [2, 1, null]);
  assert.deepEqual(drop.map((o) => o.reward), [1, 0, null]);
  // A weight-0 function is only logged: its null drops nothing.
  const logged = await shapeRewards([choice], { acquire, functions }, {
    functions: { "answer-digits": 0 },
    nulls: "drop",
  });
  assert.deepEqual(logged.map((o) => [o.reward, o.parts["answer-digits"]]), [[0.75, null]]);
});

Deno.test("a failed gate gives the fail reward, which takes part in the normalisation; clipping comes last", async () => {
  const out = await shapeRewards([math, broken, mathTail], { acquire, functions }, {
    functions: { "question-words": 1 },
    failReward: -1,
  });
  assert.deepEqual(out.map((o) => o.gates.parse), [true, false, true]);
  assert.deepEqual(out.map((o) => o.parts["question-words"]), [5, null, 5]);
  assert.deepEqual(out.map((o) => o.reward), [0.75 + 5, -1, 0.748 + 5]);
  const clipped = await shapeRewards([math, broken, mathTail], { acquire, functions }, {
    functions: { "question-words": 1 },
    failReward: -1,
    normalise: { method: "rank" },
    clip: { lo: 0.2, hi: 0.9 },
  });
  assert.deepEqual(clipped.map((o) => o.reward), [0.9, 0.2, 0.5]);
});

Deno.test("normalising by group ranks each prompt's samples among themselves", async () => {
  const cands = [math, mathTail, choice, math];
  const out = await shapeRewards(cands, { acquire, functions, groups: ["p", "p", "q", "q"] }, {
    functions: { "question-words": 1 },
    normalise: { method: "rank", by: "group" },
  });
  assert.deepEqual(out.map((o) => o.raw), [0.75 + 5, 0.748 + 5, 0.75 + 2, 0.75 + 5]);
  assert.deepEqual(out.map((o) => o.reward), [1, 0, 0, 1]);
  await assert.rejects(
    shapeRewards(cands, { acquire, functions }, { normalise: { by: "group" } }),
    /'normalise.by' group needs 'groups' in the context/,
  );
  await assert.rejects(
    shapeRewards(cands, { groups: [1] }, { normalise: { by: "group" } }),
    /'groups' must have one key per candidate \(4\): current length is 1/,
  );
});

Deno.test("the procedural gate follows the unverifiable policy: pass through, or fail", async () => {
  const [task] = generateTasks({ family: "arithmetic", count: 1, seed: 5 });
  const right = fromRecord(task);
  const wrong = fromRecord({ ...task, answer: String(Number(task.answer) + 2) });
  const free = candidate(tag("What is 12 plus 30?", "42"), "math");
  const cands = [right, wrong, free];
  const pass = await shapeRewards(cands, {}, { gates: ["parse", "procedural"], failReward: -1 });
  assert.deepEqual(pass.map((o) => o.gates.procedural), [true, false, null]);
  assert.deepEqual(pass.map((o) => o.reward), [0.75, -1, 0.75]);
  const strict = await shapeRewards(cands, {}, {
    gates: ["parse", "procedural"],
    failReward: -1,
    unverifiable: "fail",
  });
  assert.deepEqual(strict.map((o) => o.gates.procedural), [true, false, false]);
  assert.deepEqual(strict.map((o) => o.reward), [0.75, -1, -1]);
});

Deno.test("the duplicate gate keeps accepted samples across calls, and not those that failed another gate", async () => {
  const dedup = createDedupState(["Which number is the largest of these?"]);
  const q = (s: string, a = "7") => candidate(tag(s, a), "math");
  const a = q("Ann has 7 pens and Ben has none. How many pens are there in all?");
  const seedCopy = q("Which number is the largest of these?", "1");
  const wrongAnswer = q("Ben has 9 cups and Ann takes 2 of them. How many cups?", "twelve");
  const config = { gates: ["parse", "duplicate"] as const, failReward: -1 };
  const first = await shapeRewards([a, seedCopy, wrongAnswer, a], { dedup }, {
    ...config,
    gates: [...config.gates],
  });
  assert.deepEqual(first.map((o) => o.gates), [
    { parse: true, duplicate: true },
    { parse: true, duplicate: false },
    { parse: false, duplicate: null },
    { parse: true, duplicate: false },
  ]);
  assert.equal(dedup.kept.length, 2);
  const again = await shapeRewards([a], { dedup }, { ...config, gates: [...config.gates] });
  assert.deepEqual(again.map((o) => o.reward), [-1]);
  await assert.rejects(
    shapeRewards([a], {}, { gates: ["duplicate"] }),
    /the 'duplicate' gate needs 'dedup' in the context/,
  );
});

Deno.test("code rewards need the sandbox's strong isolation, unless weaker isolation is accepted by name", async () => {
  const sandbox = await createSandbox({ timeoutMs: 8000 });
  const [t] = generateTasks({ family: "code", kinds: ["double"], count: 1, seed: 4 });
  const meta = { language: "typescript" };
  const right = fromRecord(t, meta);
  const wrong = fromRecord({ ...t, answer: t.answer.replace("x * 2", "x * 3") }, meta);
  const config = {
    gates: ["parse", "code"] as ("parse" | "code")[],
    formatAllowsTests: true,
    failReward: -1,
    allowWeakIsolation: !sandbox.setup.isolated,
  };
  const out = await shapeRewards([right, wrong], { sandbox }, config);
  assert.deepEqual(out.map((o) => o.gates.code), [true, false]);
  assert.deepEqual(out.map((o) => o.reward), [0.75, -1]);
  const weak = { ...sandbox, setup: { ...sandbox.setup, isolated: false, reason: "test" } };
  await assert.rejects(
    shapeRewards([right], { sandbox: weak }, { ...config, allowWeakIsolation: false }),
    /Cannot use code correctness as a reward/,
  );
  const ok = await shapeRewards([right], { sandbox: weak }, {
    ...config,
    allowWeakIsolation: true,
  });
  assert.equal(ok[0].gates.code, true);
});

Deno.test("a table function scores through shapeRewards exactly as when called alone", async (t) => {
  const fn = ACQUISITION_FUNCTIONS["reference-loss"];
  if (!fn) {
    return void t.step({ name: "skipped: no reference-loss in the table", ignore: true, fn() {} });
  }
  const cands = [math, choice, broken];
  const alone = await fn.score(cands, acquire);
  const out = await shapeRewards(cands, { acquire }, {
    functions: { "reference-loss": 0.5 },
    gates: [],
    formatWeight: 0,
  });
  assert.deepEqual(out.map((o) => o.parts["reference-loss"]), alone);
  assert.ok(alone[0]! > 0);
  assert.deepEqual(out.map((o) => o.raw), alone.map((s) => (s === null ? 0 : 0.5 * s)));
});

Deno.test("shapeRewards refuses a function's NaN, needs the acquisition context for functions, and maps an empty batch to []", async () => {
  const nan: AcquisitionFunction = {
    ...questionWords,
    name: "nan",
    score: (cs) => Promise.resolve(cs.map((c) => (c.record ? 0 / 0 : null))),
  };
  await assert.rejects(
    shapeRewards([math], { acquire, functions: { nan } }, { functions: { nan: 1 } }),
    /function 'nan' scored candidate 0 as NaN, not a number or null/,
  );
  await assert.rejects(
    shapeRewards([math], { functions }, { functions: { "question-words": 1 } }),
    /scoring question-words needs 'acquire' in the context/,
  );
  assert.deepEqual(
    await shapeRewards([], { acquire, functions }, { functions: { "question-words": 1 } }),
    [],
  );
  await assert.rejects(
    shapeRewards([math], {}, { normalise: { by: "row" as never } }),
    /'normalise.by' must be one of batch, group: current value is 'row'/,
  );
});
