import assert from "node:assert/strict";
import {
  countLlama2cPieces,
  type Llama2cPiece,
  llama2cToTokenizerJson,
  readLlama2cTokenizer,
} from "../../lib/text/llama2c_tokenizer.ts";
import {
  checkTokenizerMatchesModel,
  loadTokenizer,
  tokenizerFromJson,
} from "../../lib/text/tokenizer.ts";
import { sharedFile } from "../shared_data.ts";

const tokPath = await sharedFile("models/tok512.bin");
const gsm8kPath = await sharedFile("math/gsm8k_train.jsonl");

/**
 * llama2.c's own encoder (run.c `encode`), written out independently: a dummy-prefix space, then
 * each UTF-8 character's piece (or its bytes, as ids 3 + byte), then repeatedly merge the adjacent
 * pair whose concatenation is the highest-scoring piece, leftmost on ties.
 */
function referenceEncode(pieces: readonly Llama2cPiece[], text: string): number[] {
  const index = new Map<string, number>();
  pieces.forEach((p, i) => {
    if (!index.has(p.piece)) index.set(p.piece, i);
  });
  const ids: number[] = [];
  for (const ch of text ? [..." " + text] : []) {
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

const SENTENCES = [
  "Once upon a time",
  "Once upon a time, there was a little girl named Lily.",
  "She loved to play outside in the park.",
  'The big dog said: "Hello!" and ran away.',
  "Tim and Sue were happy. They ate 3 apples.",
  "Zebras? Quickly jumping over lazy foxes; 42 times.",
  "café naïve — über",
  "日本語のテキスト and emoji 🙂🐶",
  "  two leading spaces, and  double  spaces inside",
  "trailing space ",
  "Wow!!! Really??? ... Zzz... aaaa bbbb",
  "tab\tand\nnewline\r\nand CRLF",
  "x",
  "MiXeD CaSe WoRdS ARE HERE",
  "The end.",
  "Ben's mom didn't know; they'd gone, we'll see, I'm sure.",
  "1234567890 + 0.5 = 1234567890.5",
  "a-b_c/d\\e|f{g}h[i]j(k)l<m>n@o#p$q%r^s&t*u",
  "The sun was shining and the birds were singing in the trees.",
  "He wanted to fly like a bird, so he flapped his arms.",
  '"Can I have one?" asked Tom. "Yes," said Mom.',
  "Every day, the cat sat by the window and watched the rain.",
  "They built a tall tower out of blocks, then it fell down! Boom!",
  "<s> and </s> are written here as plain text? no: they are special tokens",
  "Ünïcödé wörds: Ærøskøbing, Straße, İstanbul, Ελληνικά, русский",
];

Deno.test({
  name: "the converted tok512 tokenizer encodes like llama2.c's greedy merges on 50 sentences",
  ignore: !tokPath,
  fn: async () => {
    const bytes = await Deno.readFile(tokPath!);
    const pieces = readLlama2cTokenizer(bytes, countLlama2cPieces(bytes), tokPath!);
    const tok = await loadTokenizer(tokPath!);
    assert.equal(tok.vocabSize, 512);
    assert.equal(tok.bosId, 1);
    assert.equal(tok.eosId, 2);
    const gsm8k = gsm8kPath
      ? (await Deno.readTextFile(gsm8kPath)).split("\n").slice(0, 25).map((l) =>
        JSON.parse(l).question as string
      )
      : [];
    // Text containing "<s>" is left out: transformers.js (like Hugging Face) reads it as the
    // special token, where llama2.c would spell it out.
    const sentences = [...SENTENCES.filter((s) => !s.includes("<s>")), ...gsm8k];
    for (const s of sentences) {
      assert.deepEqual(tok.encode(s, { addBos: false }), referenceEncode(pieces, s), s);
      assert.equal(tok.decode(tok.encode(s)), s, "round trip");
    }
    assert.deepEqual(tok.encode("Once upon a time", { addBos: false }), [
      ...referenceEncode(pieces, "Once upon a time"),
    ]);
    assert.equal(tok.encode("Hi")[0], 1, "BOS is prepended by default");
    assert.equal(tok.encode("Hi", { addBos: true })[0], 1);
    assert.notEqual(tok.encode("Hi", { addBos: false })[0], 1);
    assert.deepEqual(tok.encode("", { addBos: false }), [], "empty text has no dummy prefix");
    assert.deepEqual(tok.encode(""), [1]);
    assert.deepEqual(tok.encode("a <s> b", { addBos: false }).filter((id) => id === 1), [1]);
  },
});

Deno.test({
  name: "tok512 byte tokens 3..258 decode to their bytes, and pieces print as stored",
  ignore: !tokPath,
  fn: async () => {
    const tok = await loadTokenizer(tokPath!);
    for (let b = 0x21; b < 0x7f; b++) {
      assert.equal(tok.decode([1, 3 + b]), String.fromCharCode(b), `byte 0x${b.toString(16)}`);
    }
    assert.equal(tok.decode([3 + 0x0a, 3 + 0x41]), "\nA");
    assert.equal(tok.decode([3 + 0xc3, 3 + 0xa9]), "é", "two bytes fuse into one character");
    assert.equal(tok.decode([3 + 0xf0, 3 + 0x9f, 3 + 0x99, 3 + 0x82]), "🙂");
    assert.equal(tok.decode([3 + 0x78, 3 + 0xa9]), "x\ufffd", "a stray continuation byte");
    assert.equal(tok.decode([3 + 0x20, 3 + 0x78]), "x", "the decoder strips one leading space");
    assert.equal(tok.decode([]), "");
    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).toUpperCase().padStart(2, "0");
      assert.equal(tok.tokenToString(3 + b), `<0x${hex}>`);
    }
    assert.deepEqual([0, 1, 2].map((i) => tok.tokenToString(i)), ["<unk>", "<s>", "</s>"]);
    assert.equal(tok.tokenToString(259), "\u2581t", "a space is stored as ▁");
    assert.throws(() => tok.tokenToString(512), /id must be an integer in \[0, 512\)/);
    assert.equal(tok.decode([1, 259, 2]), "t", "specials are skipped by default");
    assert.equal(tok.decode([1, 259, 2], { skipSpecial: false }), "<s> t</s>");
  },
});

Deno.test({
  name: "a tok512 tokenizer.json written to a folder loads back and encodes the same",
  ignore: !tokPath,
  fn: async () => {
    const tok = await loadTokenizer(tokPath!);
    const dir = await Deno.makeTempDir();
    const { tokenizer, config } = tok.json;
    assert.deepEqual(
      Object.keys(tokenizer.model as object).filter((k) => k === "vocab" || k === "merges"),
      ["vocab", "merges"],
    );
    const vocab = (tokenizer.model as { vocab: Record<string, number> }).vocab;
    assert.equal(vocab["<s>"], 1, "the special pieces use SentencePiece names");
    assert.equal(vocab["\n<s>\n"], undefined);
    await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(tokenizer));
    await Deno.writeTextFile(`${dir}/tokenizer_config.json`, JSON.stringify(config));
    const back = await loadTokenizer(dir);
    for (const s of SENTENCES) assert.deepEqual(back.encode(s), tok.encode(s));
    assert.equal(back.bosId, 1);
    const viaFile = await loadTokenizer(`${dir}/tokenizer.json`);
    assert.deepEqual(viaFile.encode("Once upon a time"), tok.encode("Once upon a time"));
    await Deno.writeTextFile(`${dir}/tokenizer_config.json`, "{ not json");
    await assert.rejects(() => loadTokenizer(dir), /tokenizer_config.json/);
    await assert.rejects(() => loadTokenizer(`${dir}/nothing`), /'.*nothing' does not exist/);
    await Deno.remove(dir, { recursive: true });
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

/** Bytes of a llama2.c tokenizer file. */
function llama2cFile(pieces: readonly Llama2cPiece[]): Uint8Array {
  const enc = pieces.map((p) => new TextEncoder().encode(p.piece));
  const out = new Uint8Array(4 + enc.reduce((s, e) => s + 8 + e.length, 0));
  const v = new DataView(out.buffer);
  v.setInt32(0, Math.max(...enc.map((e) => e.length)), true);
  let at = 4;
  pieces.forEach((p, i) => {
    v.setFloat32(at, p.score, true);
    v.setInt32(at + 4, enc[i].length, true);
    out.set(enc[i], at + 8);
    at += 8 + enc[i].length;
  });
  return out;
}

const BYTES = Array.from(
  { length: 256 },
  (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, "0")}>`,
);

Deno.test("merges are every two-piece split, ranked by the merged piece's score", () => {
  const pieces = [
    "<unk>",
    "\n<s>\n",
    "\n</s>\n",
    ...BYTES,
    " ",
    "a",
    "b",
    "ab",
    " ab",
    " a",
  ].map((piece, i) => ({ piece, score: i < 259 ? 0 : [-10, -11, -12, -1, -2, -3][i - 259] }));
  const { tokenizer } = llama2cToTokenizerJson(pieces);
  assert.deepEqual((tokenizer.model as { merges: string[][] }).merges, [
    ["a", "b"], // "ab" -1
    ["\u2581", "ab"], // "▁ab" -2: both of its splits, in id order
    ["\u2581a", "b"],
    ["\u2581", "a"], // "▁a" -3
  ]);
  const tok = tokenizerFromJson(tokenizer, {});
  assert.deepEqual(tok.encode("ab ab", { addBos: false }), referenceEncode(pieces, "ab ab"));
  assert.deepEqual(tok.encode("ab ab", { addBos: false }), [263, 263]);
  assert.deepEqual(tok.encode("ba", { addBos: false }), referenceEncode(pieces, "ba"));
});

Deno.test("reading a llama2.c tokenizer checks sizes and names the file", () => {
  const pieces = ["<unk>", "<s>", "</s>", "hé", "x"].map((piece, i) => ({ piece, score: -i }));
  const bytes = llama2cFile(pieces);
  assert.equal(countLlama2cPieces(bytes), 5);
  assert.deepEqual(readLlama2cTokenizer(bytes, 5), pieces);
  assert.throws(
    () => readLlama2cTokenizer(bytes, 6, "t.bin"),
    /tokenizer t.bin: it ends after 5 of 6/,
  );
  assert.throws(
    () => readLlama2cTokenizer(bytes, 4, "t.bin"),
    /bytes remain after 4 tokens \(wrong vocabulary size\? the file holds 5\)/,
  );
  const cut = bytes.slice(0, bytes.length - 1);
  assert.throws(() => readLlama2cTokenizer(cut, 5, "c"), /token 4 has a bad length 1/);
  const notUtf8 = bytes.slice();
  notUtf8[notUtf8.length - 1 - 8 - 3] = 0xff; // first byte of "hé"
  assert.throws(() => readLlama2cTokenizer(notUtf8, 5, "u"), /token 3 is not valid UTF-8/);
  assert.throws(() => llama2cToTokenizerJson(pieces.slice(0, 2)), /at least the 3 special/);
});
