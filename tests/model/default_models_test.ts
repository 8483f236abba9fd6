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

Deno.test("the default student solves most easy products, quotients and code tasks; the generator writes tagged tasks", async () => {
  const student = await loadModel(`${DEFAULT_MODEL_DIR}student`, rt);
  const items = [
    ...generateTasks({ family: "arithmetic", kinds: ["mul", "div"], count: 12, seed: 424_242 }),
    ...generateTasks({ family: "code", count: 8, seed: 424_243 }),
  ];
  const out = await sample(student, items.map((it) => renderStudent(it).prompt), {
    temperature: 0,
    maxNewTokens: 80,
    stop: ["\nQ:"],
  });
  const sandbox = await createSandbox({ timeoutMs: 10000 });
  const checks = await checkAnswers(items, out.map((s) => s.text), sandbox);
  const right = checks.filter((c) => c.correct).length;
  assert.ok(right >= 14, `${right}/20 right:\n${out.map((s) => s.text).join("\n")}`);
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
