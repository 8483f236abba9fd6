import assert from "node:assert/strict";
import { corpusRecords, renderGenerator, renderStudent } from "../../lib/data/pretrain_corpus.ts";
import { ARITHMETIC_KINDS, generateTasks, TASK_KINDS } from "../../lib/data/procedural/mod.ts";
import { parseTags } from "../../lib/data/tags.ts";
import { checkAnswers } from "../../lib/verify/check.ts";
import { createSandbox } from "../../lib/verify/sandbox.ts";

/** Checks each "a op b = c." step of a reasoning and returns the last result. */
function replay(reasoning: string): number {
  let last = NaN;
  for (const m of reasoning.matchAll(/(-?\d+) ([-+*/]) (-?\d+)(?: \/ 100)? = (-?\d+)\./g)) {
    const [, a, op, b, c] = m;
    const v = op === "+" ? +a + +b : op === "-" ? +a - +b : op === "*" ? +a * +b : +a / +b;
    const want = m[0].includes("/ 100") ? v / 100 : v;
    assert.equal(want, +c, `step '${m[0]}' of '${reasoning}'`);
    last = +c;
  }
  return last;
}

Deno.test("procedural tasks repeat exactly from a seed and differ across seeds", () => {
  for (const family of ["arithmetic", "choice", "code"] as const) {
    const a = generateTasks({ family, count: 30, seed: 11, difficulty: 3 });
    assert.deepEqual(a, generateTasks({ family, count: 30, seed: 11, difficulty: 3 }));
    assert.notDeepEqual(a, generateTasks({ family, count: 30, seed: 12, difficulty: 3 }));
    assert.equal(new Set(a.map((r) => r.id)).size, 30);
    assert.ok(a.every((r) => r.meta.family === family && r.meta.difficulty === 3));
  }
});

Deno.test("arithmetic: every step of the reasoning is right and ends at the answer, at every difficulty", () => {
  for (let d = 1; d <= 5; d++) {
    for (const r of generateTasks({ count: 300, seed: d, difficulty: d })) {
      assert.equal(String(replay(r.reasoning!)), r.answer, `${r.meta.kind}: ${r.question}`);
      assert.match(r.answer, /^-?\d+$/);
      assert.ok(r.question.endsWith("?"));
    }
  }
});

Deno.test("arithmetic difficulty controls steps and number sizes; kinds select the operation mix", () => {
  const steps = (d: number) =>
    new Set(
      generateTasks({ count: 40, seed: 1, difficulty: d, kinds: ["multi-step"] }).map((r) =>
        r.meta.steps
      ),
    );
  assert.deepEqual([...steps(1)], [2]);
  assert.deepEqual([...steps(3)], [3]);
  assert.deepEqual([...steps(5)], [4]);
  const biggest = (d: number) =>
    Math.max(
      ...generateTasks({ count: 200, seed: 2, difficulty: d, kinds: ["add"] }).flatMap((r) =>
        r.question.match(/\d+/g)!.map(Number)
      ),
    );
  assert.ok(biggest(1) <= 20, `difficulty 1 adds numbers up to ${biggest(1)}`);
  assert.ok(biggest(5) > 2000, `difficulty 5 adds numbers up to ${biggest(5)}`);
  const only = generateTasks({ count: 50, seed: 3, kinds: ["mul", "div"] });
  assert.deepEqual(new Set(only.map((r) => r.meta.kind)), new Set(["mul", "div"]));
  const all = generateTasks({ count: 600, seed: 4 });
  assert.deepEqual(new Set(all.map((r) => r.meta.kind)), new Set(ARITHMETIC_KINDS));
});

Deno.test("bad generator options name the field", () => {
  assert.throws(
    () => generateTasks({ difficulty: 6 }),
    /'difficulty' must be an integer from 1 to 5/,
  );
  assert.throws(() => generateTasks({ kinds: ["mod"] }), /'kinds' must be taken from add, sub/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => generateTasks({ family: "poetry" as any }), /'family' must be one of/);
  assert.throws(() => generateTasks({ count: -1 }), /'count' must be a whole number/);
});

Deno.test("choice: four distinct options, and the lettered answer is the right one", () => {
  for (const r of generateTasks({ family: "choice", count: 400, seed: 5, difficulty: 2 })) {
    const opts = r.choices!;
    assert.deepEqual(Object.keys(opts), ["A", "B", "C", "D"]);
    assert.equal(new Set(Object.values(opts)).size, 4, r.question);
    const right = opts[r.answer];
    const nums = Object.values(opts).map(Number);
    if (r.meta.kind === "largest") assert.equal(+right, Math.max(...nums));
    if (r.meta.kind === "smallest") assert.equal(+right, Math.min(...nums));
    if (r.meta.kind === "convert") {
      assert.ok(r.reasoning!.endsWith(`= ${right}. So the answer is ${r.answer}.`));
    }
    if (r.meta.kind === "sum-largest") {
      const sums = Object.values(opts).map((who) => {
        const [, a, b] = new RegExp(`${who} has (\\d+) and (\\d+)\\.`).exec(r.question)!;
        return +a + +b;
      });
      assert.equal(sums[r.answer.charCodeAt(0) - 65], Math.max(...sums));
    }
  }
});

Deno.test("code: every reference function passes its tests in the Deno sandbox; another kind's fails", async () => {
  const sandbox = await createSandbox({ concurrency: 2, timeoutMs: 10000 });
  const recs = TASK_KINDS.code.map((kind, i) =>
    generateTasks({ family: "code", kinds: [kind], count: 1, seed: 40 + i, difficulty: 4 })[0]
  );
  // One Deno run per record: all kinds, gold then a neighbour kind's function.
  const gold = await checkAnswers(recs, recs.map((r) => r.answer), sandbox);
  assert.deepEqual(gold.map((g) => g.status), recs.map(() => "pass"));
  const swapped = await checkAnswers(
    recs,
    recs.map((_, i) => recs[(i + 1) % recs.length].answer),
    sandbox,
  );
  const passed = swapped.filter((s) => s.correct).length;
  assert.ok(passed <= 1, `${passed} of ${recs.length} swapped functions passed`);
});

Deno.test("the pretraining corpus keeps the mix, renders to strict tags, and gold student answers check out", async () => {
  const recs = corpusRecords(7, 400);
  assert.deepEqual(recs, corpusRecords(7, 400));
  const by = (f: string) => recs.filter((r) => r.meta.family === f).length;
  assert.deepEqual([by("arithmetic"), by("choice"), by("code")], [200, 100, 100]);
  // Any prefix keeps roughly the mix.
  const head = recs.slice(0, 40).filter((r) => r.meta.family === "arithmetic").length;
  assert.ok(head >= 16 && head <= 24, `${head} of the first 40 are word problems`);
  for (const r of recs) {
    const parsed = parseTags(renderGenerator(r));
    assert.deepEqual(parsed.issues, [], renderGenerator(r));
    assert.equal(parsed.sample.answer, r.answer);
  }
  const text = recs.filter((r) => r.meta.family !== "code");
  const checks = await checkAnswers(text, text.map((r) => renderStudent(r).completion));
  assert.ok(checks.every((c) => c.correct));
  const shuffled = await checkAnswers(
    text,
    text.map((_, i) => renderStudent(text[(i * 7 + 3) % text.length]).completion),
  );
  assert.ok(shuffled.filter((c) => c.correct).length / text.length < 0.3);
});
