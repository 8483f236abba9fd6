/**
 * Writing a model as a Hugging Face folder: `config.json`, `generation_config.json`,
 * `model.safetensors`, the tokenizer files, and `onnx/model.onnx` — a self-contained KV-cache
 * decoder with the input and output names transformers.js expects, so
 * `AutoModelForCausalLM.from_pretrained(folder)` loads it offline.
 *
 * @module
 */

import { toOnnx } from "../graph/mod.ts";
import { writeSafetensorsFile } from "../runtime/mod.ts";
import { llamaConfigToHf } from "./config.ts";
import { weightConstants } from "./llama.ts";
import type { LanguageModel } from "./model.ts";
import { buildDecodeGraph } from "./programs.ts";

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Also write `onnx/model.onnx` for transformers.js. @default true */
  readonly onnx?: boolean;
  /** Store weights as float16 (half the size; read back widened to float32). @default false */
  readonly half?: boolean;
}

/**
 * Saves a model as a Hugging Face folder. Each file is written to a temporary name and renamed,
 * so an interrupted save leaves whole files only.
 *
 * @example Save a model (any loaded model)
 * ```ts ignore
 * await saveModel(model, "runs/exported");
 * ```
 */
export async function saveModel(
  model: LanguageModel,
  folder: string,
  options: SaveModelOptions = {},
): Promise<void> {
  const { onnx = true, half = false } = options;
  const dir = folder.replace(/\/$/, "");
  await Deno.mkdir(onnx ? `${dir}/onnx` : dir, { recursive: true });
  const write = async (name: string, data: string | Uint8Array) => {
    const tmp = `${dir}/${name}.tmp`;
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, `${dir}/${name}`);
  };
  const c = model.config;
  const tok = model.tokenizer;
  const hf = llamaConfigToHf(c);
  if (hf.bos_token_id === undefined && tok?.bosId != null) hf.bos_token_id = tok.bosId;
  if (hf.eos_token_id === undefined && tok?.eosId != null) hf.eos_token_id = tok.eosId;
  await write("config.json", JSON.stringify(hf, null, 2));
  await write(
    "generation_config.json",
    JSON.stringify(
      {
        bos_token_id: hf.bos_token_id,
        eos_token_id: hf.eos_token_id,
        max_length: c.maxPositionEmbeddings,
      },
      null,
      2,
    ),
  );
  await writeSafetensorsFile(`${dir}/model.safetensors`, model.store, { format: "pt" }, { half });
  if (tok) {
    await write("tokenizer.json", JSON.stringify(tok.json.tokenizer));
    await write("tokenizer_config.json", JSON.stringify(tok.json.config, null, 2));
  }
  if (onnx) {
    const { graph, outputs } = buildDecodeGraph(c, (g) => weightConstants(g, c, model.store));
    const { bytes } = toOnnx(graph, outputs, { name: "acqsynth-decoder" });
    await write("onnx/model.onnx", bytes);
  }
}
