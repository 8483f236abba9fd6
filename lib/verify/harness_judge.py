# The trusted side of Python code runs. It holds the tests and never any candidate code: each job's
# candidate runs in its own bubblewrap sandbox (started here, one ahead, so a warm process waits
# for the next job) and answers requests over a pipe with plain typed data (see
# harness_candidate.py). The tests run here, in fresh globals, where every name the candidate
# defines is a proxy that forwards calls to the sandbox and returns the decoded value; `==` in the
# tests is type-strict (bool apart from int). A pass is decided here and nowhere else.
#
# Protocol with the toolkit (one JSON object per line): a config line, then jobs
# {"program", "tests", "timeoutMs"}; each job gets {"status", "stderr", "ms", "exitCode"}.
import ast, builtins, decimal, fractions, importlib, json, marshal, os, re
import queue, select, signal, socket, subprocess, sys, threading, time

MAX_REPLY = 32 << 20
MAX_NODES = 2_000_000
MAX_DEPTH = 200
STDERR_TAIL = 16 << 10
WARM = 2
INT_RE = re.compile(r"-?[0-9]{1,4300}")
FLOAT_RE = re.compile(r"-?(inf|nan|[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?)")


class CandidateTimeout(BaseException):
    """The candidate did not answer in time (a BaseException so tests cannot swallow it)."""


class CandidateGone(BaseException):
    """The candidate's process ended or broke the protocol."""


class CandidateRaised(Exception):
    """The candidate raised an exception that has no builtin counterpart here."""


class BadReply(Exception):
    pass


class Run:
    """One candidate process and its pipes."""

    def __init__(self, proc, deadline):
        self.proc = proc
        self.deadline = deadline
        self.buf = bytearray()
        self.err = bytearray()
        self.broken = None

    def _drain_err(self, data):
        self.err += data
        if len(self.err) > STDERR_TAIL:
            del self.err[: len(self.err) - STDERR_TAIL]

    def request(self, msg):
        if self.broken:
            raise self.broken
        try:
            return self._request(msg)
        except (CandidateTimeout, CandidateGone) as e:
            self.broken = e
            raise

    def _request(self, msg):
        body = marshal.dumps(msg)
        out = memoryview(len(body).to_bytes(4, "little") + body)
        fin, fout, ferr = self.proc.stdin.fileno(), self.proc.stdout.fileno(), self.proc.stderr.fileno()
        readers = [fout, ferr]
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[: nl + 1]
                return line
            if len(self.buf) > MAX_REPLY:
                raise CandidateGone("the candidate's answer is longer than 32 MiB")
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise CandidateTimeout("the candidate did not answer in time")
            r, w, _ = select.select(readers, [fin] if out else [], [], left)
            if w:
                try:
                    n = os.write(fin, out[: 1 << 16])
                except OSError:
                    raise CandidateGone("the candidate's process closed its input")
                out = out[n:]
            for fd in r:
                data = os.read(fd, 1 << 16)
                if fd == ferr:
                    if data:
                        self._drain_err(data)
                    else:
                        readers.remove(ferr)
                elif data:
                    self.buf += data
                else:
                    raise CandidateGone("the candidate's process ended")

    def close(self):
        kill(self.proc)
        # Collect what is left of stderr (the process is gone, so this cannot block long).
        try:
            while True:
                r, _, _ = select.select([self.proc.stderr], [], [], 0.05)
                data = os.read(self.proc.stderr.fileno(), 1 << 16) if r else b""
                if not data:
                    break
                self._drain_err(data)
        except OSError:
            pass
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        return self.proc.returncode


def kill(proc):
    if type(proc) is Forked:
        proc.end()
        return
    # bwrap runs in its own session; killing the session kills bwrap, whose sandbox child has
    # the parent-death signal set, and the end of the sandbox's PID namespace kills the rest.
    for target in (lambda: os.killpg(proc.pid, signal.SIGKILL), lambda: proc.kill()):
        try:
            target()
        except (OSError, ProcessLookupError):
            pass
    proc.wait()


class Forked:
    """A candidate forked by the zygote: its pipes, and the control socket of its keeper, which
    kills the run when this side shuts the socket and answers with the wait status once every
    process of the run is gone."""

    def __init__(self, zygote, stdin, stdout, stderr, ctl):
        # The bubblewrap process of the zygote that forked it: once that has ended, so has this.
        self.zygote = zygote
        self.stdin = os.fdopen(stdin, "wb", buffering=0)
        self.stdout = os.fdopen(stdout, "rb", buffering=0)
        self.stderr = os.fdopen(stderr, "rb", buffering=0)
        self.ctl = ctl
        self.returncode = None

    def end(self):
        if self.ctl is None:
            return
        ctl, self.ctl = self.ctl, None
        try:
            ctl.shutdown(socket.SHUT_WR)
            ctl.settimeout(10)
            status = ctl.recv(4)
            if len(status) == 4:
                self.returncode = os.waitstatus_to_exitcode(int.from_bytes(status, "little", signed=True))
        except (OSError, ValueError):
            pass
        ctl.close()

    def wait(self):
        return self.returncode

    def alive(self):
        """False once its keeper has ended or answered (its zygote died, say): a warm candidate is
        checked before it gets a job."""
        try:
            return (self.ctl is not None and not select.select([self.ctl], [], [], 0)[0]
                    and self.zygote.poll() is None)
        except (OSError, ValueError):
            return False


class Zygote:
    """The pre-started interpreter that forks candidates (harness_zygote.py), inside bubblewrap.
    Started again whenever it is gone or does not answer; a run it was serving then ends as an
    error, never as a pass."""

    def __init__(self, argv, env, user):
        self.argv, self.env, self.user = argv, env, user
        self.proc = None
        self.sock = None
        self.lock = threading.Lock()
        # "new" until it first forks a candidate, then "up"; "off" where it never could.
        self.state = "new"

    def _start(self):
        self.stop()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=theirs, stdout=subprocess.DEVNULL, start_new_session=True,
                env=self.env, cwd="/", **self.user,
            )
        finally:
            theirs.close()
        self.sock = mine
        mine.settimeout(30)
        if mine.recv(1) != b"r":
            raise OSError("the zygote did not start")

    def stop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            kill(self.proc)
            self.proc = None

    def fork(self):
        with self.lock:
            for attempt in (0, 1):
                pipes = [os.pipe() for _ in range(3)]
                mine, theirs = socket.socketpair()
                ends = [pipes[0][0], pipes[1][1], pipes[2][1], theirs.fileno()]
                try:
                    if self.proc is None or self.proc.poll() is not None:
                        self._start()
                    self.sock.settimeout(10)
                    socket.send_fds(self.sock, [b"f"], ends)
                    ok = self.sock.recv(1) == b"k"
                except OSError:
                    ok = False
                for fd in ends[:3]:
                    os.close(fd)
                theirs.close()
                if ok:
                    self.state = "up"
                    return Forked(self.proc, pipes[0][1], pipes[1][0], pipes[2][0], mine)
                for fd in (pipes[0][1], pipes[1][0], pipes[2][0]):
                    os.close(fd)
                mine.close()
                self.stop()
                if attempt:
                    raise OSError("the zygote could not fork a candidate")


class Remote:
    """A candidate value that is not plain data: only calls, attribute reads and writes cross."""

    __slots__ = ("_run", "_key", "_type")

    def __init__(self, run, key, typename):
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_type", typename)

    def __call__(self, *args, **kwargs):
        return ask(self._run, {
            "op": "call",
            "f": self._key,
            "a": [encode(a) for a in args],
            "k": [[k, encode(v)] for k, v in kwargs.items()],
        })

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return ask(self._run, {"op": "getattr", "o": self._key, "n": name})

    def __setattr__(self, name, value):
        ask(self._run, {"op": "setattr", "o": self._key, "n": name, "v": encode(value)})

    def __eq__(self, other):
        return type(other) is Remote and other._run is self._run and other._key == self._key

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((id(self._run), self._key))

    def __bool__(self):
        # The candidate says; it could as well have returned True or False itself.
        value = ask(self._run, {"op": "bool", "o": self._key})
        if type(value) is not bool:
            raise TypeError("the candidate's truth value is not a bool")
        return value

    def __repr__(self):
        return f"<candidate {self._type}>"


BUILTIN_TYPES = {
    name: cls for name, cls in vars(builtins).items()
    if isinstance(cls, type) and not issubclass(cls, BaseException)
}
PLAIN_SEQ = {list: "L", tuple: "T", set: "E", frozenset: "Z"}


def encode(x, depth=0):
    """Test-side values for a request (sent in marshal format): plain types exactly, or a handle
    the candidate gave."""
    if depth > MAX_DEPTH:
        raise ValueError("argument nested deeper than 200 levels")
    t = type(x)
    if x is None:
        return ["N"]
    if t is bool:
        return ["B", x]
    if t is int:
        return ["I", x]
    if t is float:
        return ["F", repr(x)]
    if t is complex:
        return ["C", repr(x.real), repr(x.imag)]
    if t is str:
        return ["S", x]
    if t is bytes:
        return ["Y", x.hex()]
    if t is bytearray:
        return ["A", bytes(x).hex()]
    if t in PLAIN_SEQ or (isinstance(x, tuple) and hasattr(x, "_fields")):
        return [PLAIN_SEQ.get(t, "T"), [encode(v, depth + 1) for v in x]]
    if isinstance(x, dict):
        return ["D", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in x.items()]]
    if t is range:
        return ["R", x.start, x.stop, x.step]
    if t is Remote:
        return ["H", x._key]
    if t is type and BUILTIN_TYPES.get(x.__name__) is x:
        return ["P", x.__name__]
    raise TypeError(f"cannot pass a {t.__name__} to the candidate")


def text(hexed):
    """A string from the hex of its UTF-8 bytes (lone surrogates kept, as Python allows them);
    ValueError when it is not that."""
    return bytes.fromhex(hexed).decode("utf-8", "surrogatepass")


class Decoder:
    def __init__(self, run):
        self.run = run
        self.nodes = 0

    def items(self, v, depth):
        if len(v) != 2 or type(v[1]) is not list:
            raise BadReply("bad sequence")
        return [self.dec(x, depth + 1) for x in v[1]]

    def dec(self, v, depth=0):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise BadReply("answer too large or too deep")
        if type(v) is not list or not v or type(v[0]) is not str:
            raise BadReply("not a tagged value")
        tag, n = v[0], len(v)
        if tag == "N" and n == 1:
            return None
        if tag == "B" and n == 2 and type(v[1]) is bool:
            return v[1]
        if tag == "I" and n == 2 and type(v[1]) is str and INT_RE.fullmatch(v[1]):
            return int(v[1])
        if tag == "F" and n == 2 and type(v[1]) is str and FLOAT_RE.fullmatch(v[1]):
            return float(v[1])
        if tag == "C" and n == 3 and all(type(s) is str and FLOAT_RE.fullmatch(s) for s in v[1:]):
            return complex(float(v[1]), float(v[2]))
        if tag == "S" and n == 2 and type(v[1]) is str:
            return text(v[1])
        if tag in ("Y", "A") and n == 2 and type(v[1]) is str and " " not in v[1]:
            b = bytes.fromhex(v[1])
            return b if tag == "Y" else bytearray(b)
        if tag == "L":
            return self.items(v, depth)
        if tag == "T":
            return tuple(self.items(v, depth))
        if tag == "E":
            return set(self.items(v, depth))
        if tag == "Z":
            return frozenset(self.items(v, depth))
        if tag == "G":
            return iter(self.items(v, depth))
        if tag == "K":
            return dict.fromkeys(self.items(v, depth)).keys()
        if tag == "J":
            pairs = self.items(v, depth)
            if not all(type(p) is tuple and len(p) == 2 for p in pairs):
                raise BadReply("dict items must be pairs")
            return dict(pairs).items()
        if tag == "V":
            return dict(enumerate(self.items(v, depth))).values()
        if tag == "D" and n == 2 and type(v[1]) is list:
            out = {}
            for pair in v[1]:
                if type(pair) is not list or len(pair) != 2:
                    raise BadReply("dict entries must be pairs")
                out[self.dec(pair[0], depth + 1)] = self.dec(pair[1], depth + 1)
            return out
        if tag == "R" and n == 4 and all(type(i) is int for i in v[1:]) and v[3] != 0:
            return range(v[1], v[2], v[3])
        if tag == "M" and n == 2 and type(v[1]) is str and len(v[1]) < 400:
            return decimal.Decimal(text(v[1]))
        if tag == "Q" and n == 3 and all(type(s) is str and INT_RE.fullmatch(s) for s in v[1:]):
            return fractions.Fraction(int(v[1]), int(v[2]))
        if tag == "H" and n == 3 and type(v[1]) is int and type(v[2]) is str and len(v[2]) <= 320:
            return Remote(self.run, v[1], text(v[2]))
        raise BadReply(f"bad value tagged {tag[:10]!r}")


EXCEPTIONS = {
    name: cls for name, cls in vars(builtins).items()
    if isinstance(cls, type) and issubclass(cls, Exception)
}


def ask(run, msg):
    """Sends one request and returns the decoded answer, or raises the candidate's exception."""
    line = run.request(msg)
    try:
        reply = json.loads(line)
        if type(reply) is not list or not reply:
            raise BadReply("not a tagged answer")
        if reply[0] == "v" and len(reply) == 2:
            return Decoder(run).dec(reply[1])
        if reply[0] != "e" or len(reply) != 3 or not all(type(x) is str for x in reply[1:]):
            raise BadReply("not a tagged answer")
        name, message = text(reply[1])[:100], text(reply[2])[-2000:]
    except (BadReply, ValueError, TypeError, KeyError, RecursionError, MemoryError) as e:
        run.broken = CandidateGone(f"the candidate's answer could not be read: {e}")
        raise run.broken
    raise EXCEPTIONS.get(name, CandidateRaised)(f"the candidate raised {name}: {message}")


def strict_eq(a, b):
    """`==` of the tests: bool is not int, sequences compare item by item with the same rule."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta in (list, tuple) and tb is ta:
        return len(a) == len(b) and all(strict_eq(x, y) for x, y in zip(a, b))
    if ta is dict and tb is dict:
        return a.keys() == b.keys() and all(strict_eq(a[k], b[k]) for k in a)
    return a == b


class StrictCompare(ast.NodeTransformer):
    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in (ast.Eq, ast.NotEq):
            return node
        # `x == True` / `x == False` keep Python's meaning (a 0/1 predicate is accepted), so
        # gold solutions that return 1 and 0 for truth values still pass; elsewhere bool is not int.
        if any(type(side) is ast.Constant and type(side.value) is bool
               for side in (node.left, node.comparators[0])):
            return node
        call = ast.Call(ast.Name("__acq_eq__", ast.Load()), [node.left, node.comparators[0]], [])
        return call if type(node.ops[0]) is ast.Eq else ast.UnaryOp(ast.Not(), call)


def free_names(tree):
    bound, loaded = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (loaded if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(n.name)
        elif isinstance(n, ast.alias):
            bound.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return sorted(loaded - bound - set(dir(builtins)))


_compiled = {}


def compile_tests(tests):
    hit = _compiled.get(tests)
    if hit:
        return hit
    tree = ast.parse(tests, "tests.py")
    names = free_names(tree)
    code = compile(ast.fix_missing_locations(StrictCompare().visit(tree)), "tests.py", "exec")
    if len(_compiled) > 4096:
        _compiled.clear()
    _compiled[tests] = (code, names)
    return code, names


def judge(run, program, tests, own):
    """Runs the tests against the candidate; returns the status and a message."""
    try:
        ask(run, {"op": "load", "src": program})
    except CandidateTimeout as e:
        return "timeout", str(e)
    except CandidateGone as e:
        return "error", str(e)
    except Exception as e:
        return "error", "the program does not load: " + str(e).split(":")[0].replace("the candidate raised ", "")
    try:
        code, names = compile_tests(tests)
    except SyntaxError as e:
        return "error", f"the tests do not compile: {e}"
    scope = {"__builtins__": builtins, "__name__": "__acq_tests__", "__acq_eq__": strict_eq}
    # Where the job names the functions under test, only those come from the candidate (even
    # where they shadow a builtin or a module); otherwise every free name of the tests that is
    # not a builtin does. Standard modules the tests use are always the judge's own.
    remote = list(own) if own else []
    for name in names:
        if name in sys.stdlib_module_names and name not in own:
            try:
                scope[name] = importlib.import_module(name)
                continue
            except ImportError:
                pass
        if not own:
            remote.append(name)
    try:
        if remote:
            line = run.request({"op": "names", "names": remote})
            try:
                reply = json.loads(line)
                vals = reply[1][1] if reply[0] == "v" and reply[1][0] == "L" else None
            except (ValueError, TypeError, IndexError, KeyError, RecursionError):
                vals = None
            if type(vals) is not list or len(vals) != len(remote):
                return "error", "the candidate's names could not be read"
            for name, v in zip(remote, vals):
                if v != ["X"]:
                    scope[name] = Decoder(run).dec(v)
        exec(code, scope)
    except CandidateTimeout as e:
        return "timeout", str(e)
    except CandidateGone as e:
        return "error", str(e)
    except BaseException as e:
        return "fail", f"{type(e).__name__}: {e}"[-2000:]
    if run.broken:
        return ("timeout" if isinstance(run.broken, CandidateTimeout) else "error"), str(run.broken)
    return "pass", ""


def main():
    # The protocol gets private copies of stdin and stdout, so tests that print or read input
    # cannot garble it: their prints go to stderr and their input is empty.
    jobs = os.fdopen(os.dup(0), "r")
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = sys.stderr
    config = json.loads(jobs.readline())
    argv, env = config["argv"], config["env"]
    uid0, uids = config["uidBase"], config["uidCount"]
    limits = config["limits"]
    root = os.getuid() == 0
    counter = [0]
    # The candidate's runner sets its own limits from these arguments before it loads anything.
    limit_args = [str(limits[k]) for k in ("as", "cpu", "fsize", "nproc")]

    def ids():
        uid = uid0 + counter[0] % uids
        counter[0] += 1
        return {"user": uid, "group": uid, "extra_groups": []} if root else {}

    zygote = Zygote(config["zygote"], env, ids()) if config.get("zygote") else None
    notes = []

    def spawn():
        if zygote and zygote.state != "off":
            try:
                return zygote.fork()
            except OSError as e:
                if zygote.state == "up":
                    raise
                # It never started here: say so once, and start each candidate on its own.
                zygote.state = "off"
                notes.append(f"sandbox: the zygote does not start here ({e}); each candidate "
                             "starts a sandbox of its own instead (as isolated, but slower)")
        # No preexec function: subprocess can then vfork, and it is safe from the filler thread.
        return subprocess.Popen(
            argv + limit_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, env=env, cwd="/", bufsize=0, **ids(),
        )

    # Sandboxes started ahead by a filler thread, waiting for their jobs: their interpreters start
    # while this judge and the other workers are busy, so a job rarely waits for one.
    ready = queue.Queue()
    wanted = queue.Queue()

    def filler():
        while wanted.get():
            try:
                ready.put(spawn())
            except OSError as e:
                ready.put(e)

    for _ in range(WARM):
        wanted.put(True)
    thread = threading.Thread(target=filler, daemon=True)
    thread.start()
    for line in jobs:
        job = json.loads(line)
        t0 = time.monotonic()
        proc = ready.get()
        wanted.put(True)
        # A failed start, or a warm candidate already gone (its zygote died): a fresh one, a
        # few tries at most; a run that still has none ends as an error below.
        for _ in range(3):
            if not isinstance(proc, OSError) and (type(proc) is not Forked or proc.alive()):
                break
            if not isinstance(proc, OSError):
                kill(proc)
            try:
                proc = spawn()
            except OSError as e:
                proc = e
        if isinstance(proc, OSError):
            out.write(json.dumps({
                "status": "error",
                "stderr": f"the sandbox could not start: {proc}",
                "ms": (time.monotonic() - t0) * 1000,
                "exitCode": None,
            }) + "\n")
            out.flush()
            continue
        run = Run(proc, t0 + job["timeoutMs"] / 1000)
        status, message = judge(run, job["program"], job.get("tests") or "", job.get("names") or [])
        code = run.close()
        if status == "error" and code == -signal.SIGXCPU and run.broken:
            status = "timeout"
        stderr = run.err.decode("utf-8", "replace")
        if message:
            stderr = (stderr + "\n" + message).strip()
        out.write(json.dumps({
            "status": status,
            "stderr": stderr[-2000:],
            "ms": (time.monotonic() - t0) * 1000,
            "exitCode": code if code is not None and code >= 0 else None,
            # Said once, with the next verdict: the toolkit prints it.
            **({"note": notes.pop()} if notes else {}),
        }) + "\n")
        out.flush()
    wanted.put(False)
    thread.join()
    while not ready.empty():
        proc = ready.get_nowait()
        if not isinstance(proc, OSError):
            kill(proc)
    if zygote:
        zygote.stop()

main()
