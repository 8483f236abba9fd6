import assert from "node:assert/strict";
import {
  cosine,
  hashedNgramEmbedder,
  ngrams,
  normalize,
  studentEmbedder,
  transformersEmbedder,
} from "../../lib/acquire/embed.ts";
import {
  createModel,
  embedSequences,
  initWeights,
  type LanguageModel,
  llamaConfigFromHf,
  saveModel,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { byteTokenizer, runtime } from "./tiny_student.ts";

/** A one-layer byte-level Llama with tied embeddings (lm_head = embed_tokens). */
function tiedStudent(seed: number): LanguageModel {
  const tok = byteTokenizer();
  const config = llamaConfigFromHf({
    vocab_size: tok.vocabSize,
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
    bos_token_id: 1,
    eos_token_id: 2,
  });
  const store = initWeights(config, createRng(seed), { std: 0.3, scaledResidual: false });
  return createModel(config, store, runtime, tok);
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

Deno.test("hashed n-grams: each distinct gram is one ±1 bucket, repeated grams add up, unit length", async () => {
  const e = hashedNgramEmbedder({ n: 3, dims: 4096, seed: 7 });
  const [abcd, aaaa, empty] = await e.embed(["abcd", "aaaaa", ""]);
  // "abcd" has grams abc, bcd: two buckets of magnitude 1/√2.
  const nz = [...abcd].filter((x) => x !== 0);
  assert.equal(nz.length, 2);
  for (const x of nz) assert.ok(Math.abs(Math.abs(x) - Math.SQRT1_2) < 1e-6);
  // "aaaaa" has the gram aaa three times, always with the same sign: one bucket of magnitude 1.
  assert.deepEqual([...aaaa].filter((x) => x !== 0).map(Math.abs), [1]);
  assert.equal(norm(empty), 0);
});

Deno.test("hashed n-grams: cosine counts shared grams, and the seed changes only the projection", async () => {
  // "abcde" → abc bcd cde; "abcdx" → abc bcd cdx: 2 shared of 3 each → cosine 2/3.
  for (const seed of [0, 1]) {
    const [a, b] = await hashedNgramEmbedder({ n: 3, dims: 4096, seed }).embed(["abcde", "abcdx"]);
    assert.ok(Math.abs(cosine(a, b) - 2 / 3) < 1e-6, `seed ${seed}: ${cosine(a, b)}`);
  }
  const [x] = await hashedNgramEmbedder({ seed: 0 }).embed(["abcde"]);
  const [y] = await hashedNgramEmbedder({ seed: 1 }).embed(["abcde"]);
  assert.notDeepEqual(x, y);
  assert.deepEqual(
    await hashedNgramEmbedder().embed(["same"]),
    await hashedNgramEmbedder().embed(["same"]),
  );
});

Deno.test("hashed n-grams: word grams ignore case and punctuation; bad options name the field", async () => {
  assert.deepEqual(ngrams("What is 2 + 3?", 2, "word"), ["what is", "is 2", "2 3"]);
  assert.deepEqual(ngrams("A  b", 3, "char"), ["a b"]);
  assert.deepEqual(ngrams("ab", 3, "char"), ["ab"]);
  const e = hashedNgramEmbedder({ n: 1, unit: "word", dims: 4096 });
  const [a, b] = await e.embed(["Hello, World!", "hello world"]);
  assert.deepEqual(a, b);
  assert.throws(
    () => hashedNgramEmbedder({ dims: 0 }),
    /'dims' must be a positive integer: current value is 0/,
  );
  assert.throws(() => hashedNgramEmbedder({ n: 1.5 }), /'n' must be/);
  assert.throws(
    () => hashedNgramEmbedder({ unit: "byte" } as never),
    /'unit' must be 'char' or 'word'/,
  );
});

Deno.test("studentEmbedder is the student's mean-pooled hidden state with BOS, L2-normalised", async () => {
  const m = tiedStudent(3);
  const texts = ["hello there", "xyz"];
  const got = await studentEmbedder(m).embed(texts);
  const raw = await embedSequences(m, texts.map((t) => m.tokenizer!.encode(t, { addBos: true })));
  assert.equal(got.length, 2);
  got.forEach((v, i) => {
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    const want = normalize(raw[i].slice());
    for (let k = 0; k < v.length; k++) assert.ok(Math.abs(v[k] - want[k]) < 1e-6);
  });
  assert.deepEqual(await studentEmbedder(m).embed([]), []);
});

Deno.test("transformersEmbedder on an exported model matches the student's pooled states through lm_head", async () => {
  // A causal LM's feature-extraction output is its logits; with tied embeddings the mean of the
  // logits over the tokens is E · mean(hidden), which our own runtime computes independently.
  const m = tiedStudent(5);
  const dir = await Deno.makeTempDir();
  try {
    await saveModel(m, `${dir}/tiny`);
    const texts = ["hello there", "xyz"];
    const got = await transformersEmbedder(`${dir}/tiny`).embed(texts);
    const hidden = await embedSequences(
      m,
      texts.map((t) => m.tokenizer!.encode(t, { addBos: true })),
    );
    const e = m.store.get("model.embed_tokens.weight")!.data as Float32Array;
    const d = m.config.hiddenSize, v = m.config.vocabSize;
    hidden.forEach((h, i) => {
      const want = normalize(Float32Array.from({ length: v }, (_, j) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += e[j * d + k] * h[k];
        return s;
      }));
      assert.equal(got[i].length, v);
      for (let j = 0; j < v; j++) assert.ok(Math.abs(got[i][j] - want[j]) < 1e-5, `${i} ${j}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transformersEmbedder names a folder without a model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => transformersEmbedder(dir).embed(["a"]),
      (e: Error) =>
        e.message.includes(`Cannot load embedder '${dir}'`) && /config\.json/.test(e.message),
    );
  } finally {
    await Deno.remove(dir);
  }
});
