/**
 * The README's "API tour" runs as written: its TypeScript blocks are extracted and executed —
 * the tour from the repository's root, and the outside-the-repository example from a fresh
 * folder holding the README's own `deno.json`.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

function tourBlocks(readme: string): { ts: string[]; json: string[] } {
  const start = readme.indexOf("\n## API tour\n");
  assert.ok(start >= 0, "README has no '## API tour' section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = (lang: string) =>
    [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
  return { ts: blocks("ts"), json: blocks("json") };
}

async function runScript(dir: string, file: string, cwd: string, config?: string) {
  const args = ["run", "--allow-all", ...(config ? ["--config", config] : []), join(dir, file)];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const readme = await Deno.readTextFile(join(ROOT, "README.md"));
const { ts, json } = tourBlocks(readme);

Deno.test("the README tour loads the student, scores, samples four, fine-tunes and evaluates", async () => {
  assert.equal(ts.length, 2, "the tour has two TypeScript blocks: the tour and the outside script");
  const dir = await Deno.makeTempDir({ prefix: "acqsynth_tour_" });
  try {
    // The tour is a script in the repository's root: its "./mod.ts" is the root mod.ts.
    await Deno.writeTextFile(
      join(dir, "tour.ts"),
      ts[0].replaceAll('"./mod.ts"', JSON.stringify(`file://${join(ROOT, "mod.ts")}`)),
    );
    const r = await runScript(dir, "tour.ts", ROOT, join(ROOT, "deno.json"));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    const logp = /^log p\(completion \| prompt\) = (-[\d.e-]+)$/.exec(lines[0]);
    assert.ok(logp && Number(logp[1]) < 0, lines[0]);
    const samples = lines.slice(1, 5);
    assert.equal(samples.length, 4);
    for (const s of samples) assert.match(s, /^(eos|stop|length) ".*"$/);
    const losses = /^loss per step: ((?:\d+\.\d{3} ?){4})$/.exec(lines[5]);
    assert.ok(losses, lines[5]);
    const kinds = lines.slice(6);
    assert.ok(kinds.length >= 3, r.stdout);
    for (const k of kinds) assert.match(k, /^[\w-]+: \d+\/\d+ \(95% \d\.\d\d–\d\.\d\d\)$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's outside-the-repository script runs from a folder with the README's deno.json", async () => {
  assert.equal(json.length, 1, "the tour has one deno.json block");
  const config = JSON.parse(json[0]);
  // The README lists every npm import the library has.
  const ours = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).imports;
  assert.deepEqual(config.imports, ours);
  const dir = await Deno.makeTempDir({ prefix: "acqsynth_outside_" });
  try {
    await Deno.writeTextFile(join(dir, "deno.json"), json[0]);
    await Deno.writeTextFile(join(dir, "outside.ts"), ts[1].replaceAll("/path/to/acqsynth", ROOT));
    const r = await runScript(dir, "outside.ts", dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^<question>[\s\S]+<\/answer>\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
