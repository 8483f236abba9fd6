/**
 * `deno task sample`: prints a model's continuation of a prompt.
 */

import { parseArgs } from "node:util";
import { loadModel } from "../lib/model/model.ts";
import { createRuntime } from "../lib/runtime/program.ts";
import { sample } from "../lib/sample/sampler.ts";

const HELP = `Usage: deno task sample --model PATH [--tokenizer PATH] [--prompt TEXT] [options]

Prints the model's continuation of the prompt.

  --model PATH          Hugging Face folder (config.json, model.safetensors) or llama2.c .bin
  --tokenizer PATH      tokenizer folder, tokenizer.json or llama2.c tokenizer .bin
                        (default: the model folder's tokenizer.json)
  --prompt TEXT         prompt text (default: empty, i.e. start from BOS)
  --max-new-tokens N    default 64
  --temperature T       0 is greedy; default 1
  --top-k K             default 0 (off)
  --top-p P             default 1 (off)
  --samples G           samples of the prompt; default 1
  --seed N              default 0
  --stop TEXT           stop string (repeatable)
  --provider NAME       cpu | cuda | webgpu; default cpu
  --help                this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    tokenizer: { type: "string" },
    prompt: { type: "string", default: "" },
    "max-new-tokens": { type: "string", default: "64" },
    temperature: { type: "string", default: "1" },
    "top-k": { type: "string", default: "0" },
    "top-p": { type: "string", default: "1" },
    samples: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
    stop: { type: "string", multiple: true, default: [] },
    provider: { type: "string", default: "cpu" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
function num(flag: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v)) {
    console.error(`error: '--${flag}' must be a number: current value is '${raw}'`);
    Deno.exit(2);
  }
  return v;
}
if (!values.model) {
  console.error("error: '--model' is required (see --help)");
  Deno.exit(2);
}
try {
  const model = await loadModel(
    values.model,
    createRuntime({ provider: values.provider as "cpu" }),
    { tokenizer: values.tokenizer },
  );
  const samples = await sample(model, [values.prompt!], {
    maxNewTokens: num("max-new-tokens", values["max-new-tokens"]!),
    temperature: num("temperature", values.temperature!),
    topK: num("top-k", values["top-k"]!),
    topP: num("top-p", values["top-p"]!),
    samplesPerPrompt: num("samples", values.samples!),
    seed: num("seed", values.seed!),
    stop: values.stop as string[],
  });
  for (const s of samples) {
    if (samples.length > 1) console.log(`--- sample ${s.index} (${s.finish}) ---`);
    console.log(values.prompt + s.text);
  }
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(1);
}
