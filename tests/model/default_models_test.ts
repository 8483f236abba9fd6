import assert from "node:assert/strict";
import {
  corpusItems,
  extractStudentAnswer,
  renderStudent,
} from "../../lib/data/pretrain_corpus.ts";
import { loadModel } from "../../lib/model/model.ts";
import { DEFAULT_MODEL_CONFIGS, DEFAULT_MODEL_DIR } from "../../lib/model/presets.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { sample } from "../../lib/sample/sampler.ts";

const rt = createRuntime({ threads: 2 });

Deno.test("the corpus is deterministic from its seed and its answers follow from the reasoning", () => {
  assert.deepEqual(corpusItems(5, 20), corpusItems(5, 20));
  assert.notDeepEqual(corpusItems(5, 20), corpusItems(6, 20));
  for (const it of corpusItems(1, 400)) {
    // The last "= N" of the reasoning is the answer, and each step's arithmetic is right.
    for (const step of it.reasoning.split(". ")) {
      const [, a, op, b, c] = /^(\d+) ([-+*]) (\d+) = (\d+)$/.exec(step)!;
      const v = op === "+" ? +a + +b : op === "-" ? +a - +b : +a * +b;
      assert.equal(v, +c, step);
    }
    assert.ok(it.reasoning.endsWith(`= ${it.answer}`));
    assert.equal(extractStudentAnswer(renderStudent(it).completion), it.answer);
  }
});

Deno.test("the committed default models load with their presets and shared tokenizer", async () => {
  for (const name of ["generator", "student"] as const) {
    const m = await loadModel(`${DEFAULT_MODEL_DIR}${name}`, rt);
    assert.deepEqual(m.config, { ...DEFAULT_MODEL_CONFIGS[name], padTokenId: undefined });
    assert.equal(m.tokenizer!.vocabSize, 512);
    const size = (await Deno.stat(`${DEFAULT_MODEL_DIR}${name}/model.safetensors`)).size;
    assert.ok(size <= 10 * 1024 * 1024, `${name} weights are ${size} bytes`);
  }
});

Deno.test("the default student answers most multiplication problems and the generator writes tagged problems", async () => {
  const student = await loadModel(`${DEFAULT_MODEL_DIR}student`, rt);
  const items = corpusItems(424_242, 80).filter((it) => it.skill === "mul").slice(0, 12);
  const out = await sample(student, items.map((it) => renderStudent(it).prompt), {
    temperature: 0,
    maxNewTokens: 40,
    stop: ["\n"],
  });
  const right = out.filter((s, i) => extractStudentAnswer(s.text) === items[i].answer).length;
  assert.ok(right >= 8, `${right}/12 right`);
  const generator = await loadModel(`${DEFAULT_MODEL_DIR}generator`, rt);
  const written = await sample(generator, ["<question>"], {
    samplesPerPrompt: 4,
    maxNewTokens: 100,
    temperature: 0.7,
    seed: 3,
    stop: ["</answer>"],
  });
  const wellFormed = written.filter((s) =>
    s.finish === "stop" && /<\/question><reasoning>.+<\/reasoning><answer>-?\d+$/.test(s.text)
  );
  assert.ok(wellFormed.length >= 2, written.map((s) => s.text).join("\n"));
});
