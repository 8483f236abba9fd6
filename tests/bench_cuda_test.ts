/**
 * The bench's CUDA section: where the CUDA provider cannot run (no provider library or no GPU,
 * as on CI) it says why and skips; where it can, the CPU/CUDA comparison runs and says whether it
 * matched. A bad --provider is a usage error naming the flag.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

async function bench(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "tasks/bench.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(300_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("bench --only cuda skips with the reason where CUDA cannot run, or compares the providers", async () => {
  const r = await bench(["--only", "cuda"]);
  assert.equal(r.code, 0, r.stderr);
  const skipped = /^cuda: skipped \(.*provider 'cuda'.*\)$/m.test(r.stdout);
  const compared = /^cuda vs cpu: (match within float32 tolerance|MISMATCH beyond tolerance)$/m
    .test(r.stdout);
  assert.ok(skipped !== compared, `expected exactly one of skip or comparison:\n${r.stdout}`);
});

Deno.test("bench --provider takes cpu or cuda, and names the flag otherwise", async () => {
  const r = await bench(["--provider", "tpu", "--only", "cuda"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: '--provider' must be one of cpu, cuda: current value is 'tpu'/m);
});
