import assert from "node:assert/strict";
import { gradientMagnitude, gradientMagnitudeNormalised } from "../../lib/acquire/gradient.ts";
import type { Candidate } from "../../lib/acquire/mod.ts";
import { tensor } from "../../lib/graph/mod.ts";
import { buildLossGraph, type LanguageModel } from "../../lib/model/mod.ts";
import { compile, runProgram } from "../../lib/runtime/mod.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";
import { contextFor, mathRecord, runtime, tinyStudent } from "./tiny_student.ts";

const candidate = (question: string, answer: string, reasoning = "so"): Candidate => ({
  text: "",
  record: mathRecord(question, answer, reasoning),
});

/**
 * The norm of the central finite-difference gradient, over the parameters `names`, of
 * Σₜ wₜ·(−log p(tokens[t+1])) computed in float64 from the model's weights.
 */
async function finiteDifferenceNorm(
  model: LanguageModel,
  tokens: number[],
  weights: number[],
  names: string[],
): Promise<number> {
  const { graph, loss } = buildLossGraph(model.config, { dtype: "float64" });
  const prog = await compile(runtime, graph, { loss });
  const w64: Record<string, ReturnType<typeof tensor>> = {};
  for (const [n, t] of model.store) {
    w64[n] = tensor("float64", t.shape, Array.from(t.data as Float32Array));
  }
  const T = tokens.length;
  const feeds = {
    input_ids: tensor("int64", [1, T], tokens),
    attention_mask: tensor("int64", [1, T], tokens.map(() => 1)),
    position_ids: tensor("int64", [1, T], tokens.map((_, i) => i)),
    targets: tensor("int64", [1, T], [...tokens.slice(1), 0]),
    loss_weights: tensor("float64", [1, T], [...weights, 0]),
  };
  const h = 1e-5;
  let sq = 0;
  for (const name of names) {
    const base = w64[name].data as Float64Array;
    for (let i = 0; i < base.length; i++) {
      const at = async (d: number) => {
        const copy = new Float64Array(base);
        copy[i] += d;
        const r = await runProgram(prog, {
          ...w64,
          ...feeds,
          [name]: tensor("float64", w64[name].shape, copy),
        });
        return r.loss.data[0] as number;
      };
      sq += (((await at(h)) - (await at(-h))) / (2 * h)) ** 2;
    }
  }
  return Math.sqrt(sq);
}

Deno.test("gradient magnitude is the finite-difference norm of the mean answer-token loss, with the prompt masked", async () => {
  const model = tinyStudent(3);
  const names = [
    "model.layers.0.mlp.down_proj.weight",
    "model.layers.0.post_attention_layernorm.weight",
    "model.norm.weight",
  ];
  const ctx = contextFor(model, {
    options: {
      "gradient-magnitude": {
        params: ["model.layers.0.mlp.down", "model.layers.0.post", "model.norm"],
      },
    },
  });
  const [got] = await gradientMagnitude.score([candidate("2+3?", "5", "2 + 3 = 5.")], ctx);
  // The student's SFT example written out by hand: the prompt, then the completion and EOS.
  const e = encodeCompletion(model.tokenizer!, "Q: 2+3?\nA:", " 2 + 3 = 5. The answer is 5.");
  const n = e.tokens.length - e.promptTokens;
  const masked = e.tokens.slice(1).map((_, t) => (t + 1 >= e.promptTokens ? 1 / n : 0));
  const want = await finiteDifferenceNorm(model, e.tokens, masked, names);
  assert.ok(Math.abs(got! - want) / want < 1e-4, `${got} vs ${want}`);
  // Weight on the prompt's targets would change the value: the score has none.
  const unmasked = masked.map((w) => (w === 0 ? 1 / n : w));
  const wrong = await finiteDifferenceNorm(model, e.tokens, unmasked, names);
  assert.ok(Math.abs(got! - wrong) / wrong > 0.05, `${got} vs unmasked ${wrong}`);
  // The same subset named by a regular expression gives the same value.
  const [byRegex] = await gradientMagnitude.score(
    [candidate("2+3?", "5", "2 + 3 = 5.")],
    contextFor(model, {
      options: {
        "gradient-magnitude": { params: "^model\\.(norm|layers\\.0\\.(mlp\\.down|post))" },
      },
    }),
  );
  assert.ok(Math.abs(byRegex! - got!) < 1e-6 * got!);
});

Deno.test("gradient magnitude over all parameters exceeds any subset's, and differs between answers", async () => {
  const model = tinyStudent(4);
  const cands = [candidate("1+1?", "2"), candidate("1+1?", "7", "no")];
  const all = await gradientMagnitude.score(cands, contextFor(model));
  const head = await gradientMagnitude.score(
    cands,
    contextFor(model, { options: { "gradient-magnitude": { params: ["lm_head"] } } }),
  );
  assert.ok(all[0]! > head[0]! && all[1]! > head[1]! && head[0]! > 0);
  assert.notEqual(all[0], all[1]);
});

Deno.test("gradient magnitude: an empty batch gives [], a candidate without a record or answer gives null", async () => {
  const ctx = contextFor(tinyStudent(5));
  assert.deepEqual(await gradientMagnitude.score([], ctx), []);
  assert.deepEqual(await gradientMagnitudeNormalised.score([], ctx), []);
  const got = await gradientMagnitude.score(
    [{ text: "junk", record: null }, candidate("3?", ""), candidate("3?", "3")],
    ctx,
  );
  assert.equal(got[0], null);
  assert.equal(got[1], null);
  assert.ok(typeof got[2] === "number" && got[2] > 0);
});

Deno.test("gradient magnitude rejects a bad 'params' option, naming it", async () => {
  const ctx = (params: unknown) =>
    contextFor(tinyStudent(5), { options: { "gradient-magnitude": { params } } });
  const c = [candidate("1?", "1")];
  await assert.rejects(
    () => gradientMagnitude.score(c, ctx(["nope"])),
    /option 'params'.*'nope' matches none/,
  );
  await assert.rejects(
    () => gradientMagnitude.score(c, ctx("(")),
    /option 'params' must be a valid regular expression/,
  );
  await assert.rejects(
    () => gradientMagnitude.score(c, ctx("^zzz")),
    /option 'params' must be a pattern/,
  );
  await assert.rejects(
    () => gradientMagnitude.score(c, ctx(3)),
    /option 'params'.*current value is 3/,
  );
  await assert.rejects(
    () =>
      gradientMagnitude.score(
        c,
        contextFor(tinyStudent(5), { options: { "gradient-magnitude": { param: [] } } }),
      ),
    /unknown option 'param'/,
  );
});

Deno.test("the normalised gradient magnitude divides by a running mean of batch means, by hand", async () => {
  const model = tinyStudent(6);
  const batches = [
    [candidate("1+1?", "2"), candidate("2+2?", "4", "two twos"), { text: "", record: null }],
    [candidate("3+3?", "6")],
    [{ text: "x", record: null }],
    [candidate("4+5?", "9", "long sum here"), candidate("0?", "0")],
  ];
  const decay = 0.5;
  const ctx = contextFor(model, { options: { "gradient-magnitude-normalised": { decay } } });
  const raw = contextFor(model);
  let scale: number | undefined;
  for (const batch of batches) {
    const r = await gradientMagnitude.score(batch, raw);
    const got = await gradientMagnitudeNormalised.score(batch, ctx);
    const live = r.filter((x): x is number => x !== null);
    if (live.length) {
      const m = live.reduce((a, b) => a + b, 0) / live.length;
      scale = scale === undefined ? m : decay * scale + (1 - decay) * m;
    }
    r.forEach((x, i) => {
      if (x === null) assert.equal(got[i], null);
      else assert.ok(Math.abs(got[i]! - x / scale!) < 1e-9, `${got[i]} vs ${x / scale!}`);
    });
  }
  // The first batch averages exactly 1.
  const fresh = contextFor(model);
  const first = await gradientMagnitudeNormalised.score(batches[0], fresh);
  assert.ok(Math.abs((first[0]! + first[1]!) / 2 - 1) < 1e-9);
  await assert.rejects(
    () =>
      gradientMagnitudeNormalised.score(
        batches[1],
        contextFor(model, { options: { "gradient-magnitude-normalised": { decay: 1 } } }),
      ),
    /option 'decay' must be a number in \[0, 1\): current value is 1/,
  );
});
