import assert from "node:assert/strict";
import { validateGrpoConfig } from "../../lib/rl/mod.ts";

Deno.test("validateGrpoConfig fills the defaults, and each advantage kind brings its own", () => {
  const c = validateGrpoConfig(undefined);
  assert.deepEqual(
    [c.steps, c.promptsPerStep, c.groupSize, c.maxNewTokens, c.lr, c.clipLow, c.clipHigh],
    [50, 12, 4, 160, 1e-5, 0.2, 0.2],
  );
  assert.deepEqual([c.aggregation, c.dynamicSampling, c.template, c.overlong], [
    "sequence",
    false,
    "bare",
    null,
  ]);
  const dr = validateGrpoConfig({ advantage: "dr-grpo" });
  assert.deepEqual([dr.aggregation, dr.clipHigh, dr.dynamicSampling], ["constant", 0.2, false]);
  const dapo = validateGrpoConfig({ advantage: "dapo", clipHigh: 0.3, aggregation: "sequence" });
  assert.deepEqual([dapo.clipHigh, dapo.aggregation, dapo.dynamicSampling], [
    0.3,
    "sequence",
    true,
  ]);
  assert.equal(validateGrpoConfig({ promptsPerStep: 3, groupSize: 5 }).microBatch, 15);
  assert.deepEqual(validateGrpoConfig({ overlong: { length: 20, penalty: 1 } }).overlong, {
    length: 20,
    penalty: 1,
  });
});

Deno.test("validateGrpoConfig names the field, the rule and the value of what is wrong", () => {
  const cases: [unknown, RegExp, ErrorConstructor][] = [
    [{ groupSize: 1 }, /'grpo.groupSize' must be an integer ≥ 2: current value is 1/, RangeError],
    [{ steps: "4" }, /'grpo.steps' must be an integer ≥ 0: current value is "4"/, TypeError],
    [{ topP: 0 }, /'grpo.topP' must be a number in \(0, 1\]: current value is 0/, RangeError],
    [{ advantage: "ppo" }, /'grpo.advantage' must be one of grpo, dr-grpo, dapo/, RangeError],
    [{ template: "chat" }, /'grpo.template' must be one of bare, tags, reference/, RangeError],
    [{ dynamicSampling: 1 }, /'grpo.dynamicSampling' must be true or false/, TypeError],
    [
      { overlong: { length: 500, penalty: 1 } },
      /'grpo.overlong.length' must be an integer from 1 to maxNewTokens \(160\): current value is 500/,
      RangeError,
    ],
    [{ stepz: 3 }, /'grpo.stepz' is not a field/, RangeError],
    [[1], /'grpo' must be an object/, TypeError],
  ];
  for (const [raw, re, Err] of cases) {
    assert.throws(
      () => validateGrpoConfig(raw),
      (e: Error) => e instanceof Err && re.test(e.message),
    );
  }
  assert.throws(
    () => validateGrpoConfig({ lr: -1 }, "pipeline.grpo"),
    /'pipeline.grpo.lr' must be a number ≥ 0/,
  );
});
