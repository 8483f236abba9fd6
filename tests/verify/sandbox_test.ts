import assert from "node:assert/strict";
import { createSandbox, type SandboxJob } from "../../lib/verify/sandbox.ts";

const sandbox = await createSandbox({ timeoutMs: 1500, memoryMb: 256, concurrency: 2 });
console.log(`sandbox setup: ${JSON.stringify(sandbox.setup)}`);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("python: passing, failing and broken candidates get pass, fail and error", async () => {
  const program = "def add(a, b):\n    return a + b\n";
  const [ok, bad, broken, raises] = await sandbox.runAll([
    { language: "python", program, tests: "assert add(2, 3) == 5" },
    { language: "python", program, tests: "assert add(2, 3) == 6" },
    { language: "python", program: "def add(a, b)\n    return a", tests: "assert add(1, 1) == 2" },
    { language: "python", program: "raise ValueError('boom')", tests: "" },
  ]);
  assert.equal(ok.status, "pass", ok.stderr);
  assert.equal(bad.status, "fail");
  assert.match(bad.stderr, /AssertionError/);
  assert.equal(broken.status, "error");
  assert.match(broken.stderr, /SyntaxError/);
  assert.equal(raises.status, "error");
  assert.match(raises.stderr, /boom/);
});

Deno.test("python: a candidate that exits early with status 0 does not pass", async () => {
  const jobs: SandboxJob[] = [
    { language: "python", program: "import os\nos._exit(0)", tests: "assert False" },
    { language: "python", program: "import sys\nsys.exit(0)", tests: "assert False" },
    { language: "python", program: "print('ACQSYNTH-PASS-guess')\nimport os\nos._exit(0)" },
  ];
  for (const r of await sandbox.runAll(jobs)) assert.notEqual(r.status, "pass");
});

Deno.test("python: an infinite loop times out and its whole process group is killed", async () => {
  const program = [
    "import subprocess, sys",
    "p = subprocess.Popen(['sleep', '30'])",
    "print('child', p.pid, file=sys.stderr, flush=True)",
    "while True: pass",
  ].join("\n");
  const t0 = performance.now();
  const r = await sandbox.run({ language: "python", program });
  assert.equal(r.status, "timeout");
  assert.ok(performance.now() - t0 < 5000, "stopped near the 1.5 s limit");
  const pid = /child (\d+)/.exec(r.stderr)?.[1];
  assert.ok(pid, `the child reported its pid: ${r.stderr}`);
  await new Promise((res) => setTimeout(res, 200));
  const stat = exists(`/proc/${pid}`) ? Deno.readTextFileSync(`/proc/${pid}/stat`) : "";
  assert.ok(!stat || / Z /.test(stat), `the sleeping grandchild ${pid} was killed`);
});

Deno.test("python: a memory bomb is stopped and the host is untouched", async () => {
  const r = await sandbox.run({
    language: "python",
    program: "xs = []\nwhile True:\n    xs.append(bytearray(50 * 1024 * 1024))",
  });
  assert.equal(r.status, "error");
  assert.match(r.stderr, /MemoryError/);
  const big = await sandbox.run({ language: "python", program: "x = bytearray(4 * 1024**3)" });
  assert.equal(big.status, "error");
});

Deno.test("python: writing outside the working folder fails", async () => {
  // A folder only its owner (root, or this user) may write: the sandbox must not write there.
  const guarded = await Deno.makeTempDir({ prefix: "acqsynth_guarded_" });
  await Deno.chmod(guarded, Deno.uid() === 0 ? 0o755 : 0o555);
  const target = `${guarded}/escape_${crypto.randomUUID()}`;
  const repoTarget = new URL(`../../acqsynth_escape_${crypto.randomUUID()}`, import.meta.url)
    .pathname;
  try {
    const program = [
      `for path in [${JSON.stringify(target)}, ${JSON.stringify(repoTarget)}]:`,
      "    try:",
      "        open(path, 'w').write('escaped')",
      "    except OSError as e:",
      "        print('blocked', path, e)",
    ].join("\n");
    const r = await sandbox.run({ language: "python", program, tests: "" });
    assert.ok(["pass", "error"].includes(r.status), r.stderr);
    assert.equal(exists(target), false, `${target} must not exist`);
    assert.equal(exists(repoTarget), false, `${repoTarget} must not exist`);
  } finally {
    await Deno.chmod(guarded, 0o755);
    await Deno.remove(guarded, { recursive: true });
    await Deno.remove(repoTarget).catch(() => {});
  }
});

Deno.test("python: a network connection to a local listener fails", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of listener) (accepted++, conn.close());
  })();
  try {
    const program = [
      "import socket",
      `s = socket.create_connection(('127.0.0.1', ${port}), timeout=1)`,
      "s.sendall(b'hello')",
    ].join("\n");
    const r = await sandbox.run({ language: "python", program });
    assert.equal(r.status, "error");
    assert.match(r.stderr, /unreachable|PermissionError|refused|Errno/i);
    assert.equal(accepted, 0, "the listener saw no connection");
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});

Deno.test("python: the working folder is removed afterwards", async () => {
  const r = await sandbox.run({
    language: "python",
    program: "import os\nprint('cwd', os.getcwd())\nimport sys\nsys.stderr.write(os.getcwd())",
    tests: "raise AssertionError('show cwd')",
  });
  const cwd = /\/\S*acqsynth_sandbox_\S+?(?=\n|Trace|$)/.exec(r.stderr)?.[0];
  assert.ok(cwd, r.stderr);
  assert.equal(exists(cwd!), false);
});

Deno.test("typescript: pass, fail and error; no permissions to write, read env or connect", async () => {
  const f = "function f(xs: number[]): number { return xs.length; }";
  const target = `/tmp/acqsynth_escape_${crypto.randomUUID()}`;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const [ok, bad, broken, write, net, early] = await sandbox.runAll([
      { language: "typescript", program: f, tests: "assertEquals(f([1, 2]), 2);" },
      { language: "typescript", program: f, tests: "assertEquals(f([1, 2]), 3);" },
      { language: "typescript", program: "function f(xs { return 1 }", tests: "" },
      {
        language: "typescript",
        program: `Deno.writeTextFileSync(${JSON.stringify(target)}, "x");`,
      },
      {
        language: "typescript",
        program: `await Deno.connect({ hostname: "127.0.0.1", port: ${port} });`,
      },
      { language: "typescript", program: "Deno.exit(0);", tests: "assertEquals(1, 2);" },
    ]);
    assert.equal(ok.status, "pass", ok.stderr);
    assert.equal(bad.status, "fail");
    assert.match(bad.stderr, /assertEquals failed/);
    assert.equal(broken.status, "error");
    assert.equal(write.status, "error");
    assert.match(write.stderr, /NotCapable|PermissionDenied|write access/);
    assert.equal(exists(target), false);
    assert.equal(net.status, "error");
    assert.equal(early.status, "error");
  } finally {
    listener.close();
  }
});

Deno.test("typescript: an infinite loop times out and a memory bomb is stopped", async () => {
  const [loop, bomb] = await sandbox.runAll([
    { language: "typescript", program: "while (true) {}" },
    {
      language: "typescript",
      program: "const xs = []; while (true) xs.push(new Uint8Array(64 << 20).fill(1));",
    },
  ]);
  assert.equal(loop.status, "timeout");
  assert.equal(bomb.status, "error");
});
