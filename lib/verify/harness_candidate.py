# The candidate side of a Python code run. It runs inside the bubblewrap sandbox, holds the
# candidate's program and nothing else (no tests, no expected values, no token), and answers the
# trusted judge's requests on a private channel: load the program, look up names, call functions,
# get and set attributes. Every answer is plain typed data (see encode); a non-plain value stays
# here and crosses as a handle. Nothing here is trusted: the candidate may rewrite any of it, and
# all it can gain is to choose its own answers, which the judge decodes strictly and compares.
import os, sys, json, traceback

_rd = os.fdopen(os.dup(0), "rb")
_wr = os.fdopen(os.dup(1), "wb")
# The candidate's own prints go to stderr; its stdin is empty.
os.dup2(2, 1)
_null = os.open("/dev/null", os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
sys.stdout = sys.stderr

_objs = {}
_MAX_ITEMS = 1_000_000


def _handle(x):
    key = len(_objs) + 1
    _objs[key] = x
    return ["H", key, type(x).__name__[:80]]


def _items(xs, depth):
    return [_enc(x, depth + 1) for x in xs]


def _enc(x, depth=0):
    if depth > 200:
        raise ValueError("value nested deeper than 200 levels")
    t = type(x)
    if x is None:
        return ["N"]
    if t is bool:
        return ["B", x]
    if isinstance(x, int) and t is not bool:
        return ["I", str(int(x))]
    if isinstance(x, float):
        return ["F", repr(float(x))]
    if isinstance(x, complex):
        return ["C", repr(x.real), repr(x.imag)]
    if isinstance(x, str):
        return ["S", str(x)]
    if isinstance(x, bytes):
        return ["Y", bytes(x).hex()]
    if isinstance(x, bytearray):
        return ["A", bytes(x).hex()]
    if isinstance(x, list):
        return ["L", _items(x, depth)]
    if isinstance(x, tuple):
        return ["T", _items(x, depth)]
    if isinstance(x, dict):
        return ["D", [[_enc(k, depth + 1), _enc(v, depth + 1)] for k, v in x.items()]]
    if isinstance(x, set):
        return ["E", _items(x, depth)]
    if isinstance(x, frozenset):
        return ["Z", _items(x, depth)]
    if t is range:
        return ["R", x.start, x.stop, x.step]
    name = t.__name__
    if name in ("dict_keys", "dict_items"):
        return ["K" if name == "dict_keys" else "J", _items(x, depth)]
    if name == "dict_values":
        return ["V", _items(x, depth)]
    if name in ("Decimal", "Fraction"):
        return ["M", str(x)] if name == "Decimal" else ["Q", str(x.numerator), str(x.denominator)]
    if hasattr(t, "__next__") and hasattr(t, "__iter__"):
        out = []
        for item in x:
            if len(out) >= _MAX_ITEMS:
                raise ValueError("iterator longer than a million items")
            out.append(_enc(item, depth + 1))
        return ["G", out]
    return _handle(x)


def _dec(v):
    tag = v[0]
    if tag == "N":
        return None
    if tag in ("B", "S"):
        return v[1]
    if tag == "I":
        return int(v[1])
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


def _answer(req):
    op = req["op"]
    if op == "load":
        exec(compile(req["src"], "candidate.py", "exec"), _scope)
        return ["N"]
    if op == "names":
        return ["L", [_enc(_scope[n]) if n in _scope else ["X"] for n in req["names"]]]
    if op == "call":
        f = _objs[req["f"]]
        args = [_dec(a) for a in req["a"]]
        kwargs = {k: _dec(a) for k, a in req["k"]}
        return _enc(f(*args, **kwargs))
    if op == "getattr":
        return _enc(getattr(_objs[req["o"]], req["n"]))
    if op == "bool":
        return ["B", bool(_objs[req["o"]])]
    if op == "setattr":
        setattr(_objs[req["o"]], req["n"], _dec(req["v"]))
        return ["N"]
    raise ValueError("unknown request " + repr(op))


while True:
    line = _rd.readline()
    if not line:
        break
    try:
        reply = {"v": _answer(json.loads(line))}
    except BaseException as e:
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        reply = {"e": type(e).__name__, "m": tb[-2000:]}
    try:
        data = json.dumps(reply, separators=(",", ":")).encode() + b"\n"
    except BaseException as e:
        data = json.dumps({"e": type(e).__name__, "m": "the answer could not be encoded"}).encode() + b"\n"
    sys.stderr.flush()
    _wr.write(data)
    _wr.flush()
