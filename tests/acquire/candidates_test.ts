import assert from "node:assert/strict";
import { generateTasks, renderGenerator, renderStudent } from "../../lib/data/mod.ts";
import { loadModel } from "../../lib/model/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { candidateFromText, guessDomain, sampleCandidates } from "../../lib/acquire/candidates.ts";

Deno.test("candidateFromText reads procedural tasks back in the student's own format", () => {
  for (const family of ["arithmetic", "choice"] as const) {
    for (const r of generateTasks({ family, count: 6, seed: 2 })) {
      const c = candidateFromText(renderGenerator(r));
      assert.ok(c.record, c.text);
      assert.equal(c.record.answer, r.answer);
      assert.deepEqual(renderStudent(c.record), renderStudent(r));
    }
  }
});

Deno.test("candidateFromText keeps a malformed text with a null record", () => {
  assert.equal(candidateFromText("<question>2 + 2?</question><answer>4</answer>").record, null);
  assert.equal(
    candidateFromText("<question>2+2?</question>\n<reasoning>4.</reasoning>\n<answer>four</answer>")
      .record,
    null,
  );
  // A code task without <tests> cannot be judged, so it does not parse; with them it does.
  const [code] = generateTasks({ family: "code", count: 1, seed: 1 });
  const text = renderGenerator(code);
  assert.equal(candidateFromText(text.replace(/\n<tests>[\s\S]*$/, "")).record, null);
  assert.deepEqual(candidateFromText(text).record?.tests, code.tests);
});

Deno.test("guessDomain tells word problems, choices and code apart", () => {
  assert.equal(guessDomain("<question>What is 2 + 2?</question>"), "math");
  assert.equal(guessDomain("<question>Which?\nA) 1\nB) 2</question>"), "reasoning");
  assert.equal(guessDomain("<question>f</question><tests>f(1) === 1</tests>"), "code");
  const choice = candidateFromText(
    "<question>Which?\nA) 1\nB) 2</question>\n<reasoning>2 > 1. So the answer is B.</reasoning>\n<answer>B</answer>",
    "math",
  );
  assert.equal(choice.record, null); // told math: a letter is not a number
});

Deno.test("sampleCandidates writes seeded tasks with the default generator, most of them parsing", async () => {
  const gen = await loadModel(
    new URL("../../data/models/generator", import.meta.url).pathname,
    createRuntime({ threads: 1 }),
  );
  const seen: number[] = [];
  const a = await sampleCandidates(gen, { count: 8, seed: 3, onProgress: (d) => seen.push(d) });
  const b = await sampleCandidates(gen, { count: 8, seed: 3 });
  assert.equal(a.length, 8);
  assert.deepEqual(a.map((c) => c.text), b.map((c) => c.text));
  assert.ok(a.every((c) => c.text.startsWith("<question>")));
  assert.ok(a.filter((c) => c.record).length >= 4, JSON.stringify(a.map((c) => c.text)));
  // Sampling stops after the answer, or after the tests of a code task (see taskStops).
  assert.ok(
    a.filter((c) => c.record).every((c) =>
      c.text.endsWith(c.record!.domain === "code" ? "</tests>" : "</answer>")
    ),
  );
  assert.equal(seen.at(-1), 8);
  assert.deepEqual(await sampleCandidates(gen, { count: 0 }), []);
  await assert.rejects(sampleCandidates(gen, { count: 1.5 }), /'count' must be an integer ≥ 0/);
});
