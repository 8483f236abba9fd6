/**
 * `deno task demo`: the main job. Until the full AcquisitionSynthesis pipeline lands, it trains a
 * small transformer language model on the graph engine (forward, backward and AdamW in one ONNX
 * Runtime run per step) and prints its loss falling.
 */

import { parseArgs } from "node:util";
import { Graph } from "../lib/graph/ir.ts";
import { tensor } from "../lib/graph/tensor.ts";
import { buildTrainStep } from "../lib/graph/train_step.ts";
import { type BlockLmConfig, blockLmInputs, blockLmLoss, initBlockLm } from "../lib/model/block_lm.ts";
import { countParams } from "../lib/runtime/params.ts";
import { createRuntime } from "../lib/runtime/program.ts";
import { createTrainer, STEP_KEY, trainStep } from "../lib/runtime/trainer.ts";
import { progress } from "../lib/run/progress.ts";

const HELP = `Usage: deno task demo [--steps N] [--seed N] [--threads N]

Trains a small transformer LM on the engine to continue sequences where each token repeats the
token two places back, and prints the loss as it falls (from ln 16 ≈ 2.77 towards 0).

Options:
  --steps N    training steps (default 300)
  --seed N     data and initialisation seed (default 0)
  --threads N  ONNX Runtime threads (default 0 = one per core)
  --help       this text`;

function intFlag(name: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`'--${name}' must be an integer ≥ ${min}: current value is ${raw}`);
  return v;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "300" },
    seed: { type: "string", default: "0" },
    threads: { type: "string", default: "0" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const steps = intFlag("steps", values.steps!, 1);
const seed = intFlag("seed", values.seed!, 0);
const threads = intFlag("threads", values.threads!, 0);

const c: BlockLmConfig = { vocab: 16, width: 64, heads: 4, hidden: 128, layers: 2, seq: 24 };
const batch = 32;
const g = new Graph();
const p = blockLmInputs(g, c);
const tokens = g.input("tokens", "int64", ["B", c.seq]);
const targets = g.input("targets", "int64", ["B", c.seq]);
const step = buildTrainStep(blockLmLoss(p, tokens, targets, c), p, {
  optimizer: { kind: "adamw", weightDecay: 0.01 },
  clipNorm: 1,
});
const store = initBlockLm(c, seed + 1);
const trainer = await createTrainer(createRuntime({ threads }), g, step, store);
console.log(`model: ${c.layers} blocks, width ${c.width}, ${countParams(store, (n) => !n.includes(".adam_") && n !== STEP_KEY)} parameters`);

let state = seed * 2654435761 + 1;
const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
const bar = progress("train", steps);
const log: string[] = [];
for (let i = 1; i <= steps; i++) {
  const tok = new BigInt64Array(batch * c.seq), tgt = new BigInt64Array(batch * c.seq);
  for (let r = 0; r < batch; r++) {
    for (let t = 0; t < c.seq; t++) tok[r * c.seq + t] = BigInt(1 + Math.floor(rand() * (c.vocab - 1)));
    for (let t = 0; t < c.seq; t++) tgt[r * c.seq + t] = t < 2 ? 0n : tok[r * c.seq + t - 2];
  }
  const lr = 3e-3 * Math.min(1, i / 20) * (0.1 + 0.9 * (1 - i / steps));
  const r = await trainStep(trainer, { tokens: tensor("int64", [batch, c.seq], tok), targets: tensor("int64", [batch, c.seq], tgt) }, lr);
  bar.update(i, `loss ${r.loss.toFixed(4)}`);
  if (i === 1 || i % Math.max(1, Math.floor(steps / 10)) === 0) log.push(`step ${String(i).padStart(4)}  loss ${r.loss.toFixed(4)}  grad-norm ${r.gradNorm.toFixed(3)}`);
}
bar.finish();
console.log(log.join("\n"));
