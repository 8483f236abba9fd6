import assert from "node:assert/strict";
import { cachedRunRecords, cachedRunResult, modelFingerprint } from "../../lib/pipeline/mod.ts";

function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    compute: () => Promise.resolve({ call: ++calls, values: [1.5, null, "x"] }),
  };
}

Deno.test("cachedRunResult() computes once for a key and reads the stored value the second time", async () => {
  const dir = await Deno.makeTempDir();
  const c = counter();
  const logged: string[] = [];
  const ctx = { cache: dir, log: (l: string) => logged.push(l) };
  const a = await cachedRunResult(ctx, "pool", { seed: 3, model: "abc" }, c.compute);
  const b = await cachedRunResult(ctx, "pool", { model: "abc", seed: 3 }, c.compute);
  assert.equal(c.calls, 1);
  assert.deepEqual(b, a);
  assert.ok(logged.some((l) => l.startsWith("pool: from cache")));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cachedRunResult() recomputes for a different key or a different name", async () => {
  const dir = await Deno.makeTempDir();
  const c = counter();
  await cachedRunResult({ cache: dir }, "pool", { seed: 3 }, c.compute);
  const other = await cachedRunResult({ cache: dir }, "pool", { seed: 4 }, c.compute);
  await cachedRunResult({ cache: dir }, "scores", { seed: 3 }, c.compute);
  assert.equal(c.calls, 3);
  assert.equal(other.call, 2);
  assert.equal([...Deno.readDirSync(dir)].length, 3);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cachedRunResult() without a cache folder computes every time and writes nothing", async () => {
  const c = counter();
  await cachedRunResult({ cache: null }, "pool", { seed: 3 }, c.compute);
  await cachedRunResult({ cache: null }, "pool", { seed: 3 }, c.compute);
  assert.equal(c.calls, 2);
});

Deno.test("cachedRunResult() leaves no temporary file behind, and nothing at all when compute throws", async () => {
  const dir = await Deno.makeTempDir();
  await cachedRunResult({ cache: dir }, "pool", { seed: 1 }, () => Promise.resolve([1, 2]));
  await assert.rejects(
    () =>
      cachedRunResult({ cache: dir }, "pool", { seed: 2 }, () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.equal(names.length, 1);
  assert.match(names[0], /^pool-[0-9a-f]{16}\.json$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cachedRunResult() creates a missing cache folder", async () => {
  const dir = `${await Deno.makeTempDir()}/nested/cache`;
  assert.deepEqual(await cachedRunResult({ cache: dir }, "x", 1, () => Promise.resolve(2)), 2);
  assert.equal([...Deno.readDirSync(dir)].length, 1);
});

Deno.test("cachedRunRecords() stores records one a line and reads them back in order", async () => {
  const dir = await Deno.makeTempDir();
  let calls = 0;
  const records = [{ text: "a\nb", score: null }, { text: "c", score: 0.25 }];
  const compute = () => (calls++, Promise.resolve(records));
  await cachedRunRecords({ cache: dir }, "pool", { seed: 0 }, compute);
  assert.deepEqual(await cachedRunRecords({ cache: dir }, "pool", { seed: 0 }, compute), records);
  assert.equal(calls, 1);
  const [name] = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.match(name, /\.jsonl$/);
  const lines = (await Deno.readTextFile(`${dir}/${name}`)).trimEnd().split("\n");
  assert.equal(lines.length, 1 + records.length);
  assert.deepEqual(await cachedRunRecords({ cache: dir }, "pool", { seed: 9 }, compute), records);
  assert.equal(calls, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cachedRunResult() rejects a name that is not a plain file name", async () => {
  await assert.rejects(
    () => cachedRunResult({ cache: "/tmp" }, "../x", 1, () => Promise.resolve(1)),
    /'what' must be letters, digits/,
  );
});

Deno.test("modelFingerprint() changes with the weights and the config, not with the folder", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  for (const d of [a, b]) {
    await Deno.writeTextFile(`${d}/config.json`, '{"hidden":8}');
    await Deno.writeFile(`${d}/model.safetensors`, new Uint8Array([0, 1, 2]));
  }
  const fa = await modelFingerprint(a);
  assert.equal(await modelFingerprint(b), fa);
  await Deno.writeTextFile(`${b}/config.json`, '{"hidden":9}');
  assert.notEqual(await modelFingerprint(b), fa);
  await Deno.writeFile(`${a}/model.safetensors`, new Uint8Array([0, 1, 3]));
  assert.notEqual(await modelFingerprint(a), fa);
});
