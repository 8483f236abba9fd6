/**
 * The pipeline config: defaults, errors that name the file and the field (its own fields and
 * those checked by the reward, GRPO, synthesis and SFT layers), baselines, --quick, and the
 * shipped configs in data/configs/.
 */
import assert from "node:assert/strict";
import { loadDataset } from "../../lib/data/mod.ts";
import {
  BASELINES,
  quickConfig,
  validatePipelineConfig,
  validateSftConfig,
} from "../../lib/pipeline/mod.ts";
import { SFT_PRESETS } from "../../lib/train/mod.ts";
import { sharedFile } from "../shared_data.ts";

Deno.test("validatePipelineConfig fills every default from a name alone", () => {
  const c = validatePipelineConfig({ name: "run-1" });
  assert.deepEqual(c.models, {
    generator: "data/models/generator",
    student: "data/models/student",
    reference: null,
  });
  assert.equal(c.seeds.source, "procedural");
  if (c.seeds.source !== "procedural") return;
  assert.deepEqual(c.seeds.families, ["arithmetic", "choice", "code"]);
  assert.equal(c.seeds.kinds.length, 18);
  assert.deepEqual([c.seed, c.baseline, c.quick, c.threads], [0, "none", false, 0]);
  assert.equal(c.grpo.groupSize, 4);
  assert.equal(c.synth.count, 200);
  assert.equal(c.sft.preset, "tiny");
  assert.equal(c.sft.lr, SFT_PRESETS.tiny.lr);
  assert.equal(c.evaluation.procedural?.count, 20);
  assert.deepEqual(c.rewards.gates, ["parse"]);
});

Deno.test("validatePipelineConfig errors name the file, the dotted field and the value", () => {
  const bad: [unknown, RegExp][] = [
    [{}, /my\.json: 'name' must be a non-empty string: current value is undefined/],
    [{ name: "a b" }, /'name' must be letters, digits/],
    [{ name: "x", colour: 1 }, /'colour' is not a field \(fields: name, seed/],
    [{ name: "x", seed: -1 }, /'seed' must be an integer ≥ 0: current value is -1/],
    [
      { name: "x", seeds: { count: 0 } },
      /'seeds.count' must be an integer ≥ 1: current value is 0/,
    ],
    [{ name: "x", seeds: { kinds: ["add", "fly"] } }, /'seeds.kinds\[1\]' must be one of add, sub/],
    [
      { name: "x", seeds: { families: ["choice"], kinds: ["add"] } },
      /'seeds.kinds\[0\]' must be one of largest/,
    ],
    [{ name: "x", seeds: { source: "gsm8k" } }, /'seeds.path' must be a non-empty string/],
    [
      { name: "x", seeds: { source: "csv", path: "a" } },
      /'seeds.source' must be one of procedural, gsm8k/,
    ],
    [
      { name: "x", seeds: { source: "gsm8k", path: "a", kinds: [] } },
      /'seeds.kinds' is not a field/,
    ],
    [
      { name: "x", models: { student: 3 } },
      /'models.student' must be a non-empty string: current value is 3/,
    ],
    [{ name: "x", baseline: "magic" }, /'baseline' must be one of none, untrained-generator/],
    [
      { name: "x", baseline: "oracle", seeds: { source: "gsm8k", path: "a" } },
      /'seeds.source' must be 'procedural' for the oracle baseline: current value is 'gsm8k'/,
    ],
    [{ name: "x", evaluation: { procedural: null } }, /'evaluation' must name at least one set/],
    [
      { name: "x", evaluation: { procedural: { count: 0 } } },
      /'evaluation.procedural.count' must be an integer ≥ 1/,
    ],
    [
      { name: "x", evaluation: { files: [{ format: "gsm8k" }] } },
      /'evaluation.files\[0\].path' must be/,
    ],
    [
      { name: "x", grpo: { groupSize: 1 } },
      /my\.json: in 'grpo': .*'grpo.groupSize' must be an integer ≥ 2: current value is 1/,
    ],
    [{ name: "x", synth: { label: "vote" } }, /in 'synth': .*'synth.label' must be one of/],
    [
      { name: "x", rewards: { functions: { nope: 1 } } },
      /in 'rewards': .*'functions.nope' must name an acquisition function/,
    ],
    [
      { name: "x", sft: "huge" },
      /in 'sft': .*'sft' must be one of reference, tiny: current value is 'huge'/,
    ],
    [{ name: "x", sft: { lr: -1 } }, /'sft.lr' must be a number > 0: current value is -1/],
    [{ name: "x", sft: { epoch: 2 } }, /'sft.epoch' must be left out \(fields: preset, epochs/],
  ];
  for (const [raw, pattern] of bad) {
    assert.throws(() => validatePipelineConfig(raw, "my.json"), pattern, JSON.stringify(raw));
  }
});

Deno.test("an SFT recipe is a preset name or fields over a preset", () => {
  assert.equal(validateSftConfig("reference").lr, 2e-5);
  const c = validateSftConfig({ preset: "reference", epochs: 2, steps: 7, saveEvery: 3 });
  assert.deepEqual([c.preset, c.epochs, c.steps, c.saveEvery, c.batchSize], [
    "reference",
    2,
    7,
    3,
    16,
  ]);
});

Deno.test("baselines change the flow as data: the untrained generator skips GRPO, format-only drops the functions", () => {
  const u = validatePipelineConfig({ name: "x", baseline: "untrained-generator" });
  assert.equal(BASELINES[u.baseline].trainsGenerator, false);
  const f = validatePipelineConfig({
    name: "x",
    baseline: "format-only",
    rewards: { functions: { confidence: 1 } },
  });
  assert.deepEqual(f.rewards.functions, {});
  assert.equal(f.rewards.formatWeight, 1);
});

Deno.test("--quick scales every stage down and is recorded in the resolved config", () => {
  const c = validatePipelineConfig({ name: "x", sft: { preset: "tiny", batchSize: 2 } });
  const q = quickConfig(c);
  assert.equal(q.quick, true);
  assert.ok(q.grpo.steps < c.grpo.steps && q.synth.count < c.synth.count);
  assert.ok(
    q.seeds.count! < c.seeds.count! &&
      q.evaluation.procedural!.count < c.evaluation.procedural!.count,
  );
  assert.equal(q.sft.batchSize, 2, "a smaller value of the config is kept");
  assert.ok(q.sft.steps !== null && q.sft.steps <= 10);
  assert.equal(q.grpo.lr, c.grpo.lr, "what quick does not scale stays as configured");
});

for (const name of ["default", "gsm8k", "medmcqa", "mbpp"]) {
  Deno.test(`data/configs/${name}.json validates, and its data files load where the shared data is`, async () => {
    const path = `data/configs/${name}.json`;
    const c = validatePipelineConfig(JSON.parse(await Deno.readTextFile(path)), path);
    assert.equal(c.baseline, "none");
    if (name === "default") {
      assert.deepEqual(Object.keys(c.rewards.functions), ["confidence"]);
      assert.equal(c.models.student, "data/models/student");
      return;
    }
    const files = [
      { format: c.seeds.source, path: (c.seeds as { path: string }).path },
      ...c.evaluation.files,
    ];
    for (const f of files) {
      assert.ok(f.path.startsWith("../shared/data/"), f.path);
      const local = await sharedFile(f.path.slice("../shared/data/".length));
      if (!local) continue;
      const { records } = await loadDataset(f.format as never, local, { onBadRow: "skip" });
      assert.ok(records.length > 100, `${f.path}: ${records.length} records`);
    }
  });
}
