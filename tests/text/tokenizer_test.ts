import assert from "node:assert/strict";
import { countLlama2cPieces, readLlama2cTokenizer } from "../../lib/text/llama2c_tokenizer.ts";
import { checkTokenizerMatchesModel, loadTokenizer } from "../../lib/text/tokenizer.ts";
import { sharedFile } from "../shared_data.ts";

const tokPath = await sharedFile("models/tok512.bin");

/** llama2.c's own encoder, written out: UTF-8 characters (or bytes), then greedy best-score merges. */
function referenceEncode(pieces: { piece: string; score: number }[], text: string): number[] {
  const index = new Map(pieces.map((p, i) => [p.piece, i]));
  const ids: number[] = [];
  for (const ch of [..." " + text]) {
    const id = index.get(ch);
    if (id !== undefined) ids.push(id);
    else for (const b of new TextEncoder().encode(ch)) ids.push(b + 3);
  }
  for (;;) {
    let best = -1, bestScore = -Infinity, bestId = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const id = index.get(pieces[ids[i]].piece + pieces[ids[i + 1]].piece);
      if (id !== undefined && pieces[id].score > bestScore) {
        [best, bestScore, bestId] = [i, pieces[id].score, id];
      }
    }
    if (best < 0) return ids;
    ids.splice(best, 2, bestId);
  }
}

Deno.test({
  name: "the converted tok512 tokenizer encodes like llama2.c and round-trips text",
  ignore: !tokPath,
  fn: async () => {
    const bytes = await Deno.readFile(tokPath!);
    const pieces = readLlama2cTokenizer(bytes, countLlama2cPieces(bytes));
    const tok = await loadTokenizer(tokPath!);
    assert.equal(tok.vocabSize, 512);
    assert.equal(tok.bosId, 1);
    assert.equal(tok.eosId, 2);
    const sentences = [
      "Once upon a time, there was a little girl named Lily.",
      "She loved to play outside in the park.",
      'The big dog said: "Hello!" and ran away.',
      "Tim and Sue were happy. They ate 3 apples.",
      "Zebras? Quickly jumping over lazy foxes; 42 times.",
      "café naïve — über",
    ];
    for (const s of sentences) {
      assert.deepEqual(tok.encode(s, { addBos: false }), referenceEncode(pieces, s), s);
      assert.equal(tok.decode(tok.encode(s)), s);
    }
    assert.equal(tok.encode("Hi")[0], 1, "BOS is prepended");
    assert.equal(tok.decode([1, 3 + 0x0a, 3 + 0x41]), "\nA", "byte tokens decode to bytes");
  },
});

Deno.test({
  name: "a tokenizer whose vocabulary does not match the model says so",
  ignore: !tokPath,
  fn: async () => {
    const tok = await loadTokenizer(tokPath!);
    assert.throws(
      () => checkTokenizerMatchesModel(tok, 256),
      /Tokenizer has 512 tokens but the model's vocab_size is 256/,
    );
    assert.match(checkTokenizerMatchesModel(tok, 520)!, /512 tokens, the model 520 rows/);
    assert.equal(checkTokenizerMatchesModel(tok, 512), undefined);
  },
});
