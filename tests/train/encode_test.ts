import assert from "node:assert/strict";
import { generateTasks, renderStudent, TASK_KINDS, type TaskFamily } from "../../lib/data/mod.ts";
import { loadTokenizer } from "../../lib/text/mod.ts";
import { encodeCompletion } from "../../lib/train/mod.ts";

const tok = await loadTokenizer(new URL("../../data/models/student", import.meta.url).pathname);

Deno.test("encodeCompletion gives the one-piece encoding of the student's format for every procedural kind", () => {
  for (const family of Object.keys(TASK_KINDS) as TaskFamily[]) {
    for (const kind of TASK_KINDS[family]) {
      for (const r of generateTasks({ family, kinds: [kind], count: 5, seed: 3, difficulty: 2 })) {
        const { prompt, completion } = renderStudent(r);
        const e = encodeCompletion(tok, prompt, completion);
        const whole = [...tok.encode(prompt + completion, { addBos: true }), tok.eosId!];
        assert.deepEqual(
          e.tokens,
          whole,
          `${family}/${kind}: ${JSON.stringify(prompt + completion)}`,
        );
        assert.equal(tok.decode(e.tokens), prompt + completion);
        assert.deepEqual(e.tokens.slice(0, e.promptTokens), tok.encode(prompt, { addBos: true }));
      }
    }
  }
});

Deno.test("encodeCompletion weighs the completion's targets and EOS, never the prompt's", () => {
  const e = encodeCompletion(tok, "Q: What is 2 + 3?\nA:", " 2 + 3 = 5. The answer is 5.");
  assert.equal(e.weights.length, e.tokens.length - 1);
  assert.equal(e.tokens[0], tok.bosId);
  assert.equal(e.tokens.at(-1), tok.eosId);
  e.weights.forEach((w, t) => assert.equal(w, t + 1 >= e.promptTokens ? 1 : 0, `target ${t}`));
  assert.equal(tok.decode(e.tokens.slice(e.promptTokens)), "2 + 3 = 5. The answer is 5.");
  const bare = encodeCompletion(tok, "Q: x\nA:", "\nfunction f() {}", {
    addBos: false,
    addEos: false,
  });
  assert.notEqual(bare.tokens[0], tok.bosId);
  assert.notEqual(bare.tokens.at(-1), tok.eosId);
  assert.equal(tok.decode(bare.tokens), "Q: x\nA:\nfunction f() {}");
  assert.equal(bare.weights.filter((w) => w === 1).length, bare.tokens.length - bare.promptTokens);
});

Deno.test("a completion whose first word would fuse with the tokenizer's space marker is refused", () => {
  // "The" alone encodes as the single piece "▁The": no token holds "The" without its space.
  assert.throws(
    () => encodeCompletion(tok, "Q: x\nA:", "The answer is 5."),
    /Cannot encode completion: its first characters merge with the tokenizer's prefix '▁' into '▁The'/,
  );
});
