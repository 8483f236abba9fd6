import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

async function task(file: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${root}deno.json`, `${root}tasks/${file}`, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

Deno.test("testbed fine-tunes a student on its held-out kinds and reports every kind before and after", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const pre = await task("pretrain.ts", [
      ...["--model", "student", "--preset", "tiny", "--steps", "3", "--batch", "4", "--seq", "48"],
      ...["--tokenizer-texts", "300", "--threads", "1", "--hold-out", "sum-odd,mul", "--out", tmp],
    ]);
    assert.equal(pre.code, 0, pre.stderr);
    const r = await task("testbed.ts", [
      ...["--student", `${tmp}/student`, "--seeds", "2", "--eval", "2", "--steps", "2"],
      ...["--batch", "2", "--threads", "1", "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    // The recipe's held-out kinds are the targets, in the families' order.
    assert.deepEqual(out.targets, ["mul", "sum-odd"]);
    assert.equal(Object.keys(out.kinds).length, 18);
    // Two seeds of two items per kind, pooled.
    assert.equal(out.kinds.mul.items, 4);
    assert.equal(out.target.items, 8);
    assert.equal(out.others.items, 64);
    assert.equal(out.perSeed.length, 2);
    assert.ok(out.perSeed.every((s: { losses: number[] }) => s.losses.length === 2));
    const met = out.target.delta >= 0.15 && out.others.delta >= -0.05;
    assert.equal(out.criterion.met, met);
    assert.ok(out.target.deltaLow <= out.target.delta && out.target.delta <= out.target.deltaHigh);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
