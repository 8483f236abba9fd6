import assert from "node:assert/strict";
import { trainBpe } from "../../lib/text/bpe_train.ts";
import { llama2cToTokenizerJson } from "../../lib/text/llama2c_tokenizer.ts";
import { tokenizerFromJson } from "../../lib/text/tokenizer.ts";

Deno.test("a BPE trained on a corpus compresses it, round-trips text and falls back to bytes", () => {
  const corpus = Array.from(
    { length: 200 },
    (_, i) => `Tom has ${i} apples and gives ${i % 7} to Ann. How many apples does Tom have now?`,
  );
  const pieces = trainBpe(corpus, { vocabSize: 360 });
  assert.ok(pieces.length > 300 && pieces.length <= 360, `${pieces.length} pieces`); // stops early when no pair repeats
  const { tokenizer, config } = llama2cToTokenizerJson(pieces);
  const tok = tokenizerFromJson(tokenizer, config);
  const text = corpus[123];
  const ids = tok.encode(text, { addBos: false });
  assert.ok(ids.length < text.length / 2.5, `${ids.length} tokens for ${text.length} characters`);
  assert.equal(tok.decode(ids), text);
  const rare = "Zoë paid €5";
  assert.equal(tok.decode(tok.encode(rare)), rare);
  assert.throws(() => trainBpe(corpus, { vocabSize: 100 }), /'vocabSize' must exceed 259/);
});

Deno.test("splitDigits keeps every digit its own piece, so numbers tokenize digit by digit", () => {
  const texts = Array.from({ length: 300 }, (_, i) => `Tom has ${i % 50 + 10} apples and 25 pens.`);
  const merged = trainBpe(texts, { vocabSize: 330 });
  assert.ok(merged.some((p) => /\d\d/.test(p.piece)), "without the option digits merge");
  const pieces = trainBpe(texts, { vocabSize: 330, splitDigits: true });
  const multi = pieces.filter((p) => /\d/.test(p.piece) && !/^( ?\d|<0x..>)$/.test(p.piece));
  assert.deepEqual(multi.map((p) => p.piece), []);
  const { tokenizer, config } = llama2cToTokenizerJson(pieces);
  const tok = tokenizerFromJson(tokenizer, config);
  const ids = tok.encode("Tom has 47 apples and 25 pens.");
  const digits = ids.map((i) => tok.decode([i])).filter((t) => /\d/.test(t));
  assert.deepEqual(digits.map((t) => t.trim()), ["4", "7", "2", "5"]);
  assert.equal(tok.decode(ids), "Tom has 47 apples and 25 pens.");
});
