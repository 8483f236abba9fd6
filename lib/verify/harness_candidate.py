# The candidate side of a Python code run. It runs inside the bubblewrap sandbox, holds the
# candidate's program and nothing else (no tests, no expected values, no token), and answers the
# trusted judge's requests on a private channel: load the program, look up names, call functions,
# get and set attributes, take a truth value. Every answer is plain typed data; a value that is
# not plain stays here and crosses as a handle. Nothing here is trusted: the candidate may rewrite
# any of it, and all it can gain is to choose its own answers, which the judge decodes strictly.
#
# Requests come length-prefixed in marshal format (the judge makes them); answers go back as one
# line of JSON each, written here without the json module (whose import costs more than a bare
# interpreter start): ["v", VALUE] or ["e", NAME_HEX, MESSAGE_HEX], where a VALUE is a tagged
# list and every string is the hex of its UTF-8 bytes, so nothing needs escaping.
import os, sys, marshal, resource, select, _thread

# Limits first, before any candidate code: memory, CPU seconds, file size, processes (the judge
# passes them as arguments). Hard limits cannot be raised again by this unprivileged process.
for _res, _value in zip(
    (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC),
    sys.argv[1:5],
):
    resource.setrlimit(_res, (int(_value), int(_value)))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _watch(fd, _exit=os._exit, _poll=select.poll, _hup=select.POLLHUP | select.POLLERR):
    # When the judge is gone (its end of the request pipe closed), the run ends, even while the
    # candidate is busy or asleep in a call.
    p = _poll()
    p.register(fd, _hup)
    while True:
        for _fd, ev in p.poll():
            if ev & _hup:
                _exit(3)


_rd = os.fdopen(os.dup(0), "rb")
_thread.start_new_thread(_watch, (_rd.fileno(),))
_wr = os.fdopen(os.dup(1), "wb")
# The candidate's own prints go to stderr; its stdin is empty.
os.dup2(2, 1)
_null = os.open("/dev/null", os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
sys.stdout = sys.stderr

_objs = {}
_MAX_ITEMS = 1_000_000


def _hex(s):
    return s.encode("utf-8", "surrogatepass").hex()


def _seq(tag, xs, out, depth):
    out.append('["' + tag + '",[')
    first = True
    for x in xs:
        if not first:
            out.append(",")
        first = False
        _enc(x, out, depth + 1)
    out.append("]]")


def _enc(x, out, depth=0):
    if depth > 200:
        raise ValueError("value nested deeper than 200 levels")
    t = type(x)
    if x is None:
        out.append('["N"]')
    elif t is bool:
        out.append('["B",true]' if x else '["B",false]')
    elif isinstance(x, int):
        out.append('["I","%d"]' % int(x))
    elif isinstance(x, float):
        out.append('["F","' + repr(float(x)) + '"]')
    elif isinstance(x, complex):
        out.append('["C","' + repr(x.real) + '","' + repr(x.imag) + '"]')
    elif isinstance(x, str):
        out.append('["S","' + _hex(str(x)) + '"]')
    elif isinstance(x, bytes):
        out.append('["Y","' + bytes(x).hex() + '"]')
    elif isinstance(x, bytearray):
        out.append('["A","' + bytes(x).hex() + '"]')
    elif isinstance(x, list):
        _seq("L", x, out, depth)
    elif isinstance(x, tuple):
        _seq("T", x, out, depth)
    elif isinstance(x, dict):
        _seq("D", [_Pair(k, v) for k, v in x.items()], out, depth)
    elif isinstance(x, set):
        _seq("E", x, out, depth)
    elif isinstance(x, frozenset):
        _seq("Z", x, out, depth)
    elif t is _Pair:
        out.append("[")
        _enc(x.k, out, depth + 1)
        out.append(",")
        _enc(x.v, out, depth + 1)
        out.append("]")
    elif t is range:
        out.append('["R",%d,%d,%d]' % (x.start, x.stop, x.step))
    elif t.__name__ in ("dict_keys", "dict_items", "dict_values"):
        _seq({"dict_keys": "K", "dict_items": "J", "dict_values": "V"}[t.__name__], x, out, depth)
    elif t.__name__ == "Decimal":
        out.append('["M","' + _hex(str(x)) + '"]')
    elif t.__name__ == "Fraction":
        out.append('["Q","%d","%d"]' % (x.numerator, x.denominator))
    elif hasattr(t, "__next__") and hasattr(t, "__iter__"):
        items = []
        for item in x:
            if len(items) >= _MAX_ITEMS:
                raise ValueError("iterator longer than a million items")
            items.append(item)
        _seq("G", items, out, depth)
    else:
        key = len(_objs) + 1
        _objs[key] = x
        out.append('["H",%d,"%s"]' % (key, _hex(t.__name__[:80])))


class _Pair:
    __slots__ = ("k", "v")

    def __init__(self, k, v):
        self.k, self.v = k, v


def _dec(v):
    tag = v[0]
    if tag == "N":
        return None
    if tag in ("B", "S", "I"):
        return v[1]
    if tag == "F":
        return float(v[1])
    if tag == "C":
        return complex(float(v[1]), float(v[2]))
    if tag == "Y":
        return bytes.fromhex(v[1])
    if tag == "A":
        return bytearray.fromhex(v[1])
    if tag == "L":
        return [_dec(x) for x in v[1]]
    if tag == "T":
        return tuple(_dec(x) for x in v[1])
    if tag == "D":
        return {_dec(k): _dec(x) for k, x in v[1]}
    if tag == "E":
        return {_dec(x) for x in v[1]}
    if tag == "Z":
        return frozenset(_dec(x) for x in v[1])
    if tag == "R":
        return range(v[1], v[2], v[3])
    if tag == "H":
        return _objs[v[1]]
    if tag == "P":
        return getattr(__import__("builtins"), v[1])
    raise ValueError("unknown tag " + repr(tag))


_scope = {"__name__": "__main__", "__builtins__": __builtins__}


def _answer(req, out):
    op = req["op"]
    if op == "load":
        exec(compile(req["src"], "candidate.py", "exec"), _scope)
        out.append('["N"]')
    elif op == "names":
        # A name the program does not define is ["X"].
        out.append('["L",[')
        for i, n in enumerate(req["names"]):
            if i:
                out.append(",")
            if n in _scope:
                _enc(_scope[n], out)
            else:
                out.append('["X"]')
        out.append("]]")
    elif op == "call":
        args = [_dec(a) for a in req["a"]]
        kwargs = {k: _dec(a) for k, a in req["k"]}
        _enc(_objs[req["f"]](*args, **kwargs), out)
    elif op == "getattr":
        _enc(getattr(_objs[req["o"]], req["n"]), out)
    elif op == "setattr":
        setattr(_objs[req["o"]], req["n"], _dec(req["v"]))
        out.append('["N"]')
    elif op == "bool":
        out.append('["B",true]' if bool(_objs[req["o"]]) else '["B",false]')
    else:
        raise ValueError("unknown request " + repr(op))


while True:
    head = _rd.read(4)
    if len(head) < 4:
        break
    body = _rd.read(int.from_bytes(head, "little"))
    out = ['["v",']
    try:
        _answer(marshal.loads(body), out)
        out.append("]\n")
        data = "".join(out).encode()
    except BaseException as e:
        try:
            import traceback
            tb = traceback.format_exc()
            sys.stderr.write(tb)
        except BaseException:
            tb = ""
        try:
            name = type(e).__name__
        except BaseException:
            name = "BaseException"
        data = ('["e","' + _hex(str(name)[:100]) + '","' + _hex(tb[-2000:]) + '"]\n').encode()
    try:
        sys.stderr.flush()
    except BaseException:
        pass
    _wr.write(data)
    _wr.flush()
# Threads the candidate started must not keep the sandbox alive.
os._exit(0)
