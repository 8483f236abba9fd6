import assert from "node:assert/strict";
import { type RewardConfig, validateRewardConfig } from "../../lib/reward/mod.ts";

const KNOWN = ["question-words", "confidence"];

Deno.test("validateRewardConfig fills in every default", () => {
  assert.deepEqual(validateRewardConfig({}, KNOWN), {
    functions: {},
    formatWeight: 1,
    formatAllowsTests: false,
    gates: ["parse"],
    failReward: 0,
    unverifiable: "pass",
    normalise: { method: "none", by: "batch" },
    nulls: "zero",
    clip: null,
    duplicate: { threshold: 0.8 },
    allowWeakIsolation: false,
  });
});

Deno.test("validateRewardConfig keeps the gates in their running order", () => {
  const c = validateRewardConfig({ gates: ["duplicate", "code", "parse"] }, KNOWN);
  assert.deepEqual(c.gates, ["parse", "code", "duplicate"]);
});

Deno.test("validateRewardConfig names the field, the allowed values and the value", () => {
  const cases: [unknown, RegExp][] = [
    [
      { normalise: { by: "row" } },
      /^RangeError: Cannot shape rewards: 'normalise.by' must be one of batch, group: current value is 'row'$/,
    ],
    [
      { normalise: { method: "softmax" } },
      /'normalise.method' must be one of none, zscore, rank, minmax: current value is 'softmax'/,
    ],
    [{ nulls: "skip" }, /'nulls' must be one of zero, drop: current value is 'skip'/],
    [
      { unverifiable: "maybe" },
      /'unverifiable' must be one of fail, pass: current value is 'maybe'/,
    ],
    [
      { gates: ["parse", "spelling"] },
      /'gates\[1\]' must be one of parse, answer, procedural, choice, code, duplicate: current value is 'spelling'/,
    ],
    [
      { functions: { nope: 1 } },
      /'functions.nope' must name an acquisition function \(question-words, confidence\): current value is 'nope'/,
    ],
    [
      { functions: { confidence: NaN } },
      /'functions.confidence' must be a finite number: current value is null/,
    ],
    [{ failReward: "-1" }, /'failReward' must be a finite number: current value is '-1'/],
    [{ formatWeight: Infinity }, /'formatWeight' must be a finite number/],
    [{ clip: { lo: 1, hi: 0 } }, /'clip' must have lo < hi: current value is \{"lo":1,"hi":0\}/],
    [{ clip: { lo: 0 } }, /'clip.hi' must be a finite number: current value is undefined$/],
    [
      { duplicate: { threshold: 1.5 } },
      /'duplicate.threshold' must be in \(0, 1\]: current value is 1.5/,
    ],
    [
      { allowWeakIsolation: "yes" },
      /'allowWeakIsolation' must be true or false: current value is 'yes'/,
    ],
    [{ normalize: {} }, /'normalize' is not a field; fields are functions, .*normalise/],
  ];
  for (const [config, re] of cases) {
    assert.throws(() => validateRewardConfig(config as RewardConfig, KNOWN), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(String(e), re);
      return true;
    });
  }
});

Deno.test("validateRewardConfig checks function names against the acquisition table by default", () => {
  assert.throws(
    () => validateRewardConfig({ functions: { "not-a-function": 1 } }),
    /'functions.not-a-function' must name an acquisition function/,
  );
});
