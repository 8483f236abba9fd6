import assert from "node:assert/strict";
import { loadDataset } from "../../lib/data/loaders.ts";
import { createSandbox } from "../../lib/verify/sandbox.ts";
import { scorePredictions } from "../../lib/verify/score.ts";
import { sharedFile } from "../shared_data.ts";

const mbppFile = await sharedFile("code/mbpp.jsonl");
const heFile = await sharedFile("code/mbpp_sanitized_humaneval_format.jsonl");
const task = new URL("../../tasks/score_predictions.ts", import.meta.url).pathname;
const FENCE = "`".repeat(3);

Deno.test({
  name: "score-predictions --format mbpp: all 974 gold programs pass in the sandbox",
  ignore: !mbppFile,
  fn: async () => {
    const { records } = await loadDataset("mbpp", mbppFile!);
    const dir = await Deno.makeTempDir();
    try {
      // The way a model writes it: some words, then the program in a fence.
      const lines = records.map((r) =>
        JSON.stringify({
          id: r.id,
          prediction: `Here is the function.\n${FENCE}python\n${r.answer}\n${FENCE}\n`,
        })
      );
      await Deno.writeTextFile(`${dir}/pred.jsonl`, lines.join("\n") + "\n");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", task, "--format", "mbpp", "--data", mbppFile!, "--predictions"]
          .concat([`${dir}/pred.jsonl`, "--workers", "2"]),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, err);
      assert.match(new TextDecoder().decode(out.stdout), /^accuracy: 1\.0000 \(974\/974\)$/m);
      assert.match(err, /runs: pass 974/);
      const results = (await Deno.readTextFile(`${dir}/pred.results.jsonl`)).trim().split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(results.length, 974);
      assert.ok(results.every((r) => r.correct && r.status === "pass"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "mbpp and humaneval: programs shuffled across items fail; HumanEval gold passes",
  ignore: !mbppFile || !heFile,
  fn: async () => {
    const sandbox = await createSandbox({ concurrency: 2, timeoutMs: 10000 });
    const mbpp = (await loadDataset("mbpp", mbppFile!)).records.slice(0, 150);
    const shuffled = new Map(mbpp.map((r, i) => [r.id, mbpp[(i * 7 + 13) % mbpp.length].answer]));
    const m = await scorePredictions(mbpp, shuffled, { sandbox });
    const mAcc = m.filter((r) => r.correct).length / m.length;
    assert.ok(mAcc < 0.02, `shuffled MBPP accuracy ${mAcc}`);
    assert.ok(m.every((r) => r.status !== "pass" && r.stderr !== undefined));

    const he = (await loadDataset("humaneval", heFile!)).records;
    const gold = await scorePredictions(he, new Map(he.map((r) => [r.id, r.answer])), {
      sandbox,
    });
    const failed = gold.filter((r) => !r.correct);
    assert.deepEqual(failed.map((r) => `${r.id}: ${r.status} ${r.stderr}`), []);
    // A body-only completion is appended to the prompt, as HumanEval completions are.
    const body = he[0].answer.slice(he[0].question.length);
    const [asBody] = await scorePredictions([he[0]], new Map([[he[0].id, body]]), {
      sandbox,
    });
    assert.equal(asBody.status, "pass", asBody.stderr ?? "");
    const sub = he.slice(0, 100);
    const heShuffled = new Map(sub.map((r, i) => [r.id, sub[(i * 7 + 13) % sub.length].answer]));
    const s = await scorePredictions(sub, heShuffled, { sandbox });
    const sAcc = s.filter((r) => r.correct).length / s.length;
    assert.ok(sAcc < 0.03, `shuffled HumanEval accuracy ${sAcc}`);
  },
});
