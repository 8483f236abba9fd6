/**
 * The fine-tune stage: the student, from its configured folder, fine-tuned on the labelled
 * dataset in its own prompt format (completion-only), checkpointed in `checkpoints/sft` so an
 * interrupted stage resumes; the result is saved to `checkpoints/student` and the loss of every
 * step to `sft_metrics.jsonl`.
 *
 * @module
 */

import { renderStudent } from "../data/mod.ts";
import { loadModel, saveModel } from "../model/mod.ts";
import { readDataset } from "../synth/mod.ts";
import { encodeCompletion } from "../train/mod.ts";
import type { StageContext, StageResult } from "./context.ts";
import { resumableFineTune } from "./fine_tune.ts";
import { readJsonl, writeJsonl } from "./run_log.ts";

/** One line of `sft_metrics.jsonl`. */
interface SftLine {
  step: number;
  loss: number;
  lr: number;
}

/** Fine-tunes the student on the dataset. */
export async function fineTuneStage(ctx: StageContext): Promise<StageResult> {
  const c = ctx.config;
  const records = await readDataset(`${ctx.out}/datasets/dataset.jsonl`);
  if (records.length === 0) {
    throw new RangeError(
      "Cannot fine-tune the student: 'datasets/dataset.jsonl' has no records (labelling kept none)",
    );
  }
  const student = await loadModel(c.models.student, ctx.runtime);
  // Examples longer than the student's context cannot be trained on whole: leave them out, said.
  const all = records.map(renderStudent);
  const examples = all.filter((e) =>
    encodeCompletion(student.tokenizer!, e.prompt, e.completion).tokens.length <=
      student.config.maxPositionEmbeddings
  );
  if (examples.length < all.length) {
    ctx.log(
      `fine-tune: ${
        all.length - examples.length
      } examples left out, longer than the student's context`,
    );
  }
  if (examples.length === 0) {
    throw new RangeError(
      "Cannot fine-tune the student: no example of the dataset fits its context",
    );
  }
  const metricsPath = `${ctx.out}/sft_metrics.jsonl`;
  const every = (steps: number) => Math.max(1, Math.round(steps / 10));
  const r = await resumableFineTune(student, examples, {
    config: c.sft,
    seed: c.seed,
    dir: `${ctx.out}/checkpoints/sft`,
    signals: ctx.signals,
    onStep: (step, steps, loss, lr) => {
      Deno.writeTextFileSync(metricsPath, JSON.stringify({ step, loss, lr }) + "\n", {
        append: true,
      });
      if (step % every(steps) === 0 || step === steps) {
        ctx.log(
          `fine-tune: step ${step}/${steps} loss ${loss.toFixed(4)} lr ${lr.toExponential(2)}`,
        );
      }
    },
  });
  if (r.resumedFrom !== null) {
    ctx.log(`fine-tune: resumed from the checkpoint of step ${r.resumedFrom}`);
  }
  // A resumed run appends again the steps after its checkpoint: keep the last line of each step.
  const lines = await readJsonl<SftLine>(metricsPath).catch(() => [] as SftLine[]);
  const byStep = new Map(lines.map((l) => [l.step, l]));
  await writeJsonl(metricsPath, [...byStep.values()].sort((a, b) => a.step - b.step));
  if (r.signal) return { signal: r.signal };
  await saveModel(student, `${ctx.out}/checkpoints/student`, { onnx: false });
  const steps = [...byStep.values()].sort((a, b) => a.step - b.step);
  return {
    outputs: {
      student: `${ctx.out}/checkpoints/student`,
      examples: examples.length,
      tooLong: all.length - examples.length,
      steps: r.steps,
      resumedFrom: r.resumedFrom,
      firstLoss: steps[0]?.loss ?? null,
      lastLoss: steps.at(-1)?.loss ?? null,
    },
  };
}
