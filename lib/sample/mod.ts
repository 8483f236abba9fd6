/**
 * Sampling with a KV cache: B prompts × G samples each, temperature / top-k / top-p / min-p,
 * stop strings (cut off, or kept with `keepStop`), EOS, a seeded stream per row so a run repeats
 * exactly, and per-token log-probs. `sample()` is `prefill`, then `step` until done, then
 * `finish`; the three are exported for callers that drive decoding themselves.
 *
 * @example Four seeded samples of one prompt from the default student
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModel } from "../model/mod.ts";
 * import { createRuntime } from "../runtime/mod.ts";
 * import { sample } from "./mod.ts";
 * const model = await loadModel("data/models/student", createRuntime({ threads: 1 }));
 * const opts = { samplesPerPrompt: 4, seed: 1, temperature: 1, maxNewTokens: 20 };
 * const a = await sample(model, ["Q: What is 4 + 5?\nA:"], opts);
 * const b = await sample(model, ["Q: What is 4 + 5?\nA:"], opts);
 * assert.equal(a.length, 4);
 * assert.deepEqual(a.map((s) => s.text), b.map((s) => s.text)); // same seed, same samples
 * ```
 *
 * @module
 */

export {
  continuationText,
  type DecodeState,
  finish,
  prefill,
  prepareDecoder,
  type Sample,
  sample,
  type SampleOptions,
  step,
} from "./sampler.ts";
export {
  checkChooseOptions,
  type Choice,
  type ChooseOptions,
  chooseToken,
  type TokenDistribution,
  tokenDistribution,
} from "./choose.ts";
export { checkStop, cutAtEos, eosIds, findStop, type StopCheck, streamableLength } from "./stop.ts";
