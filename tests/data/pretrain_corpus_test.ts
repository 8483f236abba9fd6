import assert from "node:assert/strict";
import { corpusRecords, DEFAULT_MIX } from "../../lib/data/pretrain_corpus.ts";
import { TASK_KINDS } from "../../lib/data/procedural/mod.ts";

Deno.test("held-out kinds never appear in the corpus, and their family's other kinds take its share", () => {
  const holdOut = ["mul", "filter-gt", "sum-odd"];
  const recs = corpusRecords(3, 2000, { ...DEFAULT_MIX, holdOut });
  assert.equal(recs.length, 2000);
  assert.deepEqual(recs.filter((r) => holdOut.includes(String(r.meta.kind))), []);
  const by = (f: string) => recs.filter((r) => r.meta.family === f).length;
  assert.deepEqual([by("arithmetic"), by("choice"), by("code")], [1000, 500, 500]);
  const kinds = new Set(recs.map((r) => String(r.meta.kind)));
  const expected = Object.values(TASK_KINDS).flat().filter((k) => !holdOut.includes(k));
  assert.deepEqual([...kinds].sort(), [...expected].sort());
  assert.deepEqual(recs, corpusRecords(3, 2000, { ...DEFAULT_MIX, holdOut }));
});

Deno.test("holding out a whole family gives its share to the other families and leaves their records as they were", () => {
  const plain = corpusRecords(5, 600);
  const recs = corpusRecords(5, 600, { ...DEFAULT_MIX, holdOut: [...TASK_KINDS.choice] });
  assert.equal(recs.length, 600);
  assert.equal(recs.filter((r) => r.meta.family === "choice").length, 0);
  assert.equal(recs.filter((r) => r.meta.family === "arithmetic").length, 400);
  // Same cell streams: the plain corpus's word problems are a prefix of each cell's stream.
  const ids = new Set(recs.map((r) => r.id));
  const kept = plain.filter((r) => r.meta.family === "arithmetic");
  assert.ok(kept.every((r) => ids.has(r.id)), "the plain corpus's word problems are kept");
});

Deno.test("an empty hold-out list gives the plain corpus", () => {
  assert.deepEqual(corpusRecords(9, 300, { ...DEFAULT_MIX, holdOut: [] }), corpusRecords(9, 300));
});

Deno.test("an unknown held-out kind, or one that leaves nothing to draw, is refused by name", () => {
  assert.throws(
    () => corpusRecords(1, 10, { ...DEFAULT_MIX, holdOut: ["mul", "nope"] }),
    /'holdOut' must hold kinds from add, .*: current value is mul, nope/,
  );
  const all = Object.values(TASK_KINDS).flat();
  assert.throws(
    () => corpusRecords(1, 10, { ...DEFAULT_MIX, holdOut: all }),
    /'holdOut' leaves no kind to draw/,
  );
});
