import assert from "node:assert/strict";
import { generateTasks } from "../../lib/data/mod.ts";
import { createSandbox } from "../../lib/verify/mod.ts";
import { createDedupState, duplicateGate, GATES } from "../../lib/reward/mod.ts";
import { candidate, fromRecord } from "./candidates.ts";

const tag = (q: string, r: string, a: string) =>
  `<question>${q}</question>\n<reasoning>${r}</reasoning>\n<answer>${a}</answer>`;

Deno.test("the parse gate passes a strict record and fails extra text, a missing tag or a bad answer", async () => {
  const good = candidate(tag("2+3?", "2+3=5", "5"), "math");
  const trailing = candidate(tag("2+3?", "2+3=5", "5") + " bye", "math");
  const missing = candidate("<question>2+3?</question><answer>5</answer>", "math");
  const wordy = candidate(tag("2+3?", "2+3=5", "five"), "math");
  assert.deepEqual(await GATES.parse([good, trailing, missing, wordy], {}), [
    "pass",
    "fail",
    "fail",
    "fail",
  ]);
});

Deno.test("the answer gate passes a math value and fails prose; other kinds skip", async () => {
  const rec = candidate(tag("2+3?", "so", "5"), "math").record!;
  const cands = [
    { text: "", record: rec },
    { text: "", record: { ...rec, answerKind: "math" as const, answer: "\\frac{7}{2}" } },
    { text: "", record: { ...rec, answerKind: "math" as const, answer: "about five apples" } },
    { text: "", record: { ...rec, answerKind: "math" as const, answer: "" } },
    candidate(tag("Pick?\nA) 1\nB) 2", "so", "B"), "reasoning"),
    { text: "", record: null },
  ];
  assert.deepEqual(await GATES.answer(cands, {}), ["pass", "pass", "fail", "fail", "skip", "skip"]);
});

Deno.test("the procedural gate passes right answers, fails wrong ones, and cannot verify unknown templates", async () => {
  const tasks = [
    ...generateTasks({ family: "arithmetic", count: 12, seed: 2, difficulty: 3 }),
    ...generateTasks({ family: "choice", count: 8, seed: 2, difficulty: 3 }),
  ];
  const right = tasks.map((t) => fromRecord(t));
  assert.ok(right.every((c) => c.record !== null));
  assert.ok((await GATES.procedural(right, {})).every((v) => v === "pass"));
  const wrong = tasks.map((t) => {
    const answer = t.answerKind === "choice"
      ? (t.answer === "A" ? "B" : "A")
      : String(Number(t.answer) + 1);
    return fromRecord({ ...t, answer });
  });
  assert.ok((await GATES.procedural(wrong, {})).every((v) => v === "fail"));
  const free = candidate(tag("A train goes 60 km in 1 hour. Speed?", "60/1", "60"), "math");
  const code = fromRecord(generateTasks({ family: "code", count: 1 })[0]);
  assert.deepEqual(await GATES.procedural([free, code], {}), ["unverifiable", "skip"]);
});

Deno.test("the procedural gate uses meta.kind when given, and falls back to every template", async () => {
  const [t] = generateTasks({ family: "arithmetic", kinds: ["mul"], count: 1, seed: 9 });
  const labelled = fromRecord(t, { kind: "mul" });
  const mislabelled = fromRecord(t, { kind: "add" });
  assert.deepEqual(await GATES.procedural([labelled, mislabelled], {}), ["pass", "pass"]);
});

Deno.test("the choice gate needs four distinct options A-D and a valid letter", async () => {
  const opts = (xs: string[]) => xs.map((x, i) => `${"ABCDE"[i]}) ${x}`).join("\n");
  const mk = (xs: string[], a: string) =>
    candidate(tag(`Which?\n${opts(xs)}`, "so", a), "reasoning");
  const cands = [
    mk(["1", "2", "3", "4"], "C"),
    mk(["1", "2", "3"], "C"),
    mk(["1", "2", "3", "4", "5"], "C"),
    mk(["1", "2", "2", "4"], "A"),
    candidate(tag("2+3?", "so", "5"), "math"),
  ];
  assert.deepEqual(await GATES.choice(cands, {}), ["pass", "fail", "fail", "fail", "skip"]);
  // A letter that is no option never becomes a record: the parse gate already refuses it.
  assert.equal(mk(["1", "2", "3", "4"], "E").record, null);
  const rec = cands[0].record!;
  assert.deepEqual(await GATES.choice([{ text: "", record: { ...rec, answer: "E" } }], {}), [
    "fail",
  ]);
});

Deno.test("the code gate runs a procedural TypeScript task's own tests in the sandbox", async () => {
  const sandbox = await createSandbox({ timeoutMs: 8000 });
  const [t] = generateTasks({ family: "code", kinds: ["sum"], count: 1, seed: 1, difficulty: 2 });
  const meta = { language: "typescript" };
  const right = fromRecord(t, meta);
  const wrong = fromRecord({ ...t, answer: t.answer.replace("a + b", "a - b") }, meta);
  assert.notEqual(wrong.record!.answer, right.record!.answer);
  const math = candidate(tag("2+3?", "so", "5"), "math");
  const env = { sandbox, allowWeakIsolation: !sandbox.setup.isolated };
  assert.deepEqual(await GATES.code([right, wrong, math], env), ["pass", "fail", "skip"]);
  const weak = {
    ...sandbox,
    setup: { ...sandbox.setup, isolated: false, reason: "test: no bwrap" },
  };
  await assert.rejects(GATES.code([right], { sandbox: weak }), /not isolated \(test: no bwrap\)/);
  await assert.rejects(GATES.code([right], {}), /'code' gate needs 'sandbox'/);
  assert.deepEqual(await GATES.code([math], {}), ["skip"]);
});

Deno.test("the duplicate gate fails near copies of seeds and of accepted samples, and keeps only accepted ones", () => {
  const state = createDedupState([
    "Ann has 7 pens. Ben gives Ann 5 more. How many pens does Ann have?",
  ]);
  const q = (s: string) => candidate(tag(s, "so", "1"), "math");
  const copy = q("Ann has 7 pens. Ben gives Ann 6 more. How many pens does Ann have?");
  const fresh = q("Sam shares 12 cups equally among 3 friends. How many cups does each get?");
  const other = q("Tom has 4 bags with 3 eggs in each. How many eggs in all?");
  assert.equal(duplicateGate(copy, state, 0.5, true), "fail");
  assert.equal(duplicateGate(copy, state, 0.9, true), "pass");
  assert.equal(duplicateGate(fresh, state, 0.5, false), "pass");
  assert.equal(duplicateGate(fresh, state, 0.5, true), "pass");
  assert.equal(duplicateGate(fresh, state, 0.5, true), "fail");
  assert.equal(duplicateGate(other, state, 0.5, true), "pass");
  assert.equal(state.kept.length, 4);
  assert.equal(duplicateGate({ text: "", record: null }, state, 0.5, true), "skip");
});

Deno.test("the duplicate gate compares choice questions with their options, not the shared stem", () => {
  const tasks = generateTasks({
    family: "choice",
    kinds: ["largest"],
    count: 20,
    seed: 3,
    difficulty: 4,
  });
  const state = createDedupState([]);
  const verdicts = tasks.map((t) => duplicateGate(fromRecord(t), state, 0.8, true));
  assert.ok(verdicts.every((v) => v === "pass"), verdicts.join());
  assert.equal(duplicateGate(fromRecord(tasks[7]), state, 0.8, true), "fail");
});
