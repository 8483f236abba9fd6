/**
 * The ablation runner end to end under --quick on the default models (2 arms × 1 seed: the
 * method with the confidence reward and the untrained generator): every run's folder, one
 * results.json whose intervals hold their estimates, one report with every figure, a rerun that
 * skips every finished run, and `deno task ablate --only` running the one arm it names. Config
 * errors name the file and the field.
 */
import assert from "node:assert/strict";
import {
  type AblationResults,
  readAblationConfig,
  runAblation,
  validateAblationConfig,
} from "../../lib/pipeline/mod.ts";

const BASE = JSON.parse(await Deno.readTextFile("data/configs/default.json"));
const RAW = {
  name: "t",
  base: BASE,
  arms: [
    { name: "confidence" },
    { name: "untrained-generator", baseline: "untrained-generator" },
  ],
  seeds: [0],
  weakKinds: ["mul", "filter-gt", "sum-odd"],
};

Deno.test("an ablation config error names the file and the field", () => {
  const bad = (patch: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => validateAblationConfig({ ...RAW, ...patch }, { file: "a.json" }), pattern);
  bad(
    { arms: [{ name: "no spaces" }] },
    /Cannot read ablation config a.json: 'arms\[0\].name' must be .*current value is 'no spaces'/,
  );
  bad(
    { arms: [{ name: "x", baseline: "best-of-everything" }] },
    /a.json: 'arms\[0\].baseline' must be one of none, untrained-generator, .*current value is 'best-of-everything'/,
  );
  bad({ arms: [{ name: "x" }, { name: "x" }] }, /'arms\[1\].name' must be unique/);
  bad({ arms: [{ name: "x", grpoo: {} }] }, /'arms\[0\].grpoo' is not a field/);
  bad({ weakKinds: ["mul", "multiply"] }, /'weakKinds\[1\]' must be one of add, .*'multiply'/);
  bad({ weakKinds: undefined }, /'weakKinds' must be a non-empty list/);
  bad({ seeds: [0, 0] }, /'seeds\[1\]' repeats an earlier seed/);
  // A pipeline field an arm overrides is checked by the pipeline's validator, naming the arm.
  bad(
    { arms: [{ name: "x", sft: "huge" }] },
    /a.json \(arms\[0\] 'x'\): in 'sft'.*must be one of/,
  );
});

Deno.test("the shipped ablation configs validate into their runs, seeds outer", async () => {
  const demo = await readAblationConfig("data/configs/demo.json");
  assert.deepEqual(demo.runs.map((r) => r.id), [
    "confidence-s0",
    "untrained-generator-s0",
    "oracle-s0",
  ]);
  assert.equal(demo.runs[0].config.rewards.functions.confidence, 1);
  const one = await readAblationConfig("data/configs/demo.json", { only: ["oracle"], seeds: [3] });
  assert.deepEqual(one.runs.map((r) => r.id), ["oracle-s3"]);
  assert.equal(one.runs[0].config.seed, 3);
  const full = await readAblationConfig("data/configs/ablate.json");
  assert.equal(full.runs.length, 11 * 3);
  // A base given as a path is read from its file; its own name and seed give way to each run's.
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/a.json`,
    JSON.stringify({ ...RAW, base: "data/configs/default.json", seeds: [2] }),
  );
  const byPath = await readAblationConfig(`${dir}/a.json`);
  assert.equal(byPath.runs[1].config.name, "untrained-generator-s2");
  assert.equal(byPath.runs[1].config.seed, 2);
  assert.equal(byPath.runs[1].config.grpo.steps, BASE.grpo.steps);
  await Deno.writeTextFile(`${dir}/b.json`, JSON.stringify({ ...RAW, base: `${dir}/none.json` }));
  await assert.rejects(
    () => readAblationConfig(`${dir}/b.json`),
    /Cannot read ablation config .*b.json: 'base' must be a pipeline config or a readable file/,
  );
  await Deno.remove(dir, { recursive: true });
});

const inside = (i: { estimate: number; low: number; high: number }, what: string) =>
  assert.ok(
    i.low <= i.estimate + 1e-12 && i.estimate <= i.high + 1e-12,
    `${what}: ${JSON.stringify(i)}`,
  );

Deno.test("a quick ablation of 2 arms runs end to end, reports with intervals, then a rerun skips every run", async () => {
  const out = await Deno.makeTempDir({ prefix: "ablate-" });
  const config = validateAblationConfig(RAW, { threads: 1 });
  const lines: string[] = [];
  const first = await runAblation({ config, out, quick: true, onLog: (l) => lines.push(l) });
  assert.equal(first.signal, null);
  assert.deepEqual(first.runs.map((r) => r.action), ["ran", "ran"]);
  for (const id of ["confidence-s0", "untrained-generator-s0"]) {
    const marker = JSON.parse(await Deno.readTextFile(`${out}/runs/${id}/stages/report.json`));
    assert.equal(marker.stage, "report", id);
  }
  // Progress lines name the arm, the seed, the stage and the time elapsed.
  assert.ok(lines.some((l) => /^\[confidence s0, fine-tune, \d+s\] /.test(l)), lines.join("\n"));

  const results: AblationResults = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
  assert.deepEqual(results.arms.map((a) => a.arm), ["confidence", "untrained-generator"]);
  // Kinds whose items some run left out entirely (its dataset held their questions) are not
  // compared; every other kind is weak or other as the config says.
  for (const k of results.weakKinds) assert.ok(["mul", "filter-gt", "sum-odd"].includes(k));
  assert.equal(
    results.weakKinds.length + results.otherKinds.length + results.lostUnits.length,
    18,
  );
  assert.ok(results.otherKinds.length >= 8, results.lostUnits.join(", "));
  assert.equal(results.reference, "untrained-generator");
  inside(results.base.weak, "base weak");
  for (const a of results.arms) {
    for (const k of ["weak", "other", "forgetting"] as const) inside(a.figures[k], `${a.arm} ${k}`);
    for (const v of Object.values(a.perKind)) assert.ok(v >= 0 && v <= 1);
  }
  const vs = results.arms[0].vsReference!;
  for (const k of ["weak", "other", "forgetting"] as const) inside(vs[k], `paired ${k}`);
  assert.equal(results.arms[1].vsReference, null);
  // GRPO ran only for the method: its reward curve has the quick run's 2 steps.
  assert.equal(results.arms[0].rewardCurve.length, 2);
  assert.deepEqual(results.arms[1].rewardCurve, []);
  const shares = Object.values(results.arms[0].kindShares);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);

  // The evaluation items are the seed's (2 per kind under --quick) less each run's own dataset
  // questions; the comparison keeps the items both runs answered, so it drops at most those.
  let excluded = 0;
  for (const id of ["confidence-s0", "untrained-generator-s0"]) {
    const r = JSON.parse(await Deno.readTextFile(`${out}/runs/${id}/eval/results.json`));
    const items = r.sets[0].items + r.excluded.procedural + r.tooLong.procedural;
    assert.equal(items, 36, id);
    excluded += r.excluded.procedural;
  }
  const dropped = Object.values(results.droppedItems).reduce((a, b) => a + b, 0);
  assert.ok(dropped <= excluded, `${dropped} dropped, ${excluded} excluded`);

  const html = await Deno.readTextFile(`${out}/report.html`);
  for (
    const id of [
      "accuracy",
      "forgetting",
      "paired",
      "per-kind",
      "kind-shares",
      "reward-curves",
      "question-map",
    ]
  ) {
    assert.ok(html.includes(`id="${id}"`), `figure '${id}' missing from the report`);
  }
  assert.ok((await Deno.stat(`${out}/plotly.min.js`)).size > 1_000_000);
  const summary = await Deno.readTextFile(`${out}/summary.md`);
  assert.match(summary, /^untrained-generator +\d+% \[/m);
  assert.match(summary, /weak kinds: mul, filter-gt, sum-odd/);
  const timing = JSON.parse(await Deno.readTextFile(`${out}/timing.json`));
  assert.ok(timing.perStage["fine-tune"] > 0 && timing.totalSeconds >= timing.perStage.evaluate);

  const again: string[] = [];
  const t0 = performance.now();
  const second = await runAblation({ config, out, quick: true, onLog: (l) => again.push(l) });
  assert.deepEqual(second.runs.map((r) => r.action), ["skipped", "skipped"]);
  assert.ok(
    again.filter((l) => /finished earlier: skipped/.test(l)).length === 2,
    again.join("\n"),
  );
  assert.equal(Object.values(second.timing.perRun).reduce((a, b) => a + b, 0), 0);
  assert.ok(
    (performance.now() - t0) / 1000 < 30,
    "a rerun of finished runs only rewrites the report",
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("deno task ablate --only runs only the named arm", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ablate-only-" });
  await Deno.writeTextFile(
    `${dir}/a.json`,
    JSON.stringify({ ...RAW, arms: [...RAW.arms, { name: "oracle", baseline: "oracle" }] }),
  );
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tasks/ablate.ts",
      "--config",
      `${dir}/a.json`,
      "--out",
      `${dir}/out`,
      "--quick",
      "--only",
      "oracle",
      "--threads",
      "1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  const runs = [];
  for await (const e of Deno.readDir(`${dir}/out/runs`)) runs.push(e.name);
  assert.deepEqual(runs, ["oracle-s0"]);
  assert.match(stdout, /^oracle +\d+% \[/m);
  assert.match(stdout, new RegExp(`Report: ${dir}/out/report.html`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task ablate stopped by SIGINT during GRPO exits 130, and the same command resumes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ablate-int-" });
  await Deno.writeTextFile(`${dir}/a.json`, JSON.stringify({ ...RAW, arms: [RAW.arms[0]] }));
  const args = ["run", "-A", "tasks/ablate.ts", "--config", `${dir}/a.json`, "--out", `${dir}/out`];
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--quick", "--threads", "1"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  let sent = false;
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk);
    // After GRPO's first step (its first checkpoint): stop, and read what it says to the end.
    if (!sent && /train-generator: step 1\/2/.test(text)) {
      child.kill("SIGINT");
      sent = true;
    }
  }
  const status = await child.status;
  assert.equal(status.code, 130, text);
  assert.match(text, /stopped by SIGINT/);
  const again = await new Deno.Command(Deno.execPath(), {
    args: [...args, "--quick", "--threads", "1"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = decoder.decode(again.stdout);
  assert.equal(again.code, 0, decoder.decode(again.stderr));
  assert.match(log, /seed: finished earlier, skipped/);
  // (GRPO's last step can finish before the signal lands on a loaded machine: then it is done.)
  assert.match(
    log,
    /train-generator: (resumed from the checkpoint of step 1|finished earlier, skipped)/,
  );
  assert.match(log, /Report: /);
  await Deno.remove(dir, { recursive: true });
});
