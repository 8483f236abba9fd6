/**
 * The prompts a generator writes a new task from, one per template, each built from one seed
 * task. The default generator was pretrained on single tasks in tags that begin at `<question>`,
 * so every template ends where a task's `<question>` part begins or where a chat reply begins.
 *
 * @module
 */

import { renderGenerator, type TaskRecord } from "../data/mod.ts";
import { applyChatTemplate, type ChatMessage, renderChat, type Tokenizer } from "../text/mod.ts";

/**
 * How a generator prompt is built from a seed task:
 * - `bare`: `<question>` alone (the seed is not shown; the default generator's own format);
 * - `tags`: the seed task in tags, a newline, then `<question>` (the generator continues with a
 *   second task, steered toward the seed's kind);
 * - `reference`: the reference work's instruction prompt, one seed example and then the
 *   instruction to write a new question with reasoning and answer in tags, as a chat turn (for
 *   instruction-tuned generators).
 */
export type GeneratorTemplate = "bare" | "tags" | "reference";

/**
 * The text every generated task starts with; the rollout prepends it to what was sampled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUESTION_OPEN } from "./prompt.ts";
 * assert.equal(QUESTION_OPEN, "<question>");
 * ```
 */
export const QUESTION_OPEN = "<question>";

function domainWords(seed: TaskRecord): string {
  return seed.domain === "code" ? "programming" : seed.domain;
}

/**
 * The reference template's user turn: one example, then what to write and in which tags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { referenceInstruction } from "./prompt.ts";
 * const seed = { id: "s", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * const text = referenceInstruction(seed);
 * assert.ok(text.includes("<question>What is 2 + 3?</question>"));
 * assert.ok(text.includes("<answer></answer>"));
 * ```
 */
export function referenceInstruction(seed: TaskRecord): string {
  const d = domainWords(seed);
  return [
    `Here is an example of a ${d} problem, with its reasoning and its answer:`,
    "",
    renderGenerator(seed),
    "",
    `Write one new ${d} problem of the same kind but different from the example. ` +
    "Put the question in <question></question>, a step-by-step solution in " +
    "<reasoning></reasoning> and the final answer alone in <answer></answer>.",
  ].join("\n");
}

function referenceMessages(seed: TaskRecord): ChatMessage[] {
  return [{ role: "user", content: referenceInstruction(seed) }];
}

/**
 * The templates, keyed by name; each turns a seed task into a prompt. `reference` renders its
 * chat turn in the plain `User: …\nAssistant:` format; {@link generatorPrompt} with a tokenizer
 * renders it through the tokenizer's own chat template instead.
 *
 * @example The default generator's templates
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENERATOR_TEMPLATES } from "./prompt.ts";
 * const seed = { id: "s", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * assert.equal(GENERATOR_TEMPLATES.bare(seed), "<question>");
 * assert.equal(GENERATOR_TEMPLATES.tags(seed),
 *   "<question>What is 2 + 3?</question>\n<reasoning>2 + 3 = 5.</reasoning>\n<answer>5</answer>\n<question>");
 * assert.ok(GENERATOR_TEMPLATES.reference(seed).endsWith("\nAssistant:"));
 * ```
 */
export const GENERATOR_TEMPLATES: Readonly<
  Record<GeneratorTemplate, (seed: TaskRecord) => string>
> = Object.freeze({
  bare: () => QUESTION_OPEN,
  tags: (seed: TaskRecord) => `${renderGenerator(seed)}\n${QUESTION_OPEN}`,
  reference: (seed: TaskRecord) =>
    renderChat(referenceMessages(seed), "plain", { addGenerationPrompt: true }),
});

/** Options of {@link generatorPrompt}. */
export interface GeneratorPromptOptions {
  /**
   * A tokenizer whose chat template renders the `reference` template (other templates ignore
   * it). @default undefined (the plain `User: …\nAssistant:` format)
   */
  readonly tokenizer?: Tokenizer;
}

/**
 * The prompt `template` builds from `seed`.
 *
 * @example A tags prompt ends where the new task begins
 * ```ts
 * import assert from "node:assert/strict";
 * import { generatorPrompt } from "./prompt.ts";
 * const seed = { id: "s", domain: "math" as const, answerKind: "number" as const,
 *   question: "What is 2 + 3?", reasoning: "2 + 3 = 5.", answer: "5", meta: {} };
 * assert.ok(generatorPrompt(seed, "tags").endsWith("</answer>\n<question>"));
 * assert.throws(() => generatorPrompt(seed, "chat" as never), /'template' must be one of/);
 * ```
 */
export function generatorPrompt(
  seed: TaskRecord,
  template: GeneratorTemplate,
  options: GeneratorPromptOptions = {},
): string {
  const { tokenizer } = options;
  if (!Object.hasOwn(GENERATOR_TEMPLATES, template)) {
    throw new RangeError(
      `Cannot build a generator prompt: 'template' must be one of ${
        Object.keys(GENERATOR_TEMPLATES).join(", ")
      }: current value is ${JSON.stringify(template)}`,
    );
  }
  if (template === "reference" && tokenizer) {
    return applyChatTemplate(tokenizer, referenceMessages(seed), { addGenerationPrompt: true });
  }
  return GENERATOR_TEMPLATES[template](seed);
}

/**
 * The text a rollout reads back as a task: templates that end in `<question>` leave it out of
 * the sampled text, so it is put back in front.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { completionTaskText } from "./prompt.ts";
 * assert.equal(completionTaskText("Why?</question>", "tags"), "<question>Why?</question>");
 * assert.equal(completionTaskText("<question>Why?</question>", "reference"), "<question>Why?</question>");
 * ```
 */
export function completionTaskText(completion: string, template: GeneratorTemplate): string {
  return template === "reference" ? completion : QUESTION_OPEN + completion;
}
