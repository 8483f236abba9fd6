import assert from "node:assert/strict";
import { Graph } from "../../lib/graph/mod.ts";
import { decoder, weightInputs } from "../../lib/model/llama.ts";
import { loadModel, packSequences, weightFeeds } from "../../lib/model/mod.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/mod.ts";
import { continuationText, finish, prefill, sample, step } from "../../lib/sample/mod.ts";

const rt = createRuntime({ threads: 1 });
const student = await loadModel("data/models/student", rt);
const tok = student.tokenizer!;
// Ragged prompts, one of them twice, so states are shared, split and padded.
const prompts = [
  "Q: What is 2 + 3?\nA:",
  "Q: Tom has 14 apples and gives away 5 of them. How many apples does he have left?\nA:",
  "Q: What is 2 + 3?\nA:",
].map((p) => tok.encode(p, { addBos: true }));
const opts = { samplesPerPrompt: 3, maxNewTokens: 20, stop: ["\nQ:"], temperature: 1.2, seed: 9 };

/** The final hidden states (T, D) of every position of each sequence, without a KV cache. */
async function fullHidden(seqs: number[][]): Promise<Float32Array[][]> {
  const c = student.config;
  const g = new Graph();
  const w = weightInputs(g, c, "float32");
  const { hidden } = decoder(w, c, {
    ids: g.input("input_ids", "int64", ["B", "T"]),
    attentionMask: g.input("attention_mask", "int64", ["B", "T"]),
    positions: g.input("position_ids", "int64", ["B", "T"]),
  });
  const prog = await compile(rt, g, { hidden });
  const b = packSequences(seqs);
  const out = await runProgram(prog, {
    ...weightFeeds(student),
    input_ids: b.input_ids,
    attention_mask: b.attention_mask,
    position_ids: b.position_ids,
  });
  const h = out.hidden.data as Float32Array, [, t, d] = out.hidden.shape;
  return seqs.map((s, i) => s.map((_, k) => h.slice((i * t + k) * d, (i * t + k + 1) * d)));
}

Deno.test("hiddenStates gives each token the hidden state it was drawn from, as a full forward pass computes it", async () => {
  const plain = await sample(student, prompts, opts);
  const withHidden = await sample(student, prompts, { ...opts, hiddenStates: true });
  const d = student.config.hiddenSize;
  let checked = 0;
  for (const [i, s] of withHidden.entries()) {
    // The extra output changes nothing else.
    assert.deepEqual(s.tokens, plain[i].tokens);
    assert.equal(s.text, plain[i].text);
    assert.equal("hidden" in plain[i], false);
    assert.equal(s.hidden!.length, s.tokens.length);
    if (s.tokens.length === 0) continue;
    const p = prompts[s.prompt];
    const [full] = await fullHidden([[...p, ...s.tokens]]);
    s.hidden!.forEach((h, k) => {
      assert.equal(h.length, d);
      // Token k was drawn from the state at the position before it.
      const want = full[p.length - 1 + k];
      const diff = Math.max(...h.map((x, j) => Math.abs(x - want[j])));
      assert.ok(diff < 1e-3, `sample ${i} token ${k}: max |Δ| ${diff}`);
      checked++;
    });
  }
  assert.ok(checked > 20, `checked ${checked} tokens`);
});

Deno.test("texts decoded after the prompt's last tokens are those the whole prompt gives, byte tokens and stops included", async () => {
  const long = tok.encode(
    "Q: A long question about many things, with words and numbers 1 2 3 4 5 6 7 8 9.\nA:",
    { addBos: true },
  );
  const out = await sample(student, [...prompts, long], {
    samplesPerPrompt: 6,
    maxNewTokens: 40,
    stop: ["\n", " is"],
    temperature: 2.5,
    seed: 4,
  });
  const all = [...prompts, long];
  let stopped = 0, bytes = 0;
  for (const s of out) {
    const full = continuationText(tok, all[s.prompt], s.tokens);
    bytes += s.tokens.filter((t) => tok.decode([t]).includes("\uFFFD")).length;
    if (s.finish === "stop") {
      stopped++;
      assert.ok(
        full.startsWith(s.text + s.stop),
        `${JSON.stringify(full)} / ${JSON.stringify(s.text)}`,
      );
    } else assert.equal(s.text, full);
  }
  assert.ok(stopped > 0 && bytes > 0, `stops ${stopped}, byte tokens ${bytes}`);
});

Deno.test("prompts prefilled in chunks by length, then decoded as one merged batch, give each prompt's greedy tokens alone", async () => {
  const short = "Q: Sam has 3 red apples and 4 green apples. How many apples? ";
  const texts = [
    short + "\nA:",
    short + "Count them.\nA:",
    short + "Count them all. Then count the pears too.\nA:",
    short.repeat(3) + "\nA:",
    short.repeat(3) + "Add them.\nA:",
  ];
  const encoded = texts.map((t) => tok.encode(t, { addBos: true }));
  const opts = { samplesPerPrompt: 16, maxNewTokens: 12, temperature: 0, stop: ["\nQ:"] };
  const state = await prefill(student, encoded, opts);
  assert.ok(state.chunks.length > 1, `chunks at prefill: ${state.chunks.length}`);
  await step(state, opts);
  assert.equal(state.chunks.length, 1, "merged after the prompts' run");
  while (state.steps < opts.maxNewTokens && await step(state, opts));
  const together = finish(state);
  for (const [p, ids] of encoded.entries()) {
    const [alone] = await sample(student, [ids], { ...opts, samplesPerPrompt: 1 });
    for (const s of together.filter((x) => x.prompt === p)) {
      assert.deepEqual(s.tokens, alone.tokens, `prompt ${p}`);
      s.logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - alone.logprobs[k]) < 1e-4));
    }
  }
});
