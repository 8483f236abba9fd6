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
