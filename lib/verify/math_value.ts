/**
 * Scalar math expressions and their equality by value, decided exactly.
 *
 * Two expressions are equal when their difference is zero. Free symbols (and π and e, treated as
 * symbols: an identity that holds for every value holds for theirs) are replaced by random
 * positive rationals drawn from a cryptographic source, so a generator that has read this file
 * cannot aim an expression at the points (two draws, one above 2²³ and one below 2⁻²³; a nonzero
 * rational function of bounded degree vanishes at such a point with probability below 2⁻³⁰).
 * Where π or e occur, the difference must also enclose zero when evaluated with the constants
 * themselves (Machin's formula, Σ 1/k!) to within 2^-(w/2), w = 256 + 8 bits per character of
 * the two expressions' canonical text (capped at {@link MAX_BITS}), which
 * defeats branches (`|π - c|`, `\sqrt{(π - c)^2}`) placed between π and the random points. Then:
 *
 * 1. Without roots or fractional powers the difference is computed exactly in ℚ(i) (bigint).
 * 2. With real roots it is enclosed in a rigorous interval (bigint fixed point, outward rounding)
 *    at a precision set by a separation bound (Burnikel, Fleischer, Mehlhorn, Schirra: a nonzero
 *    algebraic expression E = U/L, U and L algebraic integers whose conjugates are at most 2^u
 *    and 2^l, U of degree at most D (the product of the indices of its distinct radicals), has
 *    |E| ≥ 2^-(l + (D - 1)·u); D² stands in for D - 1 here, for safety): an enclosure that
 *    excludes 0 proves "unequal", one inside the bound proves "equal".
 *    No tolerance is involved, so no near-miss, however close, is accepted.
 *
 * `n!`, `\binom{n}{k}` (integer arguments up to 1024) and `|x|` (x real) are evaluated too.
 * Every comparison has a work budget ({@link MAX_BITS} bits per number, a few million word
 * products in all, about 0.1 s): an expression that would cost more is undecided.
 *
 * Complex values are enclosed in rectangles; roots are taken of real radicands only (√ of a
 * negative number is imaginary). Functions such as `sin` compare by structure; a comparison that
 * cannot be decided (a root of a non-real value, a bound above {@link MAX_BITS}) answers "unequal".
 *
 * @module
 */

/** An exact rational p/q with q > 0. */
export interface Rational {
  readonly p: bigint;
  readonly q: bigint;
}

/** A scalar expression tree. `sym` names are case-sensitive; `fn` is an opaque function. */
export type Expr =
  | { readonly k: "num"; readonly v: Rational }
  | { readonly k: "sym"; readonly name: string }
  | { readonly k: "i" }
  | { readonly k: "inf"; readonly sign: 1 | -1 }
  | { readonly k: "add"; readonly xs: readonly Expr[] }
  | { readonly k: "mul"; readonly xs: readonly Expr[] }
  | { readonly k: "neg"; readonly x: Expr }
  | { readonly k: "div"; readonly a: Expr; readonly b: Expr }
  | { readonly k: "pow"; readonly a: Expr; readonly b: Expr }
  | { readonly k: "root"; readonly x: Expr; readonly n: number }
  | { readonly k: "fn"; readonly name: string; readonly args: readonly Expr[] };

/** The most bits any exact intermediate or interval precision may use; beyond, undecided. */
export const MAX_BITS = 1 << 14;
/** The largest integer exponent evaluated. */
const MAX_EXPONENT = 1024;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** p/q in lowest terms with q > 0; throws RangeError on a zero denominator. */
export function rational(p: bigint, q: bigint): Rational {
  if (q === 0n) throw new RangeError("Cannot build a rational: zero denominator");
  if (q < 0n) [p, q] = [-p, -q];
  const g = gcd(p, q) || 1n;
  return { p: p / g, q: q / g };
}

const bits = (x: bigint) => (x < 0n ? -x : x).toString(2).length;

/** Thrown inside evaluation when a method cannot decide; caught at the top. */
class Undecided extends Error {}

/**
 * What one comparison may still spend, in units of 64×64-bit word products (bigint products and
 * remainders cost about the square of their length in words); an adversarial expression whose
 * evaluation would cost more is undecided, hence unequal.
 */
export interface Work {
  left: number;
}

/** The work one answer comparison may spend (about 0.1 s), shared by all its parts. */
export const WORK_LIMIT = 4e6;

function charge(work: Work, x: bigint): void {
  const w = bits(x) / 64 + 1;
  work.left -= w * w;
  if (work.left < 0) throw new Undecided("work budget spent");
}

// ---- exact evaluation in ℚ(i) ----

/** Integer functions evaluated exactly on small integer arguments (|n| ≤ 1024). */
const INTEGER_FNS: Readonly<
  Record<string, { readonly arity: number; readonly eval: (xs: number[], work: Work) => bigint }>
> = Object.freeze({
  Factorial: {
    arity: 1,
    eval: ([n], work) => {
      if (n < 0) throw new Undecided("factorial of a negative number");
      let out = 1n;
      for (let k = 2; k <= n; k++) charge(work, out *= BigInt(k));
      return out;
    },
  },
  Binomial: {
    arity: 2,
    eval: ([n, k], work) => {
      if (n < 0 || k < 0 || k > n) return 0n;
      let out = 1n;
      for (let j = 1; j <= Math.min(k, n - k); j++) {
        charge(work, out = (out * BigInt(n - j + 1)) / BigInt(j));
      }
      return out;
    },
  },
});

interface Gauss {
  readonly re: Rational;
  readonly im: Rational;
}

const R0 = rational(0n, 1n);
const radd = (a: Rational, b: Rational) => rational(a.p * b.q + b.p * a.q, a.q * b.q);
const rmul = (a: Rational, b: Rational) => rational(a.p * b.p, a.q * b.q);
const rneg = (a: Rational): Rational => ({ p: -a.p, q: a.q });
const rbig = (a: Rational) => bits(a.p) > MAX_BITS || bits(a.q) > MAX_BITS;

function gcheck(z: Gauss): Gauss {
  if (rbig(z.re) || rbig(z.im)) throw new Undecided("exact value too large");
  return z;
}

/** Charges an operation on `a` and `b` before it runs: products, then gcds (quadratic). */
function pre(work: Work, a: Gauss, b: Gauss): void {
  const n = Math.max(bits(a.re.p), bits(a.re.q), bits(a.im.p), bits(a.im.q)) +
    Math.max(bits(b.re.p), bits(b.re.q), bits(b.im.p), bits(b.im.q));
  if (n > 2 * MAX_BITS) throw new Undecided("exact value too large");
  const w = n / 64 + 1;
  work.left -= 16 * w * w;
  if (work.left < 0) throw new Undecided("work budget spent");
}

const gadd = (a: Gauss, b: Gauss, work: Work): Gauss => (
  pre(work, a, b), gcheck({ re: radd(a.re, b.re), im: radd(a.im, b.im) })
);
const gmul = (a: Gauss, b: Gauss, work: Work): Gauss => (pre(work, a, b),
  gcheck({
    re: radd(rmul(a.re, b.re), rneg(rmul(a.im, b.im))),
    im: radd(rmul(a.re, b.im), rmul(a.im, b.re)),
  }));
function ginv(a: Gauss, work: Work): Gauss {
  pre(work, a, a);
  const n = radd(rmul(a.re, a.re), rmul(a.im, a.im));
  if (n.p === 0n) throw new Undecided("division by zero");
  return gcheck({
    re: rational(a.re.p * n.q, a.re.q * n.p),
    im: rational(-a.im.p * n.q, a.im.q * n.p),
  });
}
function gpow(a: Gauss, n: bigint, work: Work): Gauss {
  if (n < 0n) return gpow(ginv(a, work), -n, work);
  let out: Gauss = { re: rational(1n, 1n), im: R0 };
  for (let b = a; n > 0n; n >>= 1n) {
    if (n & 1n) out = gmul(out, b, work);
    if (n > 1n) b = gmul(b, b, work);
  }
  return out;
}

function smallInteger(z: Gauss): bigint {
  if (z.im.p !== 0n || z.re.q !== 1n) throw new Undecided("non-integer exponent");
  const n = z.re.p;
  if (n > BigInt(MAX_EXPONENT) || n < -BigInt(MAX_EXPONENT)) throw new Undecided("exponent");
  return n;
}

function exact(e: Expr, env: ReadonlyMap<string, Rational>, work: Work): Gauss {
  switch (e.k) {
    case "num":
      return { re: e.v, im: R0 };
    case "i":
      return { re: R0, im: rational(1n, 1n) };
    case "sym": {
      const v = env.get(e.name);
      if (!v) throw new Undecided(`unbound symbol ${e.name}`);
      return { re: v, im: R0 };
    }
    case "add":
      return e.xs.map((x) => exact(x, env, work)).reduce((a, b) => gadd(a, b, work));
    case "mul":
      return e.xs.map((x) => exact(x, env, work)).reduce((a, b) => gmul(a, b, work));
    case "neg": {
      const z = exact(e.x, env, work);
      return { re: rneg(z.re), im: rneg(z.im) };
    }
    case "div":
      return gmul(exact(e.a, env, work), ginv(exact(e.b, env, work), work), work);
    case "pow":
      return gpow(exact(e.a, env, work), smallInteger(exact(e.b, env, work)), work);
    case "fn": {
      const args = e.args.map((x) => exact(x, env, work));
      if (e.name === "Abs" && args.length === 1 && args[0].im.p === 0n) {
        const r = args[0].re;
        return { re: r.p < 0n ? rneg(r) : r, im: R0 };
      }
      const f = INTEGER_FNS[e.name];
      if (!f || f.arity !== args.length) throw new Undecided(`no exact rule for ${e.name}`);
      const n = f.eval(args.map(smallInteger).map(Number), work);
      return { re: rational(n, 1n), im: R0 };
    }
    default:
      throw new Undecided(`no exact rule for ${e.k}`);
  }
}

// ---- rigorous real interval evaluation, fixed point at scale 2^w ----

interface Iv {
  readonly lo: bigint;
  readonly hi: bigint;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}
const ceilDiv = (a: bigint, b: bigint) => -floorDiv(-a, b);

/** floor(x^(1/n)) for x ≥ 0. */
function iroot(x: bigint, n: number): bigint {
  if (x < 2n) return x;
  const N = BigInt(n);
  let r = 1n << BigInt(Math.ceil(bits(x) / n) + 1);
  for (;;) {
    const next = ((N - 1n) * r + x / r ** (N - 1n)) / N;
    if (next >= r) break;
    r = next;
  }
  while (r ** N > x) r--;
  while ((r + 1n) ** N <= x) r++;
  return r;
}

/** Interval evaluation at scale `s` = 2^w, spending from `work`. */
interface Ctx {
  readonly s: bigint;
  readonly work: Work;
  /** Enclosures of named constants (π, e) at this scale, used instead of `env` where given. */
  readonly constants?: ReadonlyMap<string, Iv>;
}

function ivMul(a: Iv, b: Iv, c: Ctx): Iv {
  charge(c.work, c.s);
  charge(c.work, c.s);
  const ps = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  let lo = ps[0], hi = ps[0];
  for (const p of ps) {
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  return { lo: floorDiv(lo, c.s), hi: ceilDiv(hi, c.s) };
}

function ivInv(a: Iv, c: Ctx): Iv {
  if (a.lo <= 0n && a.hi >= 0n) throw new Undecided("divisor may be zero");
  charge(c.work, c.s);
  return { lo: floorDiv(c.s * c.s, a.hi), hi: ceilDiv(c.s * c.s, a.lo) };
}

const ivAdd = (a: Iv, b: Iv): Iv => ({ lo: a.lo + b.lo, hi: a.hi + b.hi });
const ivNeg = (a: Iv): Iv => ({ lo: -a.hi, hi: -a.lo });
const ZERO: Iv = { lo: 0n, hi: 0n };
const isExactZero = (a: Iv) => a.lo === 0n && a.hi === 0n;

/** A complex value as a rectangle of two real enclosures. */
interface Civ {
  readonly re: Iv;
  readonly im: Iv;
}

const cAdd = (a: Civ, b: Civ): Civ => ({ re: ivAdd(a.re, b.re), im: ivAdd(a.im, b.im) });
const cNeg = (a: Civ): Civ => ({ re: ivNeg(a.re), im: ivNeg(a.im) });

function cMul(a: Civ, b: Civ, c: Ctx): Civ {
  // Exact zeros stay exact, so real values keep an exactly zero imaginary part.
  const m = (x: Iv, y: Iv) => (isExactZero(x) || isExactZero(y) ? ZERO : ivMul(x, y, c));
  return {
    re: ivAdd(m(a.re, b.re), ivNeg(m(a.im, b.im))),
    im: ivAdd(m(a.re, b.im), m(a.im, b.re)),
  };
}

function cInv(a: Civ, c: Ctx): Civ {
  if (isExactZero(a.im)) return { re: ivInv(a.re, c), im: ZERO };
  const n = ivAdd(ivMul(a.re, a.re, c), ivMul(a.im, a.im, c));
  const inv = ivInv(n, c);
  return { re: ivMul(a.re, inv, c), im: ivNeg(ivMul(a.im, inv, c)) };
}

function cPow(a: Civ, n: bigint, c: Ctx): Civ {
  if (n < 0n) return cPow(cInv(a, c), -n, c);
  let out: Civ = { re: { lo: c.s, hi: c.s }, im: ZERO };
  for (let b = a; n > 0n; n >>= 1n) {
    if (n & 1n) out = cMul(out, b, c);
    if (n > 1n) b = cMul(b, b, c);
  }
  return out;
}

/** Principal n-th root of a real radicand (√ of a negative number is imaginary). */
function cRoot(a: Civ, n: number, c: Ctx): Civ {
  if (!isExactZero(a.im)) throw new Undecided("root of a non-real value");
  if (n === 2 && a.re.hi < 0n) return { re: ZERO, im: ivRoot(ivNeg(a.re), 2, c) };
  return { re: ivRoot(a.re, n, c), im: ZERO };
}

function ivRoot(a: Iv, n: number, c: Ctx): Iv {
  const scale = c.s ** BigInt(n - 1);
  // Newton's method for the root: a few dozen divisions of numbers n times longer.
  for (let k = 0; k < 4 * n * n; k++) charge(c.work, c.s);
  if (a.lo >= 0n) return { lo: iroot(a.lo * scale, n), hi: iroot(a.hi * scale, n) + 1n };
  if (n % 2 === 1 && a.hi <= 0n) {
    const r = ivRoot({ lo: -a.hi, hi: -a.lo }, n, c);
    return { lo: -r.hi, hi: -r.lo };
  }
  throw new Undecided("even root of a value that may be negative");
}

function ratExponent(e: Expr): Rational {
  const z = exact(e, new Map(), { left: 1e5 });
  if (z.im.p !== 0n) throw new Undecided("complex exponent");
  if (z.re.q > 64n || z.re.p > BigInt(MAX_EXPONENT) || z.re.p < -BigInt(MAX_EXPONENT)) {
    throw new Undecided("exponent too large for interval evaluation");
  }
  return z.re;
}

function ratIv(v: Rational, c: Ctx): Iv {
  return { lo: floorDiv(v.p * c.s, v.q), hi: ceilDiv(v.p * c.s, v.q) };
}

function interval(e: Expr, env: ReadonlyMap<string, Rational>, c: Ctx): Civ {
  switch (e.k) {
    case "num":
      return { re: ratIv(e.v, c), im: ZERO };
    case "i":
      return { re: ZERO, im: { lo: c.s, hi: c.s } };
    case "sym": {
      const k = c.constants?.get(e.name);
      if (k) return { re: k, im: ZERO };
      const v = env.get(e.name);
      if (!v) throw new Undecided(`unbound symbol ${e.name}`);
      return { re: ratIv(v, c), im: ZERO };
    }
    case "add":
      return e.xs.map((x) => interval(x, env, c)).reduce(cAdd);
    case "mul":
      return e.xs.map((x) => interval(x, env, c)).reduce((a, b) => cMul(a, b, c));
    case "neg":
      return cNeg(interval(e.x, env, c));
    case "div":
      return cMul(interval(e.a, env, c), cInv(interval(e.b, env, c), c), c);
    case "pow": {
      const r = ratExponent(e.b);
      const base = cPow(interval(e.a, env, c), r.p, c);
      return r.q === 1n ? base : cRoot(base, Number(r.q), c);
    }
    case "root":
      return cRoot(interval(e.x, env, c), e.n, c);
    case "fn": {
      if (e.name === "Abs" && e.args.length === 1) {
        const a = interval(e.args[0], env, c);
        if (!isExactZero(a.im)) throw new Undecided("modulus of a complex value");
        if (a.re.lo >= 0n) return a;
        if (a.re.hi <= 0n) return cNeg(a);
        throw new Undecided("sign of the argument of |·| unknown");
      }
      const z = exact(e, env, c.work);
      return { re: ratIv(z.re, c), im: ratIv(z.im, c) };
    }
    default:
      throw new Undecided(`no interval rule for ${e.k}`);
  }
}

/** BFMSS parameters in log2: |numerator| ≤ 2^u, |denominator| ≤ 2^l, degree D. */
interface Sep {
  u: number;
  l: number;
}

function sep(e: Expr, env: ReadonlyMap<string, Rational>): Sep {
  const leaf = (v: Rational): Sep => ({ u: bits(v.p), l: bits(v.q) });
  switch (e.k) {
    case "num":
      return leaf(e.v);
    case "sym":
      return leaf(env.get(e.name) ?? R0);
    case "i":
      // √-1: an algebraic integer of modulus 1 (its degree counts in `degree`).
      return { u: 1, l: 0 };
    case "add":
      return e.xs.map((x) => sep(x, env)).reduce((a, b) => ({
        u: Math.max(a.u + b.l, b.u + a.l) + 1,
        l: a.l + b.l,
      }));
    case "mul":
      return e.xs.map((x) => sep(x, env)).reduce((a, b) => ({
        u: a.u + b.u,
        l: a.l + b.l,
      }));
    case "neg":
      return sep(e.x, env);
    case "div": {
      const a = sep(e.a, env), b = sep(e.b, env);
      return { u: a.u + b.l, l: a.l + b.u };
    }
    case "pow": {
      const r = ratExponent(e.b);
      const n = Number(r.p < 0n ? -r.p : r.p);
      const a = sep(e.a, env);
      const p = r.p < 0n ? { u: n * a.l, l: n * a.u } : { u: n * a.u, l: n * a.l };
      return r.q === 1n ? p : rootSep(p, Number(r.q));
    }
    case "root":
      return rootSep(sep(e.x, env), e.n);
    case "fn": {
      // |x| of a real x: the same bounds; an integer function: its exact value.
      if (e.name === "Abs" && e.args.length === 1) return sep(e.args[0], env);
      const z = exact(e, env, { left: WORK_LIMIT });
      return leaf(z.re);
    }
    default:
      throw new Undecided(`no separation rule for ${e.k}`);
  }
}

function rootSep(a: Sep, k: number): Sep {
  return a.u >= a.l
    ? { u: (a.u + (k - 1) * a.l) / k, l: a.l }
    : { u: a.u, l: (a.l + (k - 1) * a.u) / k };
}

/**
 * A bound on the degree of the value: the product of the indices of the distinct radicals (a
 * repeated subexpression is one node of the expression's DAG), i counting as √-1.
 */
function degree(e: Expr): number {
  const radicals = new Map<string, number>();
  const walk = (x: Expr): void => {
    switch (x.k) {
      case "i":
        radicals.set("i", 2);
        break;
      case "add":
      case "mul":
        x.xs.forEach(walk);
        break;
      case "neg":
        walk(x.x);
        break;
      case "div":
        walk(x.a);
        walk(x.b);
        break;
      case "pow": {
        walk(x.a);
        walk(x.b);
        const r = ratExponent(x.b);
        if (r.q !== 1n) radicals.set(exprKey(x), Number(r.q));
        break;
      }
      case "root":
        walk(x.x);
        radicals.set(exprKey(x), x.n);
        break;
      case "fn":
        x.args.forEach(walk);
        break;
    }
  };
  walk(e);
  let d = 1;
  for (const n of radicals.values()) d *= n;
  return d;
}

/** Whether `e` is exactly zero under `env`: true, false, or Undecided thrown. */
function isZero(e: Expr, env: ReadonlyMap<string, Rational>, work: Work): boolean {
  try {
    const z = exact(e, env, work);
    return z.re.p === 0n && z.im.p === 0n;
  } catch (err) {
    if (!(err instanceof Undecided)) throw err;
  }
  const { u, l } = sep(e, env);
  const d = degree(e);
  const need = Math.ceil(l + d * d * u) + 8;
  if (!(need < MAX_BITS)) throw new Undecided("separation bound too large");
  for (let w = need + 64; w < 4 * MAX_BITS; w *= 2) {
    const s = 1n << BigInt(w);
    const { re, im } = interval(e, env, { s, work });
    if (re.lo > 0n || re.hi < 0n || im.lo > 0n || im.hi < 0n) return false;
    // |Re E|, |Im E| < 2^-(need+1) give |E| < 2^-need, which proves E = 0.
    const limit = 1n << BigInt(w - need - 1);
    const small = (iv: Iv) => iv.lo > -limit && iv.hi < limit;
    if (small(re) && small(im)) return true;
  }
  throw new Undecided("interval too wide");
}

// ---- structure ----

/** The symbols of `e` (π as "Pi", e as "e"), in order of first appearance. */
export function symbols(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case "sym":
      out.add(e.name);
      break;
    case "add":
    case "mul":
      for (const x of e.xs) symbols(x, out);
      break;
    case "neg":
      symbols(e.x, out);
      break;
    case "div":
    case "pow":
      symbols(e.a, out);
      symbols(e.b, out);
      break;
    case "root":
      symbols(e.x, out);
      break;
    case "fn":
      for (const x of e.args) symbols(x, out);
      break;
  }
  return out;
}

function hasOpaque(e: Expr): boolean {
  switch (e.k) {
    case "fn":
      return !(e.name === "Abs" || e.name in INTEGER_FNS) || e.args.some(hasOpaque);
    case "inf":
      return true;
    case "add":
    case "mul":
      return e.xs.some(hasOpaque);
    case "neg":
      return hasOpaque(e.x);
    case "div":
    case "pow":
      return hasOpaque(e.a) || hasOpaque(e.b);
    case "root":
      return hasOpaque(e.x);
    default:
      return false;
  }
}

/** A canonical text of the tree, for structural equality. */
export function exprKey(e: Expr): string {
  switch (e.k) {
    case "num":
      return `${e.v.p}/${e.v.q}`;
    case "sym":
      return `'${e.name}'`;
    case "i":
      return "i";
    case "inf":
      return e.sign > 0 ? "+inf" : "-inf";
    case "add":
    case "mul":
      return `${e.k}(${e.xs.map(exprKey).join(",")})`;
    case "neg":
      return `neg(${exprKey(e.x)})`;
    case "div":
    case "pow":
      return `${e.k}(${exprKey(e.a)},${exprKey(e.b)})`;
    case "root":
      return `root${e.n}(${exprKey(e.x)})`;
    case "fn":
      return `${e.name}(${e.args.map(exprKey).join(",")})`;
  }
}

/**
 * A random positive rational: in the first trial a large one (48-bit numerator, 24-bit
 * denominator), in the second one below 1 (24-bit numerator, 48-bit denominator), so that a
 * difference confined to large or to small arguments is seen.
 */
function randomPoint(trial: number): Rational {
  const w = crypto.getRandomValues(new Uint32Array(3));
  const big = (BigInt(w[0]) << 16n) | BigInt(w[1] & 0xffff) | (1n << 47n);
  const small = BigInt((w[2] & 0xffffff) | 1);
  return trial === 0 ? rational(big, small) : rational(small, big);
}

/** arctan(1/x)·2^w rounded down, and its error bound in units of 2^-w. */
function atanInv(x: bigint, w: bigint): bigint {
  const one = 1n << w;
  let term = one / x, sum = term;
  const x2 = x * x;
  for (let k = 1n; term !== 0n; k++) {
    term /= x2;
    sum += (k % 2n ? -1n : 1n) * (term / (2n * k + 1n));
  }
  return sum;
}

/**
 * Enclosures of π (Machin's formula) and e (Σ 1/k!) at scale 2^w. Each truncated term is off by
 * less than one unit and there are fewer than 2^16 of them, so a margin of 2^16 units is safe.
 */
function constants(w: number): Map<string, Iv> {
  const g = BigInt(w + 24), margin = 1n << 16n;
  const pi = (16n * atanInv(5n, g) - 4n * atanInv(239n, g)) >> 24n;
  let e = 0n;
  for (let term = 1n << g, k = 1n; term !== 0n; k++) {
    e += term;
    term /= k;
  }
  e >>= 24n;
  return new Map([
    ["Pi", { lo: pi - margin, hi: pi + margin }],
    ["e", { lo: e - margin, hi: e + margin }],
  ]);
}

/**
 * Whether two scalar expressions have the same value (see the module doc for the method). Never
 * throws on well-formed trees; undecidable comparisons answer false, and so do all comparisons
 * once `work` (shared by the parts of one answer) is spent.
 *
 * @example Equal forms of 2√3, and a near-miss
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Expr, exprEqual, rational } from "./math_value.ts";
 * const n = (p: number, q = 1): Expr => ({ k: "num", v: rational(BigInt(p), BigInt(q)) });
 * const sqrt12: Expr = { k: "root", x: n(12), n: 2 };
 * const twoSqrt3: Expr = { k: "mul", xs: [n(2), { k: "root", x: n(3), n: 2 }] };
 * assert.ok(exprEqual(sqrt12, twoSqrt3));
 * assert.ok(!exprEqual(sqrt12, n(3464101615, 1000000000)));
 * ```
 */
export function exprEqual(a: Expr, b: Expr, work: Work = { left: WORK_LIMIT }): boolean {
  // Opaque functions compare by structure; everything else by value, so that an undefined
  // expression (a zero divisor) equals nothing, itself included.
  const key = exprKey(a);
  if (hasOpaque(a) || hasOpaque(b)) return key === exprKey(b);
  // The same tree without division or powers is defined, hence equal to itself.
  if (key === exprKey(b) && !/div\(|pow\(/.test(key)) return true;
  const names = [...symbols(a, symbols(b))];
  const diff: Expr = { k: "add", xs: [a, { k: "neg", x: b }] };
  try {
    let env = new Map<string, Rational>();
    for (let trial = 0; trial < (names.length ? 2 : 1); trial++) {
      env = new Map(names.map((n) => [n, randomPoint(trial)]));
      if (!isZero(diff, env, work)) return false;
    }
    // π and e were variables above; an identity in them holds at their values unless a branch
    // (an even root or |·|) behaves differently there. So the difference must also stay within
    // reach of zero with the true constants, at a precision beyond what an answer of this size
    // can approximate π or e to.
    if (names.includes("Pi") || names.includes("e")) {
      const w = Math.min(MAX_BITS, 256 + 8 * key.length + 8 * exprKey(b).length);
      work.left -= 8 * (w / 64) ** 2;
      if (work.left < 0) return false;
      const c: Ctx = { s: 1n << BigInt(w), work, constants: constants(w) };
      const { re, im } = interval(diff, env, c);
      const limit = 1n << BigInt(w >> 1);
      if (re.lo > limit || re.hi < -limit || im.lo > limit || im.hi < -limit) return false;
    }
    return true;
  } catch (err) {
    if (err instanceof Undecided || err instanceof RangeError) return false;
    throw err;
  }
}
