import assert from "node:assert/strict";
import { generateTasks, type TaskRecord } from "../../lib/data/mod.ts";
import {
  accuracyByGroup,
  compareAccuracy,
  compareByGroup,
  evaluate,
  type Evaluation,
} from "../../lib/eval/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { createSandbox } from "../../lib/verify/mod.ts";

const rec = (id: string, kind: string, difficulty: number): TaskRecord => ({
  id,
  domain: "math",
  question: "?",
  answer: "1",
  answerKind: "number",
  meta: { kind, difficulty },
});

Deno.test("accuracyByGroup counts each group with its Wilson interval, in order of appearance", () => {
  const records = [rec("1", "sub", 1), rec("2", "add", 2), rec("3", "sub", 2), rec("4", "sub", 1)];
  const verdicts = [true, false, true, false];
  const byKind = accuracyByGroup(records, verdicts, "meta.kind");
  assert.deepEqual(byKind.groups.map((g) => [g.group, g.correct, g.total]), [
    ["sub", 2, 3],
    ["add", 0, 1],
  ]);
  assert.equal(byKind.groups[0].accuracy.estimate, 2 / 3);
  assert.equal(byKind.groups[1].accuracy.low, 0);
  assert.deepEqual([byKind.overall.correct, byKind.overall.total], [2, 4]);
  const byDifficulty = accuracyByGroup(records, verdicts, "meta.difficulty");
  assert.deepEqual(byDifficulty.groups.map((g) => [g.group, g.correct]), [["1", 1], ["2", 1]]);
  assert.throws(() => accuracyByGroup(records, [true], "meta.kind"), /4 records but 1 verdicts/);
});

function evaluation(verdicts: boolean[], groups: string[]): Evaluation {
  const items = verdicts.map((correct, i) => ({
    id: `x${i}`,
    group: groups[i],
    correct,
    text: "",
  }));
  const records = items.map((it) => rec(it.id, it.group, 1));
  return { items, ...accuracyByGroup(records, verdicts, "meta.kind") };
}

Deno.test("compareAccuracy pools the chosen groups and pairs items; mismatched items are refused", () => {
  const groups = ["a", "a", "a", "b", "b", "b"];
  const before = evaluation([false, false, true, true, true, true], groups);
  const after = evaluation([true, true, true, false, true, true], groups);
  const a = compareAccuracy(before, after, { groups: ["a"], seed: 1 });
  assert.deepEqual([a.group, a.before.correct, a.after.correct, a.delta.estimate], [
    "a",
    1,
    3,
    2 / 3,
  ]);
  // Every "a" item either gained or stayed right: no resample can show a loss.
  assert.ok(a.delta.low >= 0);
  const all = compareAccuracy(before, after);
  assert.equal(all.delta.estimate, 1 / 6);
  const rows = compareByGroup(before, after);
  assert.deepEqual(rows.map((r) => [r.group, +r.delta.estimate.toFixed(6)]), [["a", 0.666667], [
    "b",
    -0.333333,
  ]]);
  const other = evaluation([true], ["a"]);
  assert.throws(() => compareAccuracy(before, other), /same items as 'before'/);
  assert.throws(() => compareAccuracy(before, after, { groups: ["c"] }), /no item is in 'groups'/);
});

Deno.test("evaluate answers greedily, checks code in the sandbox and groups by any field", async () => {
  const model = await loadModel(
    new URL("../../data/models/student", import.meta.url).pathname,
    createRuntime({ threads: 1 }),
  );
  const sandbox = await createSandbox({ timeoutMs: 5000, memoryMb: 256, concurrency: 2 });
  const records = [
    ...generateTasks({ family: "arithmetic", kinds: ["mul"], count: 3, seed: 2, difficulty: 1 }),
    ...generateTasks({ family: "code", kinds: ["sum"], count: 2, seed: 2, difficulty: 1 }),
  ];
  const seen: number[] = [];
  const byKind = await evaluate(model, records, {
    sandbox,
    batchSize: 2,
    onProgress: (done) => seen.push(done),
  });
  assert.deepEqual(seen, [2, 4, 5]);
  assert.deepEqual(byKind.groups.map((g) => [g.group, g.total]), [["mul", 3], ["sum", 2]]);
  assert.deepEqual(byKind.items.map((it) => it.id), records.map((r) => r.id));
  for (const it of byKind.items.slice(3)) assert.ok(it.status, "code items carry a run status");
  const byFamily = await evaluate(model, records, { sandbox, groupBy: "meta.family" });
  assert.deepEqual(byFamily.items.map((it) => it.text), byKind.items.map((it) => it.text));
  assert.deepEqual(
    byFamily.groups.map((g) => [g.group, g.correct]),
    [
      ["arithmetic", byKind.groups[0].correct],
      ["code", byKind.groups[1].correct],
    ],
  );
  await assert.rejects(
    () => evaluate(model, records.slice(3)),
    /Cannot check code answers .*: pass a sandbox/,
  );
});
