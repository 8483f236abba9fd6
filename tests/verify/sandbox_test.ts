import assert from "node:assert/strict";
import {
  createSandbox,
  requireStrongIsolation,
  type Sandbox,
  type SandboxJob,
} from "../../lib/verify/sandbox.ts";
import { decodeWire, parseCallTests, strictEqual } from "../../lib/verify/sandbox_wire.ts";
import { processesWith, survivors } from "./attacks_shared.ts";

const TAG = `acqsandbox${crypto.randomUUID().slice(0, 8)}`;
const OPTIONS = { timeoutMs: 1500, memoryMb: 256, concurrency: 2, tag: TAG };
const sandbox = await createSandbox(OPTIONS);
console.log(`sandbox setup: ${JSON.stringify(sandbox.setup)}`);
const zygoteSandbox = await createSandbox({ ...OPTIONS, zygote: true });
// Both ways a Python candidate starts: its own bubblewrap sandbox, or forked by a zygote.
const MODES: [string, Sandbox][] = [
  [sandbox.setup.isolated ? "bubblewrap per run" : "unisolated", sandbox],
  ["zygote", zygoteSandbox],
];

Deno.test("the sandbox is isolated by bubblewrap here, and the reward guard says so", () => {
  assert.equal(sandbox.setup.isolated, true, sandbox.setup.reason ?? "");
  assert.equal(sandbox.setup.noNestedUserns, true, "bubblewrap 0.8 or later: --disable-userns");
  requireStrongIsolation(sandbox);
  const weak = { setup: { ...sandbox.setup, isolated: false, reason: "no bwrap" } };
  assert.throws(
    () => requireStrongIsolation(weak),
    /not isolated \(no bwrap\).*allowWeakIsolation/,
  );
  requireStrongIsolation(weak, { allowWeakIsolation: true });
});

Deno.test("python: passing, failing, raising and broken candidates get pass, fail and error", async () => {
  const program = "def add(a, b):\n    return a + b\n";
  const [ok, bad, broken, raises, raisesInCall] = await sandbox.runAll([
    { language: "python", program, tests: "assert add(2, 3) == 5" },
    { language: "python", program, tests: "assert add(2, 3) == 6" },
    { language: "python", program: "def add(a, b)\n    return a", tests: "assert add(1, 1) == 2" },
    { language: "python", program: "raise ValueError('boom')", tests: "" },
    {
      language: "python",
      program: "def add(a, b):\n    raise ValueError('no')",
      tests: "add(1, 2)",
    },
  ]);
  assert.equal(ok.status, "pass", ok.stderr);
  assert.equal(bad.status, "fail");
  assert.match(bad.stderr, /AssertionError/);
  assert.equal(broken.status, "error");
  assert.match(broken.stderr, /SyntaxError/);
  assert.equal(raises.status, "error");
  assert.match(raises.stderr, /boom/);
  assert.equal(raisesInCall.status, "fail");
  assert.match(raisesInCall.stderr, /ValueError/);
});

Deno.test("python: values cross typed, and == in the tests is type-strict", async () => {
  const program = [
    "import math",
    "def f(kind):",
    "    return {'tuple': (1, 2), 'list': [1, 2], 'set': {1, 2}, 'frozen': frozenset({1}),",
    "            'nan': math.nan, 'inf': -math.inf, 'bytes': b'ab', 'int': 1, 'true': True,",
    "            'none': None, 'dict': {'a': [1.5, None]}, 'big': 10 ** 40, 'gen': (x for x in [1]),",
    "            'float': 2.0, 'text': 'a\"\\n\\\\\\u00e9\\ud800\\x00'}[kind]",
  ].join("\n");
  const cases: [string, string, boolean][] = [
    ["f('tuple') == (1, 2)", "tuple", true],
    ["f('list') == (1, 2)", "list vs tuple", false],
    ["f('set') == {1, 2} and type(f('set')) is set", "set", true],
    ["type(f('frozen')) is frozenset", "frozenset", true],
    ["math.isnan(f('nan'))", "nan", true],
    ["f('inf') == -math.inf", "-inf", true],
    ["f('bytes') == b'ab'", "bytes", true],
    ["f('bytes') == 'ab'", "bytes vs str", false],
    ["f('true') == 1", "bool vs int", false],
    ["f('int') == True", "1 == True keeps Python's meaning", true],
    ["f('true') is True", "bool", true],
    ["f('none') is None", "None", true],
    ["f('dict') == {'a': [1.5, None]}", "dict", true],
    ["f('big') == 10 ** 40", "big int", true],
    ["list(f('gen')) == [1]", "generator", true],
    ["f('float') == 2", "float vs int by value", true],
    ["[f('true')] == [1]", "bool in a list", false],
    ["f('text') == 'a\"\\n\\\\\\u00e9\\ud800\\x00'", "quotes, escapes, lone surrogate, NUL", true],
  ];
  const results = await sandbox.runAll(
    cases.map(([test]) => ({ language: "python", program, tests: `import math\nassert ${test}` })),
  );
  const wrong = cases.filter(([, , want], i) => (results[i].status === "pass") !== want)
    .map(([test, what], i) => `${what}: ${test}: ${results[i].status} ${results[i].stderr}`);
  assert.deepEqual(wrong, []);
});

Deno.test("python: candidate objects stay in the sandbox; the tests use them through handles", async () => {
  const program = [
    "class Node:",
    "    def __init__(self, v):",
    "        self.v, self.left = v, None",
    "def depth(n):",
    "    return 0 if n is None else 1 + depth(n.left)",
  ].join("\n");
  const r = await sandbox.run({
    language: "python",
    program,
    tests: "root = Node(1)\nroot.left = Node(2)\nassert root.v == 1\nassert depth(root) == 2",
  });
  assert.equal(r.status, "pass", r.stderr);
});

for (const [mode, sandbox] of MODES) {
  Deno.test(`python (${mode}): a loop times out, and every process of the run is gone after it`, async () => {
    const program = [
      "import os, sys",
      "if os.fork() == 0:",
      `    os.execv(sys.executable, [sys.executable, '-c', '# ${TAG}\\nwhile True: pass'])`,
      "def f():",
      "    while True:",
      "        pass",
    ].join("\n");
    const t0 = performance.now();
    const r = await sandbox.run({ language: "python", program, tests: "f()" });
    assert.equal(r.status, "timeout");
    assert.ok(performance.now() - t0 < 5000, "stopped near the 1.5 s limit");
    assert.deepEqual(await survivors(TAG), []);
  });

  Deno.test(`python (${mode}): memory bombs and disk floods are stopped by the limits`, async () => {
    const [bomb, big, disk] = await sandbox.runAll([
      { language: "python", program: "xs = []\nwhile True:\n    xs.append(bytearray(50 << 20))" },
      { language: "python", program: "x = bytearray(4 * 1024**3)" },
      {
        language: "python",
        program:
          "f = open('/sandbox/big', 'wb')\nwhile True:\n    f.write(b'x' * (1 << 20))\n    f.flush()",
      },
    ]);
    assert.equal(bomb.status, "error");
    assert.match(bomb.stderr, /MemoryError/);
    assert.equal(big.status, "error");
    assert.equal(disk.status, "error");
    assert.match(disk.stderr, /No space left|File too large|OSError/);
  });

  Deno.test(`python (${mode}): the run folder is a private tmpfs and only the interpreter is in view`, async () => {
    const r = await sandbox.run({
      language: "python",
      program:
        "import os\ndef view():\n    return os.getcwd(), sorted(os.listdir('/')), os.getuid()",
      tests: "cwd, top, uid = view()\n" +
        "assert cwd == '/sandbox' and uid == 65534, (cwd, uid)\n" +
        "assert set(top) <= {'sandbox', 'tmp', 'dev', 'proc', 'usr', 'lib', 'lib64', 'lib32', 'etc'}, top",
    });
    assert.equal(r.status, "pass", r.stderr);
  });
}

Deno.test("python (zygote): a candidate has no capability, no_new_privs, uid 65534 alone and no way to a new user namespace", async () => {
  const program = [
    "import ctypes, os, socket",
    "def look():",
    "    s = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)",
    "    caps = {k: s[k] for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')}",
    "    userns = ctypes.CDLL(None).unshare(0x10000000)",
    "    return (caps, s['NoNewPrivs'], open('/proc/self/uid_map').read().split(), os.getpid(),",
    "            socket.gethostname(), userns, sorted(os.listdir('/proc/self/fd')))",
  ].join("\n");
  const zero = "0000000000000000";
  const r = await zygoteSandbox.run({
    language: "python",
    program,
    tests: "got = look()\n" +
      `assert got == ({'CapInh': '${zero}', 'CapPrm': '${zero}', 'CapEff': '${zero}', 'CapBnd': '${zero}', 'CapAmb': '${zero}'}, '1', ['65534', '0', '1'], 1, 'sandbox', -1, ['0', '1', '2', '3', '4', '5']), got`,
    names: ["look"],
  });
  assert.equal(r.status, "pass", r.stderr);
});

Deno.test("python (zygote): two concurrent runs cannot see each other's processes, files or keyrings", async () => {
  const marker = `${TAG}pair`;
  const keyctl = "libc = ctypes.CDLL(None, use_errno=True)\n" +
    "ADD_KEY, KEYCTL = {'x86_64': (248, 250), 'aarch64': (217, 219)}[os.uname().machine]\n";
  // The first leaves a process, files and keys behind while the second looks for them; both
  // must be forked by the zygote (PID 1 of their own namespace), not a sandbox each.
  const leave = "import ctypes, os, sys, time\n" + keyctl +
    `subprocess_pid = os.fork()\nif subprocess_pid == 0:\n    os.execv(sys.executable, [sys.executable, '-c', '# ${marker}\\nimport time\\ntime.sleep(5)'])\n` +
    "for d in ('/tmp', '/sandbox', '/dev/shm'):\n" +
    `    open(d + '/${marker}', 'w').write('x')\n` +
    "mine = [libc.syscall(ADD_KEY, b'user', b'" + marker +
    "', b'x', 1, ring) for ring in (-3, -4, -5)]\n" +
    "assert os.getpid() == 1\n" +
    "def probe():\n    time.sleep(1.2)\n    return mine\n";
  const look = "import ctypes, os, time\n" + keyctl +
    "def probe():\n    seen = []\n    t0 = time.time()\n    while time.time() - t0 < 1.0:\n" +
    "        for p in os.listdir('/proc'):\n" +
    "            if p.isdigit() and int(p) != os.getpid():\n                seen.append('pid ' + p)\n" +
    "        for d in ('/tmp', '/sandbox', '/dev/shm', '/dev'):\n" +
    `            if os.path.exists(d + '/${marker}'):\n                seen.append('file ' + d)\n` +
    "        for ring in (-3, -4, -5):\n" +
    `            if libc.syscall(KEYCTL, 10, ring, b'user', b'${marker}', 0) >= 0:\n                seen.append('key ' + str(ring))\n` +
    "        time.sleep(0.05)\n    return sorted(set(seen)) if os.getpid() == 1 else ['not forked']\n";
  // A longer time limit than the other tests: both runs wait on purpose, and the machine may be busy.
  const sb = await createSandbox({ ...OPTIONS, timeoutMs: 8000, zygote: true });
  const [left, looked] = await sb.runAll([
    {
      language: "python",
      program: leave,
      // Its session keyring is the zygote's, revoked (-3 fails); its user keyrings are its own.
      tests:
        "shared, *own = probe()\nassert shared < 0 and all(k > 0 for k in own), (shared, own)\n" +
        "assert False, 'done'",
      names: ["probe"],
    },
    {
      language: "python",
      program: look,
      tests: "got = probe()\nassert got == [], got",
      names: ["probe"],
    },
  ]);
  assert.match(left.stderr, /AssertionError: done/, "the first run added its keys and files");
  assert.equal(looked.status, "pass", looked.stderr);
  assert.deepEqual(await survivors(marker), []);
});

/** Host pids of the zygotes of runs tagged `tag`: PID 2 of a namespace one below this one. */
async function zygotePids(tag: string): Promise<number[]> {
  const depth = (status: string) => (/^NSpid:\s*(.*)$/m.exec(status)?.[1] ?? "").split(/\s+/);
  const mine = depth(await Deno.readTextFile("/proc/self/status")).length;
  const out: number[] = [];
  for (const line of await processesWith(tag)) {
    const pid = Number(line.split(":")[0]);
    const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    const ns = depth(await Deno.readTextFile(`/proc/${pid}/status`).catch(() => ""));
    if (cmd.includes("acqsynth-zygote") && ns.length === mine + 1 && ns.at(-1) === "2") {
      out.push(pid);
    }
  }
  return out;
}

Deno.test("python (zygote): a zygote killed mid-run is replaced; that run is not a pass and the next one passes", async () => {
  const tag = `${TAG}kill`;
  const zsb = await createSandbox({
    ...OPTIONS,
    timeoutMs: 5000,
    concurrency: 1,
    tag,
    zygote: true,
  });
  assert.ok(zsb.setup.isolated);
  const program = "import time\ndef f():\n    time.sleep(1.5)\n    return 1\n";
  const gold: SandboxJob = {
    language: "python",
    program: "def f():\n    return 1\n",
    tests: "assert f() == 1",
  };
  const jobs: SandboxJob[] = [
    { language: "python", program, tests: "assert f() == 1" },
    gold,
    gold,
    gold,
    gold,
  ];
  const killed: number[] = [];
  const results = zsb.runAll(jobs);
  const until = performance.now() + 4000;
  while (!killed.length && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of await zygotePids(tag)) (Deno.kill(pid, "SIGKILL"), killed.push(pid));
  }
  const [first, ...rest] = await results;
  assert.equal(killed.length, 1, "one zygote found and killed mid-run");
  assert.equal(first.status, "error", first.stderr);
  // A candidate started ahead by the dying zygote may still be handed out while its namespace
  // is being torn down (an error, never a pass); the runs after it get the new zygote's.
  assert.deepEqual(rest.filter((r) => r.status !== "pass" && r.status !== "error"), []);
  assert.equal(rest.at(-1)!.status, "pass", rest.at(-1)!.stderr);
  assert.deepEqual(await survivors(tag), []);
});

Deno.test("typescript: pass, fail and error, judged on this side", async () => {
  const f = "function f(xs: number[]): number { return xs.length; }";
  const [ok, bad, broken, early, wrongType, badTest] = await sandbox.runAll([
    { language: "typescript", program: f, tests: "assertEquals(f([1, 2]), 2);" },
    { language: "typescript", program: f, tests: "assertEquals(f([1, 2]), 3);" },
    {
      language: "typescript",
      program: "function f(xs { return 1 }",
      tests: "assertEquals(f([]), 1);",
    },
    { language: "typescript", program: "Deno.exit(0);", tests: "assertEquals(f([]), 1);" },
    {
      language: "typescript",
      program: "function f(xs: number[]) { return String(xs.length); }",
      tests: "assertEquals(f([1]), 1);",
    },
    { language: "typescript", program: f, tests: "console.log(f([1]));" },
  ] as SandboxJob[]);
  assert.equal(ok.status, "pass", ok.stderr);
  assert.equal(bad.status, "fail");
  assert.match(bad.stderr, /assertEquals failed: .* returned 2, expected 3/);
  assert.equal(broken.status, "error");
  assert.equal(early.status, "error");
  assert.equal(wrongType.status, "fail");
  assert.equal(badTest.status, "error");
  assert.match(badTest.stderr, /line 1 .*assertEquals\(NAME\(ARGS\), EXPECTED\)/);
});

Deno.test("typescript: an infinite loop times out and a memory bomb is stopped", async () => {
  const [loop, bomb] = await sandbox.runAll([
    {
      language: "typescript",
      program: "function f() { while (true) {} }",
      tests: "assertEquals(f(), 1);",
    },
    {
      language: "typescript",
      program: "const xs = []; while (true) xs.push(new Uint8Array(64 << 20).fill(1));",
    },
  ]);
  assert.equal(loop.status, "timeout");
  // Stopped by the memory limit, or by the clock on a busy machine: never a pass.
  assert.ok(["error", "timeout"].includes(bomb.status), bomb.status);
  assert.deepEqual(await survivors(TAG), []);
});

Deno.test("the wire decoder is strict and the TypeScript equality is type-strict", () => {
  assert.throws(() => decodeWire(["L", "x"]), /bad 'L'/);
  assert.throws(() => decodeWire({ toString: () => "N" }), /not a tagged array/);
  let deep: unknown = ["N"];
  for (let i = 0; i < 300; i++) deep = ["L", [deep]];
  assert.throws(() => decodeWire(deep), /too large or too deep/);
  const o = decodeWire(["O", [["__proto__", ["F", "1"]]]]) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), null);
  assert.equal(o.__proto__, 1);
  assert.ok(!strictEqual(true, 1));
  assert.ok(!strictEqual(null, undefined));
  assert.ok(!strictEqual([1, 2], { 0: 1, 1: 2 }));
  assert.ok(strictEqual(decodeWire(["O", [["a", ["L", [["F", "NaN"]]]]]]), { a: [NaN] }));
  assert.deepEqual(parseCallTests('assertEquals(g("a,b", [1]), {"k": [2, 3]});\n\n'), [{
    name: "g",
    args: ["a,b", [1]],
    expected: { k: [2, 3] },
    source: 'assertEquals(g("a,b", [1]), {"k": [2, 3]});',
  }]);
});
