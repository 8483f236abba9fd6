import assert from "node:assert/strict";
import { loadModel } from "../../lib/model/model.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { finish, prefill, sample, step } from "../../lib/sample/sampler.ts";

const rt = createRuntime({ threads: 1 });
const generator = await loadModel("data/models/generator", rt);

Deno.test("keepStop leaves the matched stop string on the text and Sample.stop names it", async () => {
  const stops = ["</answer>", "</reasoning>"];
  const opts = { temperature: 0, maxNewTokens: 200, stop: stops } as const;
  const [cut] = await sample(generator, ["<question>"], opts);
  const [kept] = await sample(generator, ["<question>"], { ...opts, keepStop: true });
  assert.equal(cut.finish, "stop");
  assert.ok(stops.includes(cut.stop!), `stop was ${cut.stop}`);
  // The generator writes a reasoning part before its answer, so that is where it stops first.
  assert.equal(cut.stop, "</reasoning>");
  assert.equal(kept.stop, cut.stop);
  assert.equal(kept.text, cut.text + cut.stop);
  assert.deepEqual(kept.tokens, cut.tokens);
  assert.ok(!cut.text.includes("</reasoning>"));
});

Deno.test("a sample that ends at EOS or length has no stop string", async () => {
  const [s] = await sample(generator, ["<question>"], { temperature: 0, maxNewTokens: 3 });
  assert.equal(s.finish, "length");
  assert.equal(s.stop, undefined);
  assert.equal("stop" in s, false);
});

Deno.test("prefill, step and finish driven by hand give what sample() gives", async () => {
  const opts = { temperature: 0.8, seed: 5, samplesPerPrompt: 2, maxNewTokens: 12 };
  const whole = await sample(generator, ["<question>", "<question>What"], opts);
  const tok = generator.tokenizer!;
  const encoded = ["<question>", "<question>What"].map((p) => tok.encode(p, { addBos: true }));
  const state = await prefill(generator, encoded, opts);
  let steps = 0;
  while (steps < opts.maxNewTokens && await step(state, opts)) steps++;
  assert.deepEqual(finish(state), whole);
});
