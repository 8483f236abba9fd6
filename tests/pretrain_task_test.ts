import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

async function pretrain(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${root}deno.json`, `${root}tasks/pretrain.ts`, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout) + dec.decode(stderr) };
}

Deno.test("pretrain --hold-out trains a student without those kinds and records them in recipe.json", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const r = await pretrain([
      ...["--model", "student", "--preset", "tiny", "--steps", "3", "--batch", "4", "--seq", "48"],
      ...["--tokenizer-texts", "300", "--threads", "1", "--hold-out", "mul,sum-odd"],
      ...["--out", tmp],
    ]);
    assert.equal(r.code, 0, r.out);
    const recipe = JSON.parse(await Deno.readTextFile(`${tmp}/student/recipe.json`));
    assert.deepEqual(recipe.corpus.holdOut, ["mul", "sum-odd"]);
    assert.match(recipe.command, / --hold-out mul,sum-odd$/);
    assert.equal(recipe["hold-out"], "mul,sum-odd");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("pretrain refuses an unknown held-out kind, and --hold-out for the generator alone", async () => {
  const bad = await pretrain(["--model", "student", "--hold-out", "mul,nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /'--hold-out' must list kinds from add, .*\(unknown: nope\)/);
  const gen = await pretrain(["--model", "generator", "--hold-out", "mul"]);
  assert.equal(gen.code, 2);
  assert.match(gen.out, /'--hold-out' applies to the student's corpus/);
});
