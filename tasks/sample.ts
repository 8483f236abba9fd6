/**
 * `deno task sample`: prints a model's continuations of a prompt, as text or as one JSON object.
 */

import { createRuntime, type Provider } from "../lib/runtime/mod.ts";
import { loadModel } from "../lib/model/mod.ts";
import { sample } from "../lib/sample/mod.ts";
import { cli, runMain } from "../lib/run/mod.ts";

const flags = cli({
  name: "sample",
  summary: "Prints the model's continuations of the prompt (or, with --json, one JSON object " +
    "with the samples, their finish reasons and token counts).",
  flags: {
    model: {
      kind: "string",
      help:
        "Hugging Face folder (config.json, model.safetensors or a shard index) or llama2.c .bin",
      default: "data/models/student",
      value: "PATH",
    },
    tokenizer: {
      kind: "string",
      help: "tokenizer folder, tokenizer.json or llama2.c tokenizer .bin (default: the model's)",
      value: "PATH",
    },
    prompt: {
      kind: "string",
      help: "prompt text; \\n is a newline ('' starts from BOS)",
      default: "",
    },
    "max-new-tokens": {
      kind: "number",
      help: "tokens to generate at most",
      default: 64,
      integer: true,
      min: 1,
    },
    temperature: { kind: "number", help: "0 is greedy", default: 1, min: 0 },
    "top-k": {
      kind: "number",
      help: "keep the k most likely tokens (0: off)",
      default: 0,
      integer: true,
      min: 0,
    },
    "top-p": { kind: "number", help: "nucleus mass (1: off)", default: 1, min: 0, max: 1 },
    samples: { kind: "number", help: "samples of the prompt", default: 1, integer: true, min: 1 },
    seed: { kind: "number", help: "seed of the sampler", default: 0, integer: true, min: 0 },
    stop: { kind: "strings", help: "stop string; \\n is a newline", value: "TEXT" },
    "keep-stop": { kind: "boolean", help: "keep the matched stop string at the end of the text" },
    provider: {
      kind: "string",
      help: "ONNX Runtime execution provider",
      default: "cpu",
      choices: ["cpu", "cuda", "webgpu"],
    },
    json: { kind: "boolean", help: "print one JSON object instead of text" },
  },
  examples: [
    "deno task sample --prompt 'Q: What is 12 + 7?\nA:' --temperature 0 --stop '\\n'",
    "deno task sample --model data/models/generator --prompt '<question>' --samples 4 --seed 1 " +
    "--stop '</answer>' --keep-stop --json",
  ],
});

await runMain(async () => {
  const model = await loadModel(
    flags.model,
    createRuntime({ provider: flags.provider as Provider }),
    { tokenizer: flags.tokenizer },
  );
  // Flags as typed take escapes literally; '\n' in a stop string means a newline.
  const stop = flags.stop.map((s) => s.replaceAll("\\n", "\n"));
  const prompt = flags.prompt.replaceAll("\\n", "\n");
  const samples = await sample(model, [prompt], {
    maxNewTokens: flags["max-new-tokens"],
    temperature: flags.temperature,
    topK: flags["top-k"],
    topP: flags["top-p"],
    samplesPerPrompt: flags.samples,
    seed: flags.seed,
    stop,
    keepStop: flags["keep-stop"],
  });
  if (flags.json) {
    console.log(JSON.stringify({
      model: flags.model,
      prompt,
      seed: flags.seed,
      samples: samples.map((s) => ({
        index: s.index,
        text: s.text,
        finish: s.finish,
        ...(s.stop !== undefined ? { stop: s.stop } : {}),
        tokens: s.tokens.length,
        logprob: s.logprobs.reduce((a, b) => a + b, 0),
      })),
    }));
    return;
  }
  for (const s of samples) {
    if (samples.length > 1) console.log(`--- sample ${s.index} (${s.finish}) ---`);
    console.log(prompt + s.text);
  }
});
