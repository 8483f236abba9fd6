import assert from "node:assert/strict";
import { AutoModelForCausalLM, env, Tensor } from "@huggingface/transformers";
import { saveModel } from "../../lib/model/export.ts";
import { loadModel } from "../../lib/model/model.ts";
import { createRuntime } from "../../lib/runtime/program.ts";
import { sample } from "../../lib/sample/sampler.ts";
import { sharedFile } from "../shared_data.ts";

const rt = createRuntime({ threads: 1 });
const modelPath = await sharedFile("models/stories260K.bin");
const tokPath = await sharedFile("models/tok512.bin");

Deno.test({
  name:
    "transformers.js loads the exported folder offline and generates the sampler's greedy tokens",
  ignore: !modelPath || !tokPath,
  fn: async () => {
    const model = await loadModel(modelPath!, rt, { tokenizer: tokPath });
    const dir = await Deno.makeTempDir();
    try {
      await saveModel(model, `${dir}/stories`);
      env.allowRemoteModels = false;
      env.localModelPath = `${dir}/`;
      const hf = await AutoModelForCausalLM.from_pretrained("stories", { local_files_only: true });
      for (const prompt of ["Once upon a time", "The cat sat"]) {
        const ids = model.tokenizer!.encode(prompt);
        const out = await hf.generate({
          input_ids: new Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
          max_new_tokens: 24,
          do_sample: false,
        }) as Tensor;
        const theirs = Array.from(out.data as BigInt64Array, Number).slice(ids.length);
        const [ours] = await sample(model, [ids], { temperature: 0, maxNewTokens: 24 });
        assert.deepEqual(theirs.slice(0, ours.tokens.length), ours.tokens);
        assert.ok(ours.tokens.length >= 20);
      }
      // The same folder loads back into the toolkit with identical weights and tokenizer.
      const back = await loadModel(`${dir}/stories`, rt);
      assert.deepEqual(back.config, model.config);
      for (const [k, t] of model.store) assert.deepEqual(back.store.get(k)!.data, t.data, k);
      assert.deepEqual(back.tokenizer!.encode("Lily"), model.tokenizer!.encode("Lily"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
