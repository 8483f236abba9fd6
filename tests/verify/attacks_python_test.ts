import assert from "node:assert/strict";
import { loadDataset } from "../../lib/data/loaders.ts";
import type { TaskRecord } from "../../lib/data/record.ts";
import { codeJob } from "../../lib/verify/code.ts";
import { createSandbox, type Sandbox, type SandboxJob } from "../../lib/verify/sandbox.ts";
import { SHARED_DATA, sharedFile } from "../shared_data.ts";
import { hostSnapshot, listeners, markerFiles, survivors } from "./attacks_shared.ts";

// Every process of these runs carries TAG in its environment; escapes name their files after it.
const TAG = `acqattack${crypto.randomUUID().slice(0, 8)}`;
const OPTIONS = { timeoutMs: 2500, memoryMb: 256, concurrency: 2, tag: TAG };
// Both ways a Python candidate starts: its own bubblewrap sandbox, or forked by a zygote.
const MODES: [string, Sandbox][] = [
  ["bubblewrap per run", await createSandbox({ ...OPTIONS, zygote: false })],
  ["zygote", await createSandbox({ ...OPTIONS, zygote: true })],
];
const REPO = new URL("../../", import.meta.url).pathname;

const ADD: TaskRecord = {
  id: "add",
  domain: "code",
  question: "Add two numbers.",
  answerKind: "code",
  answer: "def add(a, b):\n    return a + b\n",
  tests: ["assert add(2, 3) == 5", "assert add(-1, 1) == 0", "assert add(10, 5) == 15"],
  meta: { language: "python" },
};

/** Items to attack: a built-in one, and MBPP and HumanEval-format ones where the data is here. */
async function items(): Promise<TaskRecord[]> {
  const out = [ADD];
  const mbpp = await sharedFile("code/mbpp.jsonl");
  const he = await sharedFile("code/mbpp_sanitized_humaneval_format.jsonl");
  if (mbpp) out.push(...(await loadDataset("mbpp", mbpp)).records.slice(0, 1));
  if (he) out.push(...(await loadDataset("humaneval", he)).records.slice(0, 1));
  return out;
}

/** The function the tests call: HumanEval's entry point, else the reference's first `def`. */
function entry(r: TaskRecord): string {
  return typeof r.meta.entryPoint === "string"
    ? r.meta.entryPoint
    : /^def\s+(\w+)/m.exec(r.answer)![1];
}

const DAEMON = [
  `# ${TAG}`,
  "import os, time",
  "for i in range(200):",
  "    for d in ('/tmp', '/sandbox', '/dev/shm', '/var/tmp'):",
  "        try:",
  `            open(d + '/${TAG}', 'w').write('x')`,
  "        except OSError:",
  "            pass",
  "    for p in os.listdir('/proc'):",
  "        if p.isdigit() and int(p) != os.getpid():",
  "            try:",
  "                os.kill(int(p), 9)",
  "            except OSError:",
  "                pass",
  "    time.sleep(0.02)",
].join("\n");

/** Wrong programs that try to be judged right without being right; `f` is the function's name. */
const ATTACKS: Record<string, (f: string) => string> = {
  "sys.exit(0) while loading": () => "import sys\nsys.exit(0)\n",
  "os._exit(0) while loading": () => "import os\nos._exit(0)\n",
  "os._exit(0) inside the call": (f) => `def ${f}(*a, **k):\n    import os\n    os._exit(0)\n`,
  "SystemExit and KeyboardInterrupt inside the call": (f) =>
    `def ${f}(*a, **k):\n    raise KeyboardInterrupt() if a else SystemExit(0)\n`,
  "printing pass tokens and fake answers": (f) =>
    `import os\nprint('ACQSYNTH-PASS-0')\nos.write(1, b'{"v":["B",true]}\\n' * 50)\n` +
    `def ${f}(*a, **k):\n    os.write(1, b'{"v":["N"]}\\n' * 5)\n    print('{"v":["B",true]}')\n`,
  "patching builtins": (f) =>
    "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n" +
    "builtins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\n" +
    "builtins.set = lambda *a: 0\nbuiltins.sorted = lambda *a, **k: 0\n" +
    `def ${f}(*a, **k):\n    return 0\n`,
  "patching the runner's functions": (f) =>
    "import sys\nm = sys.modules['__main__']\nfor name in list(vars(m)):\n" +
    "    if name.startswith('_') and callable(getattr(m, name)):\n" +
    "        setattr(m, name, lambda *a, **k: ['B', True])\n" +
    `def ${f}(*a, **k):\n    return True\n`,
  "an object equal to everything": (f) =>
    "class E:\n    __eq__ = lambda s, o: True\n    __ne__ = lambda s, o: False\n" +
    "    __hash__ = lambda s: 0\n    __bool__ = lambda s: True\n    __len__ = lambda s: 3\n" +
    "    __iter__ = lambda s: iter([])\n    __lt__ = __gt__ = __le__ = __ge__ = lambda s, o: True\n" +
    `def ${f}(*a, **k):\n    return E()\n`,
  "int, str and tuple subclasses equal to everything": (f) =>
    "class I(int):\n    __eq__ = lambda s, o: True\n    __hash__ = lambda s: 0\n" +
    "class T(tuple):\n    __eq__ = lambda s, o: True\n" +
    "class S(str):\n    __eq__ = lambda s, o: True\n" +
    `n = 0\ndef ${f}(*a, **k):\n    global n\n    n += 1\n    return [I(-7), T(), S('')][n % 3]\n`,
  "hunting expected values in frames, gc and inspect": (f) =>
    "import gc, inspect, sys\n" +
    `def ${f}(*a, **k):\n    seen = []\n    fr = sys._getframe()\n    while fr:\n` +
    "        seen += [v for v in fr.f_locals.values() if v not in a]\n        fr = fr.f_back\n" +
    "    seen += [o for o in gc.get_objects() if isinstance(o, (tuple, list)) and o and o != list(a)][:50]\n" +
    "    for s in inspect.stack():\n        seen.append(s.code_context)\n" +
    "    return seen[-1] if seen else None\n",
  "reading its own source and the tests": (f) =>
    "import glob, os\n" +
    `def ${f}(*a, **k):\n    found = []\n` +
    "    for p in glob.glob('/**/*.py', recursive=True) + ['/proc/self/cmdline', '/proc/1/cmdline']:\n" +
    "        try:\n            found.append(open(p, 'rb').read()[-200:])\n        except OSError:\n            pass\n" +
    "    return found\n",
  "a detached double fork that outlives the run": (f) =>
    "import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n" +
    `        os.execv(sys.executable, [sys.executable, '-c', ${JSON.stringify(DAEMON)}])\n` +
    `    os._exit(0)\nimport time\ntime.sleep(0.2)\ndef ${f}(*a, **k):\n    return None\n`,
  "kill -9 -1 and every visible pid": (f) =>
    `import os\ndef ${f}(*a, **k):\n    for p in [-1] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n` +
    "        try:\n            os.kill(p, 9)\n        except OSError:\n            pass\n",
  "a fork bomb": () =>
    "import os, sys\n" +
    `os.execv(sys.executable, [sys.executable, '-c', "# ${TAG}\\nimport os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass"])\n`,
  "a memory bomb": () => "xs = []\nwhile True:\n    xs.append(bytearray(64 << 20))\n",
  "a loop that never answers": (f) => `def ${f}(*a, **k):\n    while True:\n        pass\n`,
  "a thread that floods stderr": (f) =>
    "import threading, sys\ndef spam():\n    while True:\n        sys.stderr.write('x' * 65536)\n" +
    `threading.Thread(target=spam, daemon=True).start()\ndef ${f}(*a, **k):\n    return 0\n`,
};

/** Python lines that define `libc` and the add_key and keyctl syscall numbers of this machine. */
const KEYCTL = [
  "libc = ctypes.CDLL(None, use_errno=True)",
  "ADD_KEY, KEYCTL_SYS = {'x86_64': (248, 250), 'aarch64': (217, 219)}[__import__('os').uname().machine]",
].join("\n");

/** A probe passes only if its escape worked: `probe()` returns True, the test wants True. */
function probe(body: string): SandboxJob {
  return {
    language: "python",
    program: `def probe():\n${body.split("\n").map((l) => "    " + l).join("\n")}\n`,
    tests: "assert probe() == True",
    names: ["probe"],
  };
}

function suite(mode: string, sandbox: Sandbox) {
  Deno.test(`python (${mode}): attacks on built-in, MBPP and HumanEval-format items are never judged pass; correct runs beside them pass; nothing survives`, async () => {
    const recs = await items();
    // A folder of this test and the shared data: escapes would try to write there.
    const mine = await Deno.makeTempDir({ prefix: `${TAG}_guard_` });
    await Deno.writeTextFile(`${mine}/kept.txt`, "kept");
    await Deno.chmod(mine, 0o777);
    const guard = [mine, SHARED_DATA + "code"];
    const before = await hostSnapshot(guard);
    const jobs: { job: SandboxJob; attack: string | null; id: string }[] = [];
    for (const r of recs) {
      for (const [name, attack] of Object.entries(ATTACKS)) {
        jobs.push({ job: codeJob(r, attack(entry(r))), attack: name, id: r.id });
        // A correct run right after each attack, concurrent with the next one.
        jobs.push({ job: codeJob(r, r.answer), attack: null, id: r.id });
      }
    }
    const results = await sandbox.runAll(jobs.map((j) => j.job));
    const wrong = jobs.flatMap((j, i) => {
      const s = results[i].status;
      if (j.attack && s === "pass") return [`${j.id}: '${j.attack}' was judged pass`];
      if (!j.attack && s !== "pass") {
        return [`${j.id}: gold beside attacks: ${s} ${results[i].stderr}`];
      }
      return [];
    });
    assert.deepEqual(wrong, []);
    assert.deepEqual(await survivors(TAG), [], "no process of any run survives");
    assert.deepEqual(await markerFiles(TAG), [], "no file of a run appeared on the host");
    assert.equal(await hostSnapshot(guard), before, "the guard folder and the data are unchanged");
    await Deno.remove(mine, { recursive: true });
  });

  Deno.test(`python (${mode}): probes: each escape would pass if it worked, and none does`, async () => {
    const net = listeners(TAG);
    try {
      // The probe's test is real: a probe that returns True passes. (A zygote's candidate is PID 1
      // of its own namespace; in a sandbox of its own, bubblewrap is.)
      const pid = mode === "zygote" ? 1 : 2;
      const control = await sandbox.run(probe(`import os\nreturn os.getpid() == ${pid}`));
      assert.equal(control.status, "pass", control.stderr);
      // First run writes everywhere it can; the next run looks for it.
      // Keys go to its session, user and user-session keyrings, which later runs must not see.
      const write = await sandbox.run(probe([
        "import ctypes, os",
        "for d in ('/tmp', '/dev/shm', '/var/tmp', '/sandbox', '/', '/dev', '/dev/pts'):",
        "    try:",
        `        open(d + '/${TAG}', 'w').write('x')`,
        "    except OSError:",
        "        pass",
        KEYCTL,
        "for ring in (-3, -4, -5):",
        `    libc.syscall(ADD_KEY, b'user', b'${TAG}', b'x', 1, ring)`,
        "return False",
      ].join("\n")));
      assert.equal(write.status, "fail");
      const probes: Record<string, string> = {
        "files of an earlier run persist": [
          "import os",
          `return any(os.path.exists(d + '/${TAG}') for d in ('/tmp', '/dev/shm', '/var/tmp', '/sandbox', '/', '/dev', '/dev/pts'))`,
        ].join("\n"),
        "keys of an earlier run are in its keyrings": [
          "import ctypes",
          KEYCTL,
          `return any(libc.syscall(KEYCTL_SYS, 10, ring, b'user', b'${TAG}', 0) >= 0 for ring in (-3, -4, -5))`,
        ].join("\n"),
        "it holds a capability, or could gain privileges": [
          "s = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)",
          "caps = [int(s[k], 16) for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')]",
          "return any(caps) or s['NoNewPrivs'].strip() != '1'",
        ].join("\n"),
        "a host unix socket answers": [
          "import socket",
          "s = socket.socket(socket.AF_UNIX)",
          `s.connect(${JSON.stringify(net.socketPath)})`,
          "return True",
        ].join("\n"),
        "TCP to 127.0.0.1 answers": [
          "import socket",
          `socket.create_connection(('127.0.0.1', ${net.port}), timeout=1)`,
          "return True",
        ].join("\n"),
        "host files are readable": [
          "ok = False",
          `for p in ('/etc/shadow', '/etc/passwd', ${JSON.stringify(SHARED_DATA)}, ${
            JSON.stringify(REPO + "deno.json")
          }, '/root', '/work'):`,
          "    try:",
          "        open(p).read(1)",
          "        ok = True",
          "    except IsADirectoryError:",
          "        ok = True",
          "    except OSError:",
          "        pass",
          "return ok",
        ].join("\n"),
        "the disk cap can be passed": [
          "total = 0",
          "for d in ('/sandbox', '/tmp', '/dev/shm'):",
          "    try:",
          "        with open(d + '/fill', 'wb') as f:",
          "            for i in range(64):",
          "                f.write(b'x' * (1 << 20))",
          "                f.flush()",
          "                total += 1",
          "    except OSError:",
          "        pass",
          "return total > 40",
        ].join("\n"),
        "host processes are visible": [
          "import os",
          "# Its own run is bubblewrap's init (1) and itself; anything else belongs to someone else.",
          "return any(int(p) not in (1, os.getpid()) for p in os.listdir('/proc') if p.isdigit())",
        ].join("\n"),
        "it runs as root": "import os\nreturn os.getuid() == 0 or os.geteuid() == 0",
        "it can make a user namespace of its own (and be root there)": [
          "import ctypes",
          "return ctypes.CDLL(None).unshare(0x10000000) == 0",
        ].join("\n"),
        "it can reach the network": [
          "import socket",
          "socket.create_connection(('1.1.1.1', 53), timeout=1)",
          "return True",
        ].join("\n"),
      };
      const names = Object.keys(probes);
      const runs = await sandbox.runAll(names.map((n) => probe(probes[n])));
      const escaped = names.filter((_, i) => runs[i].status === "pass");
      assert.deepEqual(escaped, []);
      assert.equal(net.accepted(), 0, "the host listeners saw no connection");
      assert.deepEqual(await markerFiles(TAG), []);
    } finally {
      await net.close();
    }
  });

  Deno.test(`python (${mode}): the expected value is never in the candidate's reach`, async () => {
    const secret = `SECRET_${crypto.randomUUID()}`;
    const hunt = [
      "import gc, os, sys",
      "def look(b):",
      "    if isinstance(b, str):",
      "        b = b.encode()",
      "    i = b.find(b'SECRET_') if isinstance(b, bytes) else -1",
      "    return b[i:i + 43].decode() if i >= 0 else None",
      "def hunt():",
      "    for o in gc.get_objects():",
      "        for v in (o if isinstance(o, (list, tuple)) else [o]):",
      "            r = look(v) if isinstance(v, (str, bytes)) else None",
      "            if r and r != 'SECRET_':",
      "                return r",
      "    fr = sys._getframe()",
      "    while fr:",
      "        for v in fr.f_locals.values():",
      "            r = look(repr(v))",
      "            if r and len(r) > 10:",
      "                return r",
      "        fr = fr.f_back",
      "    paths = ['/proc/self/cmdline', '/proc/self/environ', '/proc/1/cmdline', '/proc/1/environ']",
      "    paths += ['/proc/self/fd/' + n for n in os.listdir('/proc/self/fd')]",
      "    for top in ('/sandbox', '/tmp', '/dev/shm', '/etc'):",
      "        for root, dirs, files in os.walk(top):",
      "            paths += [os.path.join(root, n) for n in files]",
      "    for p in paths:",
      "        try:",
      "            r = look(open(p, 'rb').read(1 << 20))",
      "        except OSError:",
      "            r = None",
      "        if r:",
      "            return r",
      "    return 'not found'",
    ].join("\n");
    const r = await sandbox.run({
      language: "python",
      program: `${hunt}\n`,
      tests: `assert hunt() == ${JSON.stringify(secret)}`,
      names: ["hunt"],
    });
    assert.equal(r.status, "fail", r.stderr);
    assert.match(r.stderr, /AssertionError/);
  });
}

for (const [mode, sandbox] of MODES) suite(mode, sandbox);
