/**
 * The stage machinery without models: markers as commit points, chained fingerprints, skip,
 * resume, --from, refusal of a changed config naming the field, clearing a stage.
 */
import assert from "node:assert/strict";
import { validatePipelineConfig } from "../../lib/pipeline/mod.ts";
import {
  clearStage,
  flatten,
  planStages,
  type Stage,
  STAGE_FIELDS,
  STAGES,
  writeMarker,
} from "../../lib/pipeline/stages.ts";

const config = (extra: Record<string, unknown> = {}) =>
  validatePipelineConfig({ name: "t", seeds: { kinds: ["add"], count: 2 }, ...extra });

/** Writes the markers a finished run would leave for `stages`. */
async function finish(out: string, c = config(), stages: readonly Stage[] = STAGES) {
  for (const p of await planStages(out, c)) {
    if (!stages.includes(p.stage)) continue;
    await writeMarker(out, {
      stage: p.stage,
      fingerprint: p.fingerprint,
      config: p.config,
      after: p.after,
      outputs: { stage: p.stage },
      seconds: 0,
      finishedAt: "",
    });
  }
}

const actions = async (out: string, c = config(), from?: Stage) =>
  (await planStages(out, c, from)).map((p) => p.action);

Deno.test("a new folder runs every stage; a finished one skips every stage", async () => {
  const out = await Deno.makeTempDir();
  assert.deepEqual(await actions(out), ["resume", "run", "run", "run", "run", "run", "run"]);
  await finish(out);
  assert.deepEqual(await actions(out), STAGES.map(() => "skip"));
});

Deno.test("--from reruns that stage and every one after it", async () => {
  const out = await Deno.makeTempDir();
  await finish(out);
  assert.deepEqual(await actions(out, config(), "fine-tune"), [
    "skip",
    "skip",
    "skip",
    "skip",
    "run",
    "run",
    "run",
  ]);
});

Deno.test("an interrupted stage resumes and every stage after it runs again", async () => {
  const out = await Deno.makeTempDir();
  await finish(out, config(), ["seed", "train-generator"]);
  assert.deepEqual(await actions(out), [
    "skip",
    "skip",
    "resume",
    "run",
    "run",
    "run",
    "run",
  ]);
});

Deno.test("a changed config under a finished stage is refused, naming the field and the stage to rerun from", async () => {
  const out = await Deno.makeTempDir();
  await finish(out);
  const changed = config({ evaluation: { procedural: { count: 7 } } });
  await assert.rejects(
    () => planStages(out, changed),
    /stage 'evaluate' finished with another config: 'evaluation.procedural.count' was 20, now 7 \(rerun it with --from evaluate/,
  );
  assert.deepEqual(await actions(out, changed, "evaluate"), [
    "skip",
    "skip",
    "skip",
    "skip",
    "skip",
    "run",
    "run",
  ]);
  const earlier = config({ grpo: { steps: 3 } });
  await assert.rejects(
    () => planStages(out, earlier, "evaluate"),
    /stage 'train-generator'.*'grpo.steps' was 50, now 3/,
  );
});

Deno.test("the fingerprint chains: a stage's config fields do not touch the stages before it", async () => {
  const out = await Deno.makeTempDir();
  const a = await planStages(out, config());
  const b = await planStages(out, config({ sft: { preset: "tiny", epochs: 1 } }));
  const same = a.map((p, i) => p.fingerprint === b[i].fingerprint);
  assert.deepEqual(same, [true, true, true, true, false, false, false]);
});

Deno.test("clearStage removes a stage's marker and outputs, and nothing else", async () => {
  const out = await Deno.makeTempDir();
  await finish(out);
  await Deno.mkdir(`${out}/eval`);
  await Deno.writeTextFile(`${out}/eval/results.json`, "{}");
  await Deno.mkdir(`${out}/datasets`);
  await Deno.writeTextFile(`${out}/datasets/dataset.jsonl`, "");
  await clearStage(out, "evaluate");
  const exists = (p: string) => Deno.stat(`${out}/${p}`).then(() => true, () => false);
  assert.deepEqual(
    await Promise.all(
      ["eval", "stages/evaluate.json", "stages/label.json", "datasets/dataset.jsonl"].map(exists),
    ),
    [false, false, true, true],
  );
});

Deno.test("flatten names every leaf by its dotted path", () => {
  assert.deepEqual(flatten({ a: { b: 1, c: [2, { d: null }] }, e: [] }, "x"), {
    "x.a.b": 1,
    "x.a.c[0]": 2,
    "x.a.c[1].d": null,
    "x.e": [],
  });
});

Deno.test("every resolved config field but the thread count belongs to some stage's fingerprint", () => {
  const c = config();
  const fields = Object.values(STAGE_FIELDS).flat();
  const leaves = Object.keys(flatten(c)).filter((k) => k !== "threads");
  const uncovered = leaves.filter((leaf) =>
    !fields.some((f) => leaf === f || leaf.startsWith(`${f}.`) || leaf.startsWith(`${f}[`))
  );
  assert.deepEqual(uncovered, []);
});

Deno.test("a new labelling method reruns from label, not from synthesise", async () => {
  const out = await Deno.makeTempDir();
  await finish(out);
  const relabel = config({ synth: { label: "generator" } });
  await assert.rejects(() => planStages(out, relabel), /stage 'label'.*--from label/);
  assert.deepEqual(await actions(out, relabel, "label"), [
    "skip",
    "skip",
    "skip",
    "run",
    "run",
    "run",
    "run",
  ]);
});
