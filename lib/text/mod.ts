/**
 * Text: tokenizers (Hugging Face `tokenizer.json` through transformers.js, offline; llama2.c
 * vocabularies converted to it), BPE vocabulary training, and chat/prompt templates.
 *
 * @example Render a chat prompt
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChat } from "./mod.ts";
 * assert.equal(renderChat([{ role: "user", content: "Hi" }], "plain", { addGenerationPrompt: true }), "User: Hi\nAssistant:");
 * ```
 *
 * @module
 */

export {
  checkTokenizerMatchesModel,
  type DecodeOptions,
  type EncodeOptions,
  loadTokenizer,
  type Tokenizer,
  tokenizerFromJson,
} from "./tokenizer.ts";
export {
  countLlama2cPieces,
  type Llama2cPiece,
  llama2cToTokenizerJson,
  readLlama2cTokenizer,
  type TokenizerFiles,
} from "./llama2c_tokenizer.ts";
export { trainBpe, type TrainBpeOptions } from "./bpe_train.ts";
export { applyChatTemplate, type ChatFormat, type ChatMessage, renderChat } from "./templates.ts";
export { extractBoxed } from "./latex.ts";
export { joinCompletion } from "./python_body.ts";
