/**
 * Prompt and chat templates. Named formats are plain functions; a tokenizer whose
 * `tokenizer_config.json` carries a Jinja `chat_template` renders through transformers.js.
 *
 * @module
 */

import type { Tokenizer } from "./tokenizer.ts";

/** One chat turn. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** Built-in formats: `plain` ("User: …\nAssistant: …") and `chatml` (`<|im_start|>role …`). */
export type ChatFormat = "plain" | "chatml";

const ROLE_NAMES: Record<ChatMessage["role"], string> = {
  system: "System",
  user: "User",
  assistant: "Assistant",
};

/**
 * Renders messages in a named format; with `addGenerationPrompt` the text ends where the
 * assistant's reply begins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChat } from "./templates.ts";
 * const text = renderChat([{ role: "user", content: "2+2?" }], "plain", { addGenerationPrompt: true });
 * assert.ok(text === "User: 2+2?\nAssistant:");
 * ```
 */
export function renderChat(
  messages: readonly ChatMessage[],
  format: ChatFormat,
  options: { addGenerationPrompt?: boolean } = {},
): string {
  const { addGenerationPrompt = false } = options;
  if (format === "plain") {
    const body = messages.map((m) => `${ROLE_NAMES[m.role]}: ${m.content}`).join("\n");
    return addGenerationPrompt ? `${body}${body ? "\n" : ""}Assistant:` : body;
  }
  if (format === "chatml") {
    const body = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("");
    return addGenerationPrompt ? `${body}<|im_start|>assistant\n` : body;
  }
  throw new RangeError(
    `Cannot render chat: 'format' must be plain or chatml: current value is '${format}'`,
  );
}

/**
 * Renders messages with the tokenizer's own Jinja chat template (from tokenizer_config.json),
 * or in `fallback` format when it has none.
 */
export function applyChatTemplate(
  tok: Tokenizer,
  messages: readonly ChatMessage[],
  options: { addGenerationPrompt?: boolean; fallback?: ChatFormat } = {},
): string {
  const { addGenerationPrompt = false, fallback = "plain" } = options;
  if (!tok.hf.chat_template) return renderChat(messages, fallback, { addGenerationPrompt });
  return tok.hf.apply_chat_template(messages.map((m) => ({ ...m })), {
    tokenize: false,
    add_generation_prompt: addGenerationPrompt,
  }) as string;
}
