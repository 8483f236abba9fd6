import assert from "node:assert/strict";
import { SHARED_DATA } from "../shared_data.ts";

const shared = await Deno.stat(`${SHARED_DATA}/math/svamp.json`).then(() => true, () => false);
const task = new URL("../../tasks/score_predictions.ts", import.meta.url).pathname;

async function run(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", task, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

Deno.test({
  name: "score-predictions prints the accuracy and writes per-item results",
  ignore: !shared,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const data = JSON.parse(await Deno.readTextFile(`${SHARED_DATA}/math/svamp.json`)) as {
      ID: string;
      Answer: number;
    }[];
    // Half right (the gold answer in words), half wrong.
    const lines = data.map((r, i) =>
      JSON.stringify({
        id: r.ID,
        prediction: i % 2 === 0 ? `So the answer is ${r.Answer}.` : "I think 123456789.",
      })
    );
    await Deno.writeTextFile(`${dir}/pred.jsonl`, lines.join("\n"));
    const r = await run([
      "--format",
      "svamp",
      "--data",
      `${SHARED_DATA}/math/svamp.json`,
      "--predictions",
      `${dir}/pred.jsonl`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), "accuracy: 0.5000");
    const results = (await Deno.readTextFile(`${dir}/pred.results.jsonl`)).trim().split("\n").map((
      l,
    ) => JSON.parse(l));
    assert.equal(results.length, 1000);
    assert.equal(results[0].correct, true);
    assert.equal(results[1].correct, false);
    const bad = await run(["--format", "svampp", "--data", "x", "--predictions", "y"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /'--format' must be one of/);
  },
});
