/**
 * The whole method end to end: the default config (data/configs/default.json) under --quick
 * runs every stage for real on the default models (GRPO, synthesis, labelling, fine-tuning,
 * evaluation, report); a rerun skips every stage; --from fine-tune reruns only the last three;
 * a changed config is refused; and a run interrupted by SIGINT during GRPO exits 130 and the
 * same command resumes it from its checkpoint.
 */
import assert from "node:assert/strict";
import {
  type PipelineResult,
  runPipeline,
  type StageMarker,
  validatePipelineConfig,
} from "../../lib/pipeline/mod.ts";
import { readDataset } from "../../lib/synth/mod.ts";

const CONFIG = "data/configs/default.json";
const raw = JSON.parse(await Deno.readTextFile(CONFIG));
const config = validatePipelineConfig(raw, CONFIG);
const actions = (r: PipelineResult) => r.stages.map((s) => s.action);
const marker = async (out: string, stage: string): Promise<StageMarker> =>
  JSON.parse(await Deno.readTextFile(`${out}/stages/${stage}.json`));
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("the default config runs every stage under --quick, then skips, reruns --from fine-tune and refuses a changed config", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const first = await runPipeline({ config, raw, out, quick: true, onLog: (l) => lines.push(l) });
  assert.equal(first.signal, null);
  assert.deepEqual(actions(first), ["resume", "run", "run", "run", "run", "run", "run"]);
  const resolved = JSON.parse(await Deno.readTextFile(`${out}/resolved.json`));
  assert.equal(resolved.quick, true);
  assert.equal(resolved.grpo.steps, 2);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}/config.json`)), raw);
  const log = (await Deno.readTextFile(`${out}/log.txt`)).trim().split("\n");
  assert.equal(log.length, lines.length);
  assert.ok(log.every((l) => /^\d{4}-\d\d-\d\dT\S+Z /.test(l)));

  // GRPO ran its steps and saved the generator.
  const metrics = (await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(metrics.map((m) => m.step), [1, 2]);
  assert.ok("confidence" in metrics[0].parts && "format" in metrics[0].parts);
  assert.ok(await exists(`${out}/checkpoints/generator/model.safetensors`));
  // The dataset is labelled records with provenance, fed to fine-tuning.
  const dataset = await readDataset(`${out}/datasets/dataset.jsonl`);
  const samples = (await Deno.readTextFile(`${out}/datasets/samples.jsonl`)).trim().split("\n");
  assert.ok(dataset.length > 0 && dataset.length <= samples.length);
  const provenance = dataset[0].meta.provenance as Record<string, unknown>;
  assert.equal(provenance.labelMethod, "verifier");
  assert.equal(provenance.generatorCheckpoint, `${out}/checkpoints/generator`);
  const ft = await marker(out, "fine-tune");
  assert.equal(ft.outputs.examples, dataset.length);
  assert.equal(ft.outputs.steps, 6);
  // Evaluation: the same items before and after, per kind, with intervals.
  const results = JSON.parse(await Deno.readTextFile(`${out}/eval/results.json`));
  const set = results.sets[0];
  assert.equal(set.name, "procedural");
  // 18 kinds × 2 held-out items, less those in the dataset or too long, all counted.
  assert.equal(set.items + results.excluded.procedural + results.tooLong.procedural, 36);
  assert.equal(
    set.groups.reduce((a: number, g: { before: { total: number } }) => a + g.before.total, 0),
    set.items,
  );
  for (const g of set.groups) {
    assert.equal(g.before.total, g.after.total);
    assert.ok(g.before.low <= g.before.accuracy && g.before.accuracy <= g.before.high);
    assert.ok(g.delta.low <= g.delta.estimate && g.delta.estimate <= g.delta.high);
  }
  assert.match(first.table!, /procedural \/ all/);
  const summary = await Deno.readTextFile(`${out}/report/summary.md`);
  assert.match(summary, /## Reward per function/);
  assert.match(summary, /\| 2 \| /);
  const html = await Deno.readTextFile(`${out}/report/report.html`);
  for (const id of ["reward-curves", "kind-shares", "accuracy-procedural", "change-procedural"]) {
    assert.ok(html.includes(`id="${id}"`), `report.html lacks figure '${id}'`);
  }

  const again = await runPipeline({ config, raw, out, quick: true });
  assert.deepEqual(actions(again), Array(7).fill("skip"));
  assert.equal(again.table, first.table);

  const before = await marker(out, "label");
  const ftBefore = await marker(out, "fine-tune");
  const rerun = await runPipeline({ config, raw, out, quick: true, from: "fine-tune" });
  assert.deepEqual(actions(rerun), ["skip", "skip", "skip", "skip", "run", "run", "run"]);
  assert.deepEqual(await marker(out, "label"), before);
  assert.notEqual((await marker(out, "fine-tune")).finishedAt, ftBefore.finishedAt);
  assert.deepEqual((await marker(out, "fine-tune")).outputs.lastLoss, ftBefore.outputs.lastLoss);

  const changed = validatePipelineConfig(
    { ...raw, synth: { ...raw.synth, label: "generator" } },
    CONFIG,
  );
  await assert.rejects(
    () => runPipeline({ config: changed, raw, out }),
    /stage 'seed' finished with another config: 'quick' was true, now false/,
  );
  await assert.rejects(
    () => runPipeline({ config: changed, raw, out, quick: true }),
    /stage 'label' finished with another config: 'synth.label' was "verifier", now "generator" \(rerun it with --from label/,
  );
});

Deno.test("deno task pipeline stopped by SIGINT during GRPO exits 130, and the same command resumes from its checkpoint", async () => {
  const out = await Deno.makeTempDir();
  const args = [
    "run",
    "--allow-all",
    "tasks/pipeline.ts",
    "--config",
    CONFIG,
    "--quick",
    "--out",
    out,
  ];
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  const deadline = Date.now() + 90_000;
  // Wait for GRPO's first step (its metrics line), then interrupt.
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(`${out}/metrics.jsonl`).catch(() => "");
    if (text.trim()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGINT");
  const r = await child.output();
  const stdout = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 130, `${stdout}\n${new TextDecoder().decode(r.stderr)}`);
  assert.match(stdout, /stopped by SIGINT; run the same command to resume/);
  assert.ok(
    !(await exists(`${out}/stages/train-generator.json`)),
    "GRPO must not be marked finished",
  );
  assert.ok(await exists(`${out}/checkpoints/checkpoint.json`));
  assert.ok(await exists(`${out}/stages/seed.json`));

  const lines: string[] = [];
  const resumed = await runPipeline({ config, raw, out, quick: true, onLog: (l) => lines.push(l) });
  assert.equal(resumed.signal, null);
  assert.deepEqual(actions(resumed), ["skip", "resume", "run", "run", "run", "run", "run"]);
  assert.ok(
    lines.some((l) => /train-generator: resumed from the checkpoint of step [12]/.test(l)),
    lines.join("\n"),
  );
  const metrics = (await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(metrics.map((m) => m.step), [1, 2]);
  assert.ok(await exists(`${out}/report/summary.md`));
});
