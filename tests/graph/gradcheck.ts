/**
 * Finite-difference gradient checking against ONNX Runtime, in float64 with central differences.
 * Shared by the gradient-rule tests and the model tests.
 */

import { grad } from "../../lib/graph/autodiff.ts";
import { Graph, type Value } from "../../lib/graph/ir.ts";
import { mul, reduceSum } from "../../lib/graph/ops.ts";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import { createRng } from "../../lib/run/rng.ts";
import { compile, runProgram, type Runtime } from "../../lib/runtime/program.ts";

/** Uniform numbers in [0, 1) for test data, from the one seeded RNG. */
export function seeded(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

/** What a check measured. */
export interface GradCheckResult {
  /** Worst relative error over the differentiable inputs: ‖analytic − numeric‖ / max(‖·‖). */
  relError: number;
  /** Ops of the forward graph, for coverage accounting. */
  ops: Set<string>;
  /** Largest analytic gradient norm, to catch vacuous checks. */
  gradNorm: number;
}

/**
 * Builds `build(inputs)` as a scalar loss `sum(out ⊙ w)` with a fixed random `w`, differentiates it
 * with respect to every float64 input, and compares with central finite differences.
 */
export async function gradCheck(
  rt: Runtime,
  inputs: Record<string, HostTensor>,
  build: (g: Graph, x: Record<string, Value>) => Value,
  options: { seed?: number; h?: number; wrt?: string[] } = {},
): Promise<GradCheckResult> {
  const { seed = 1, h = 1e-5 } = options;
  const rand = seeded(seed);
  const g = new Graph();
  const xs: Record<string, Value> = {};
  for (const [k, t] of Object.entries(inputs)) xs[k] = g.input(k, t.dtype, t.shape);
  const out = build(g, xs);
  const ops = new Set(g.nodes.map((n) => n.op as string));
  const size = out.shape.reduce<number>((p, d) => p * (d as number), 1);
  if (out.shape.some((d) => typeof d !== "number")) {
    throw new Error("gradCheck needs a static output shape");
  }
  const w = g.constant(
    tensor("float64", out.shape as number[], Array.from({ length: size }, () => rand() * 2 - 1)),
  );
  const loss = out.shape.length === 0 ? mul(out, w) : reduceSum(mul(out, w));
  const wrt = options.wrt ?? Object.keys(inputs).filter((k) => inputs[k].dtype === "float64");
  const r = await gradCheckGraph(rt, g, loss, wrt, inputs, h);
  return { ...r, ops };
}

/**
 * Checks d(loss)/d(input) for the named float64 graph inputs against central differences,
 * perturbing every element of each. `loss` must be a float64 scalar of `g`.
 */
export async function gradCheckGraph(
  rt: Runtime,
  g: Graph,
  loss: Value,
  wrt: readonly string[],
  inputs: Record<string, HostTensor>,
  h = 1e-5,
): Promise<{ relError: number; gradNorm: number; worstInput: string }> {
  const xs = Object.fromEntries(g.inputs.map((v) => [v.name!, v]));
  const grads = grad(loss, wrt.map((k) => xs[k]));
  const outs: Record<string, Value> = { loss };
  wrt.forEach((k, i) => (outs[`d_${k}`] = grads[i]));
  const prog = await compile(rt, g, outs);
  const feed = (ins: Record<string, HostTensor>) => {
    const f: Record<string, HostTensor> = {};
    for (const s of prog.signature.inputs) f[s.name] = ins[s.name];
    return f;
  };
  const res = await runProgram(prog, feed(inputs));
  const lossOnly = await compile(rt, g, { loss });
  let worst = 0;
  let gradNorm = 0;
  let worstInput = "";
  for (const k of wrt) {
    const analytic = res[`d_${k}`].data as Float64Array;
    const base = inputs[k].data as Float64Array;
    const numeric = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = async (delta: number) => {
        const copy = new Float64Array(base);
        copy[i] += delta;
        const r = await runProgram(
          lossOnly,
          feed({ ...inputs, [k]: tensor("float64", inputs[k].shape, copy) }),
        );
        return (r.loss.data as Float64Array)[0];
      };
      numeric[i] = ((await at(h)) - (await at(-h))) / (2 * h);
    }
    let diff = 0, na = 0, nn = 0;
    for (let i = 0; i < base.length; i++) {
      diff += (analytic[i] - numeric[i]) ** 2;
      na += analytic[i] ** 2;
      nn += numeric[i] ** 2;
    }
    const scale = Math.max(Math.sqrt(na), Math.sqrt(nn), 1e-12);
    if (Math.sqrt(diff) / scale > worst) {
      worst = Math.sqrt(diff) / scale;
      worstInput = k;
    }
    gradNorm = Math.max(gradNorm, Math.sqrt(na));
  }
  return { relError: worst, gradNorm, worstInput };
}

/** A float64 tensor of the given shape with values from `lo` to `hi`. */
export function randomTensor(
  rand: () => number,
  shape: number[],
  lo = -1,
  hi = 1,
): HostTensor<"float64"> {
  const n = shape.reduce((p, q) => p * q, 1);
  return tensor("float64", shape, Array.from({ length: n }, () => lo + (hi - lo) * rand()));
}
