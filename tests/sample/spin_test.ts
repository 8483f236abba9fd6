/**
 * Large batches decode with a program whose threads do not spin between runs (an execution
 * setting only): its samples must be those of the spinning program that small batches use.
 */
import assert from "node:assert/strict";
import { loadModel } from "../../lib/model/model.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { sample } from "../../lib/sample/sampler.ts";

Deno.test("64 greedy rows (non-spinning decoder) each give the one greedy row's tokens and log-probs", async () => {
  const model = await loadModel("data/models/student", createRuntime({ threads: 2 }));
  const prompt = "Q: Ann has 12 pens and buys 7 more. How many pens does she have?\nA:";
  const options = { temperature: 0, maxNewTokens: 24, stop: ["\nQ:"] };
  const [one] = await sample(model, [prompt], options);
  const many = await sample(model, [prompt], {
    ...options,
    samplesPerPrompt: 64,
    sharePrefixes: false,
  });
  assert.equal(many.length, 64);
  for (const s of many) {
    assert.deepEqual(s.tokens, one.tokens);
    s.logprobs.forEach((lp, i) => assert.ok(Math.abs(lp - one.logprobs[i]) < 1e-4));
  }
});
