import assert from "node:assert/strict";
import type { HostTensor } from "../../lib/graph/tensor.ts";
import { loadCheckpoint } from "../../lib/run/mod.ts";

const root = new URL("../../", import.meta.url).pathname;
const task = `${root}tasks/pretrain.ts`;
// A tiny student: two layers of width 32, a few hundred steps in a few seconds.
const TINY = [
  "--model",
  "student",
  "--preset",
  "tiny",
  "--batch",
  "6",
  "--seq",
  "48",
  "--tokenizer-texts",
  "300",
  "--threads",
  "1",
];

function spawn(args: string[], cwd = root): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${root}deno.json`, task, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function pretrain(args: string[], cwd = root) {
  const { code, stdout, stderr } = await spawn(args, cwd).output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout) + dec.decode(stderr) };
}

/** Runs until the progress bar shows a step, sends `signal`, and waits for the exit. */
async function interrupted(args: string[], signal: Deno.Signal = "SIGINT") {
  const child = spawn(args);
  const dec = new TextDecoder();
  let err = "", sent = false;
  const stdout = new Response(child.stdout).text();
  for await (const chunk of child.stderr) {
    err += dec.decode(chunk, { stream: true });
    if (!sent && /student \S+ \d+\/\d+/.test(err)) {
      child.kill(signal);
      sent = true;
    }
  }
  const { code } = await child.status;
  return { code, out: (await stdout) + err };
}

async function maxAbsDifference(dirA: string, dirB: string): Promise<number> {
  const a = (await loadCheckpoint(dirA))?.weights;
  const b = (await loadCheckpoint(dirB))?.weights;
  assert.ok(a && b, "both runs leave a checkpoint");
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let worst = 0;
  for (const [k, t] of a) {
    const u: HostTensor = b.get(k)!;
    assert.equal(t.data.length, u.data.length, k);
    for (let i = 0; i < t.data.length; i++) {
      worst = Math.max(worst, Math.abs(Number(t.data[i]) - Number(u.data[i])));
    }
  }
  return worst;
}

Deno.test("a pretrain run interrupted by SIGINT resumes and ends with the uninterrupted run's weights", async () => {
  const tmp = await Deno.makeTempDir();
  const flags = [...TINY, "--steps", "300", "--save-every", "1000"];
  const whole = await pretrain([...flags, "--out", `${tmp}/whole`]);
  assert.equal(whole.code, 0, whole.out);

  const first = await interrupted([...flags, "--out", `${tmp}/split`]);
  assert.equal(first.code, 130, `SIGINT exits 130:\n${first.out}`);
  const saved = (await loadCheckpoint(`${tmp}/split/student/checkpoint`))!;
  assert.ok(saved.step >= 1 && saved.step < 300, `stopped at step ${saved.step}`);
  assert.match(first.out, new RegExp(`checkpoint of step ${saved.step} saved`));
  await assert.rejects(
    Deno.stat(`${tmp}/split/student/model.safetensors`),
    "no model before the end",
  );

  const second = await pretrain([...flags, "--out", `${tmp}/split`]);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, new RegExp(`resuming .* at step ${saved.step}`));
  const diff = await maxAbsDifference(
    `${tmp}/whole/student/checkpoint`,
    `${tmp}/split/student/checkpoint`,
  );
  assert.ok(diff <= 1e-6, `max abs difference ${diff}`);
  const [a, b] = await Promise.all(
    ["whole", "split"].map((d) => Deno.readFile(`${tmp}/${d}/student/model.safetensors`)),
  );
  assert.deepEqual(a, b, "the exported models are the same bytes");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("resuming with a changed flag is refused, naming the flag and both values", async () => {
  const tmp = await Deno.makeTempDir();
  const flags = [...TINY, "--steps", "3", "--out", tmp];
  assert.equal((await pretrain([...flags, "--lr", "0.003"])).code, 0);
  const changed = await pretrain([...flags, "--lr", "0.002"]);
  assert.equal(changed.code, 1, changed.out);
  assert.match(
    changed.out,
    /^error: Cannot resume \S+\/student\/checkpoint: flag 'lr' differs: checkpoint has 0.003, this run has 0.002/m,
  );
  assert.doesNotMatch(changed.out, /\n\s+at /, "no stack trace");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("SIGTERM also stops a run after a checkpoint, with exit status 143", async () => {
  const tmp = await Deno.makeTempDir();
  const r = await interrupted([...TINY, "--steps", "300", "--out", tmp], "SIGTERM");
  assert.equal(r.code, 143, r.out);
  const ck = (await loadCheckpoint(`${tmp}/student/checkpoint`))!;
  assert.ok(ck.step >= 1 && ck.step < 300, `stopped at step ${ck.step}`);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("--steps below the save interval still leaves a checkpoint of the last step", async () => {
  const tmp = await Deno.makeTempDir();
  const r = await pretrain([...TINY, "--steps", "4", "--save-every", "100", "--out", tmp]);
  assert.equal(r.code, 0, r.out);
  const ck = (await loadCheckpoint(`${tmp}/student/checkpoint`))!;
  assert.equal(ck.step, 4);
  assert.equal(ck.fingerprint.flags.steps, 4);
  assert.ok(ck.state.has("model.embed_tokens.weight.adam_m"), "the optimizer state is saved");
  assert.ok(![...ck.weights.keys()].some((k) => k.includes("adam")), "weights hold weights only");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("the default output is runs/pretrain-<model>, never the shipped data/models", async () => {
  const cwd = await Deno.makeTempDir();
  const shipped = `${root}data/models/student/model.safetensors`;
  const before = await Deno.stat(shipped).then((s) => s.mtime?.getTime(), () => undefined);
  const r = await pretrain([...TINY, "--steps", "2"], cwd);
  assert.equal(r.code, 0, r.out);
  assert.ok((await Deno.stat(`${cwd}/runs/pretrain-student/model.safetensors`)).isFile);
  assert.ok((await Deno.stat(`${cwd}/runs/pretrain-student/checkpoint/checkpoint.json`)).isFile);
  const after = await Deno.stat(shipped).then((s) => s.mtime?.getTime(), () => undefined);
  assert.equal(after, before, "the shipped student is untouched");
  await Deno.remove(cwd, { recursive: true });
});
