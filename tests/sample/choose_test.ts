import assert from "node:assert/strict";
import { checkChooseOptions, chooseToken, tokenDistribution } from "../../lib/sample/choose.ts";
import { createRng } from "../../lib/run/rng.ts";

const P4 = [0.1, 0.2, 0.3, 0.4];
const LOGITS4 = Float32Array.from(P4.map(Math.log));
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) < tol;

function frequencies(
  logits: Float32Array,
  options: Parameters<typeof chooseToken>[1],
  n: number,
  seed: number,
): number[] {
  const rng = createRng(seed);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[chooseToken(logits, options, rng).token]++;
  return counts.map((c) => c / n);
}

/** Random logits, with some ties, from a seeded stream. */
function randomLogits(seed: number, v: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: v }, () => Math.round((rng.next() * 8 - 4) * 4) / 4);
}

Deno.test("temperature 0 and top-k 1 both pick the argmax, the lowest id on ties", () => {
  for (let s = 0; s < 50; s++) {
    const logits = randomLogits(s, 97);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    const rng = createRng(s);
    const greedy = chooseToken(logits, { temperature: 0 }, rng);
    assert.equal(greedy.token, best);
    assert.equal(greedy.logprob, 0, "a point mass");
    assert.equal(chooseToken(logits, { topK: 1, temperature: 0.7 }, rng).token, best);
  }
  const tie = Float32Array.from([1, 5, 5, 2]);
  assert.equal(chooseToken(tie, { temperature: 0 }, createRng(0)).token, 1);
  assert.equal(chooseToken(tie, { topK: 1 }, createRng(0)).token, 1);
});

Deno.test("20,000 seeded draws follow a known 4-way distribution within 0.01", () => {
  frequencies(LOGITS4, {}, 20_000, 3).forEach((f, i) =>
    assert.ok(Math.abs(f - P4[i]) < 0.01, `token ${i}: ${f} vs ${P4[i]}`)
  );
  // Temperature 2 flattens to softmax(log p / 2) ∝ sqrt(p).
  const sq = P4.map(Math.sqrt), z = sq.reduce((a, b) => a + b);
  frequencies(LOGITS4, { temperature: 2 }, 20_000, 4).forEach((f, i) =>
    assert.ok(Math.abs(f - sq[i] / z) < 0.01, `T=2 token ${i}: ${f}`)
  );
  // top-k 2 keeps {0.4, 0.3}, renormalised.
  const k2 = frequencies(LOGITS4, { topK: 2 }, 20_000, 5);
  assert.deepEqual(k2.slice(0, 2), [0, 0]);
  assert.ok(Math.abs(k2[3] - 4 / 7) < 0.01 && Math.abs(k2[2] - 3 / 7) < 0.01, `${k2}`);
});

Deno.test("top-p keeps the smallest head reaching p and renormalises the log-probs", () => {
  const rng = createRng(9);
  // 0.65: {0.4, 0.3} (0.4 alone falls short). 0.7: the same, exactly reaching it.
  for (const topP of [0.65, 0.7]) {
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const c = chooseToken(LOGITS4, { topP }, rng);
      seen.add(c.token);
      assert.ok(c.token === 3 || c.token === 2, `topP ${topP} drew ${c.token}`);
      assert.ok(close(c.logprob, Math.log(c.token === 3 ? 0.4 / 0.7 : 0.3 / 0.7)));
      assert.ok(close(c.logprobRaw, Math.log(P4[c.token])));
    }
    assert.equal(seen.size, 2);
  }
  const f = frequencies(LOGITS4, { topP: 0.75 }, 20_000, 10);
  assert.ok(f[0] === 0 && Math.abs(f[1] - 0.2 / 0.9) < 0.01, `topP 0.75 keeps three: ${f}`);
  assert.equal(chooseToken(LOGITS4, { topP: 0.1 }, rng).token, 3, "p below the top keeps one");
  // After top-k 3 ({.4,.3,.2} → {4/9, 3/9, 2/9}), top-p 0.7 needs all three (7/9 ≥ 0.7 at two).
  const kp = frequencies(LOGITS4, { topK: 3, topP: 0.7 }, 20_000, 11);
  assert.ok(kp[0] === 0 && kp[1] === 0 && Math.abs(kp[3] - 4 / 7) < 0.01, `${kp}`);
});

Deno.test("top-p on a large random row keeps exactly the sorted head a plain sort gives", () => {
  for (let s = 0; s < 20; s++) {
    const logits = randomLogits(100 + s, 1000);
    const topP = 0.3 + 0.6 * createRng(s).next();
    // Reference: sort all ids by (logit desc, id asc), softmax, take the head reaching topP.
    const ids = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) =>
      logits[b] - logits[a] || a - b
    );
    const m = Math.max(...logits);
    const w = ids.map((i) => Math.exp(logits[i] - m)), z = w.reduce((a, b) => a + b);
    let mass = 0, keep = 0;
    while (mass < topP * z) mass += w[keep++];
    const head = new Map(ids.slice(0, keep).map((id, j) => [id, Math.log(w[j] / mass)]));
    const rng = createRng(s);
    for (let i = 0; i < 50; i++) {
      const c = chooseToken(logits, { topP }, rng);
      assert.ok(head.has(c.token), `seed ${s}: token ${c.token} outside the nucleus of ${keep}`);
      assert.ok(close(c.logprob, head.get(c.token)!, 1e-9));
    }
  }
});

Deno.test("min-p drops tokens below minP times the top probability", () => {
  const logits = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
  const f = frequencies(logits, { minP: 0.2 }, 20_000, 12); // threshold 0.1: drops 0.05
  assert.equal(f[3], 0);
  assert.ok(Math.abs(f[0] - 0.5 / 0.95) < 0.01, `${f}`);
  const c = chooseToken(logits, { minP: 0.5 }, createRng(1)); // threshold 0.25: {0.5, 0.3}
  assert.ok(close(c.logprob, Math.log((c.token === 0 ? 0.5 : 0.3) / 0.8)));
  assert.equal(chooseToken(logits, { minP: 1 }, createRng(1)).token, 0);
});

Deno.test("log-probs are exact and stable for extreme logits", () => {
  const c = chooseToken(LOGITS4, {}, createRng(2));
  assert.ok(close(c.logprob, Math.log(P4[c.token])), "no filtering: logprob = logprobRaw");
  assert.ok(close(c.logprob, c.logprobRaw));
  const huge = Float32Array.from([1e30, 1e30 - 1e24, -1e30, -Infinity]);
  for (const options of [{}, { topP: 0.9 }, { topK: 2 }, { temperature: 1e-3 }]) {
    const h = chooseToken(huge, options, createRng(3));
    assert.ok(h.token === 0 || h.token === 1);
    assert.ok(Number.isFinite(h.logprob) && Number.isFinite(h.logprobRaw));
  }
  const never = chooseToken(Float32Array.from([0, -Infinity, 0]), {}, createRng(4));
  assert.notEqual(never.token, 1, "a −∞ logit is never drawn");
  const neverMany = frequencies(Float32Array.from([-Infinity, 0, -Infinity]), {}, 100, 5);
  assert.deepEqual(neverMany, [0, 1, 0]);
});

Deno.test("the same seed gives the same choices across runs", () => {
  const logits = randomLogits(77, 300);
  const run = (seed: number) => {
    const rng = createRng(seed);
    return Array.from(
      { length: 200 },
      () => chooseToken(logits, { temperature: 0.8, topK: 40, topP: 0.95 }, rng).token,
    );
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});

Deno.test("bad options and bad logits are named", () => {
  assert.throws(
    () => chooseToken(LOGITS4, { topP: 1.5 }, createRng(0)),
    /'topP' must be in \(0, 1\]: current value is 1.5/,
  );
  assert.throws(() => checkChooseOptions({ topP: 0 }), /'topP' must be in \(0, 1\]/);
  assert.throws(() => checkChooseOptions({ temperature: -1 }), /'temperature' must be a finite/);
  assert.throws(() => checkChooseOptions({ topK: 2.5 }), /'topK' must be an integer ≥ 0/);
  assert.throws(() => checkChooseOptions({ minP: 2 }), /'minP' must be in \[0, 1\]/);
  assert.throws(
    () => chooseToken(Float32Array.from([0, NaN]), {}, createRng(0)),
    /logit 1 is NaN/,
  );
  assert.throws(() => chooseToken(new Float32Array(0), {}, createRng(0)), /row is empty/);
  assert.throws(
    () => chooseToken(Float32Array.from([-Infinity]), {}, createRng(0)),
    /every logit is -Infinity/,
  );
});

Deno.test("one token distribution drawn from by many generators gives what chooseToken gives each", () => {
  const gen = createRng(5);
  const logits = Float32Array.from({ length: 300 }, () => (gen.next() - 0.5) * 12);
  for (
    const o of [{}, { temperature: 0 }, { temperature: 0.7 }, { topK: 20 }, { topP: 0.9 }, {
      temperature: 1.3,
      topK: 50,
      topP: 0.8,
      minP: 0.02,
    }]
  ) {
    const d = tokenDistribution(logits, o);
    for (let seed = 0; seed < 50; seed++) {
      const a = createRng(seed), b = createRng(seed);
      for (let k = 0; k < 3; k++) assert.deepEqual(d.draw(a), chooseToken(logits, o, b));
      assert.equal(a.next(), b.next(), "each draw takes as many random numbers as chooseToken");
    }
  }
});
