import assert from "node:assert/strict";
import { renderStudent } from "../../lib/data/pretrain_corpus.ts";
import { generateTasks } from "../../lib/data/procedural/mod.ts";
import { parseTags } from "../../lib/data/tags.ts";
import { loadModel } from "../../lib/model/model.ts";
import { DEFAULT_MODEL_CONFIGS, DEFAULT_MODEL_DIR } from "../../lib/model/presets.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { sample } from "../../lib/sample/sampler.ts";
import { checkAnswers } from "../../lib/verify/check.ts";
import { createSandbox } from "../../lib/verify/sandbox.ts";

const rt = createRuntime({ threads: 2 });

Deno.test("the committed default models load with their presets and shared tokenizer", async () => {
  for (const name of ["generator", "student"] as const) {
    const m = await loadModel(`${DEFAULT_MODEL_DIR}${name}`, rt);
    assert.deepEqual(m.config, { ...DEFAULT_MODEL_CONFIGS[name], padTokenId: undefined });
    assert.equal(m.tokenizer!.vocabSize, 512);
    const size = (await Deno.stat(`${DEFAULT_MODEL_DIR}${name}/model.safetensors`)).size;
    assert.ok(size <= 10 * 1024 * 1024, `${name} weights are ${size} bytes`);
  }
});

Deno.test("the default student solves the code kinds it learned and not the kinds held out of its pretraining; the generator writes tagged tasks", async () => {
  const student = await loadModel(`${DEFAULT_MODEL_DIR}student`, rt);
  const learned = generateTasks({
    family: "code",
    kinds: ["sum", "max", "count-even", "reverse", "double", "last"],
    count: 8,
    seed: 424_243,
  });
  // recipe.json names the kinds its corpus left out (deno task pretrain --hold-out).
  const recipe = JSON.parse(await Deno.readTextFile(`${DEFAULT_MODEL_DIR}student/recipe.json`));
  assert.deepEqual(recipe.corpus.holdOut, ["mul", "filter-gt", "sum-odd"]);
  const heldOut = [
    ...generateTasks({ family: "arithmetic", kinds: ["mul"], count: 8, seed: 424_242 }),
    ...generateTasks({ family: "code", kinds: ["filter-gt", "sum-odd"], count: 4, seed: 424_244 }),
  ];
  const items = [...learned, ...heldOut];
  const out = await sample(student, items.map((it) => renderStudent(it).prompt), {
    temperature: 0,
    maxNewTokens: 80,
    stop: ["\nQ:"],
  });
  const sandbox = await createSandbox({ timeoutMs: 10000 });
  const checks = await checkAnswers(items, out.map((s) => s.text), sandbox);
  const right = (from: number, to: number) =>
    checks.slice(from, to).filter((c) => c.correct).length;
  const texts = out.map((s) => s.text).join("\n");
  assert.ok(right(0, learned.length) >= 7, `learned code kinds: ${right(0, 8)}/8 right:\n${texts}`);
  assert.ok(
    right(learned.length, items.length) <= 2,
    `held-out kinds: ${right(8, 20)}/12 right:\n${texts}`,
  );
  const generator = await loadModel(`${DEFAULT_MODEL_DIR}generator`, rt);
  const written = await sample(generator, ["<question>"], {
    samplesPerPrompt: 4,
    maxNewTokens: 120,
    temperature: 0.7,
    seed: 3,
    stop: ["</answer>"],
    keepStop: true,
  });
  const wellFormed = written.filter((s) =>
    s.finish === "stop" && parseTags(`<question>${s.text}`).ok
  );
  assert.ok(wellFormed.length >= 3, written.map((s) => s.text).join("\n"));
});
