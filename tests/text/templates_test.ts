import assert from "node:assert/strict";
import { llama2cToTokenizerJson } from "../../lib/text/llama2c_tokenizer.ts";
import { applyChatTemplate, renderChat } from "../../lib/text/templates.ts";
import { tokenizerFromJson } from "../../lib/text/tokenizer.ts";
import { trainBpe } from "../../lib/text/bpe_train.ts";

const msgs = [{ role: "system", content: "Be brief." }, { role: "user", content: "2+2?" }] as const;

Deno.test("named chat formats render turns and the generation prompt", () => {
  assert.equal(
    renderChat(msgs, "plain", { addGenerationPrompt: true }),
    "System: Be brief.\nUser: 2+2?\nAssistant:",
  );
  assert.equal(
    renderChat(msgs, "chatml", { addGenerationPrompt: true }),
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.throws(() => renderChat(msgs, "xml" as never), /'format' must be plain or chatml/);
});

Deno.test("a tokenizer's Jinja chat template is applied through transformers.js", () => {
  const { tokenizer, config } = llama2cToTokenizerJson(
    trainBpe(["hello there"], { vocabSize: 280 }),
  );
  const template =
    "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";
  const withTemplate = tokenizerFromJson(tokenizer, { ...config, chat_template: template });
  assert.equal(
    applyChatTemplate(withTemplate, msgs, { addGenerationPrompt: true }),
    "[system] Be brief.\n[user] 2+2?\n[assistant] ",
  );
  const without = tokenizerFromJson(tokenizer, config);
  assert.equal(
    applyChatTemplate(without, msgs, { fallback: "plain" }),
    "System: Be brief.\nUser: 2+2?",
  );
});
