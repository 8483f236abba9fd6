import assert from "node:assert/strict";
import { grad } from "../../lib/graph/autodiff.ts";
import { differentiableOps } from "../../lib/graph/gradients.ts";
import { Graph, type OpType, type Value } from "../../lib/graph/ir.ts";
import * as op from "../../lib/graph/ops.ts";
import { type HostTensor, tensor } from "../../lib/graph/tensor.ts";
import { compile, createRuntime, runProgram } from "../../lib/runtime/program.ts";
import { gradCheck, randomTensor, seeded } from "./gradcheck.ts";

const rt = createRuntime({ threads: 1 });
const TOL = 1e-6;

type Rand = () => number;
interface Case {
  name: string;
  /** The op whose rule this case checks. */
  covers: OpType;
  make(
    rand: Rand,
  ): { inputs: Record<string, HostTensor>; build: (g: Graph, x: Record<string, Value>) => Value };
}

const dim = (rand: Rand, lo = 1, hi = 4) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
/** A random shape of rank 1-3 and a shape that broadcasts against it (1s and/or fewer axes). */
function broadcastPair(rand: Rand): [number[], number[]] {
  const a = Array.from({ length: dim(rand, 1, 3) }, () => dim(rand, 2, 4));
  let b = a.map((d) => (rand() < 0.4 ? 1 : d));
  if (rand() < 0.4 && b.length > 1) b = b.slice(1);
  return rand() < 0.5 ? [a, b] : [b, a];
}
/** Values bounded away from 0, so kinks (relu, abs, max) are not straddled by the finite difference. */
function awayFromZero(rand: Rand, shape: number[]): HostTensor<"float64"> {
  const t = randomTensor(rand, shape, 0.2, 1.2);
  for (let i = 0; i < t.data.length; i++) if (rand() < 0.5) t.data[i] = -t.data[i];
  return t;
}

function binaryCase(
  covers: OpType,
  f: (a: Value, b: Value) => Value,
  lo = -1,
  hi = 1,
  bLo = lo,
  bHi = hi,
): Case {
  return {
    name: `${covers} with broadcasting`,
    covers,
    make(rand) {
      const [sa, sb] = broadcastPair(rand);
      return {
        inputs: { a: randomTensor(rand, sa, lo, hi), b: randomTensor(rand, sb, bLo, bHi) },
        build: (_g, { a, b }) => f(a, b),
      };
    },
  };
}

function unaryCase(
  covers: OpType,
  f: (x: Value) => Value,
  domain: "any" | "positive" | "nonzero" = "any",
): Case {
  return {
    name: `${covers} elementwise`,
    covers,
    make(rand) {
      const shape = Array.from({ length: dim(rand, 1, 3) }, () => dim(rand, 1, 4));
      const x = domain === "positive"
        ? randomTensor(rand, shape, 0.3, 2)
        : domain === "nonzero"
        ? awayFromZero(rand, shape)
        : randomTensor(rand, shape);
      return { inputs: { x }, build: (_g, { x }) => f(x) };
    },
  };
}

const CASES: Case[] = [
  binaryCase("Add", op.add),
  binaryCase("Sub", op.sub),
  binaryCase("Mul", op.mul),
  binaryCase("Div", op.div, -1, 1, 0.5, 2),
  binaryCase("Pow", op.pow, 0.5, 2, -1.5, 2),
  binaryCase("Max", op.max),
  binaryCase("Min", op.min),
  unaryCase("Neg", op.neg),
  unaryCase("Exp", op.exp),
  unaryCase("Log", op.log, "positive"),
  unaryCase("Sqrt", op.sqrt, "positive"),
  unaryCase("Tanh", op.tanh),
  unaryCase("Sigmoid", op.sigmoid),
  unaryCase("Relu", op.relu, "nonzero"),
  unaryCase("Abs", op.abs, "nonzero"),
  unaryCase("Sign", (x) => op.mul(op.sign(x), op.mul(x, x)), "nonzero"),
  unaryCase("Sin", op.sin),
  unaryCase("Cos", op.cos),
  unaryCase("Identity", (x) => op.mul(op.identity(x), x)),
  {
    name: "MatMul with batch broadcasting",
    covers: "MatMul",
    make(rand) {
      const [m, k, n, b] = [dim(rand), dim(rand), dim(rand), dim(rand, 2, 3)];
      const [sa, sb] = pick(rand, [
        [[b, m, k], [k, n]],
        [[m, k], [b, k, n]],
        [[b, m, k], [b, k, n]],
        [[m, k], [k, n]],
      ]);
      return {
        inputs: { a: randomTensor(rand, sa), b: randomTensor(rand, sb) },
        build: (_g, { a, b }) => op.matMul(a, b),
      };
    },
  },
  {
    name: "Trilu lower and upper with offsets",
    covers: "Trilu",
    make(rand) {
      const upper = rand() < 0.5, k = pick(rand, [-1, 0, 1]);
      return {
        inputs: { x: randomTensor(rand, [dim(rand, 2, 3), dim(rand, 2, 4), dim(rand, 2, 4)]) },
        build: (_g, { x }) => op.trilu(x, { upper, k }),
      };
    },
  },
  ...(["Softmax", "LogSoftmax"] as const).map((covers): Case => ({
    name: `${covers} along a random axis`,
    covers,
    make(rand) {
      const shape = [dim(rand, 2, 3), dim(rand, 2, 4), dim(rand, 2, 4)];
      const axis = pick(rand, [0, 1, 2, -1]);
      const f = covers === "Softmax" ? op.softmax : op.logSoftmax;
      return { inputs: { x: randomTensor(rand, shape, -2, 2) }, build: (_g, { x }) => f(x, axis) };
    },
  })),
  ...(["ReduceSum", "ReduceMean", "ReduceMax"] as const).map((covers): Case => ({
    name: `${covers} over random axes`,
    covers,
    make(rand) {
      const shape = [dim(rand, 2, 3), dim(rand, 1, 4), dim(rand, 2, 4)];
      const axes = pick(rand, [[0], [1], [2], [0, 2], [-1], [0, 1, 2]]);
      const keep = rand() < 0.5;
      const f = covers === "ReduceSum"
        ? op.reduceSum
        : covers === "ReduceMean"
        ? op.reduceMean
        : op.reduceMax;
      return { inputs: { x: randomTensor(rand, shape) }, build: (_g, { x }) => f(x, axes, keep) };
    },
  })),
  {
    name: "Reshape with 0 and -1",
    covers: "Reshape",
    make(rand) {
      const [a, b, c] = [dim(rand, 2, 3), dim(rand), dim(rand, 2, 4)];
      return {
        inputs: { x: randomTensor(rand, [a, b, c]) },
        build: (_g, { x }) => op.mul(op.reshape(x, pick(rand, [[0, -1], [-1, c], [c, b, a]])), 1),
      };
    },
  },
  {
    name: "Transpose by a random permutation",
    covers: "Transpose",
    make(rand) {
      const perm = pick(rand, [[0, 2, 1], [2, 0, 1], [1, 2, 0], [2, 1, 0]]);
      return {
        inputs: { x: randomTensor(rand, [dim(rand, 2, 3), dim(rand), dim(rand)]) },
        build: (_g, { x }) => op.transpose(x, perm),
      };
    },
  },
  {
    name: "Unsqueeze then a broadcasting product",
    covers: "Unsqueeze",
    make(rand) {
      return {
        inputs: { x: randomTensor(rand, [dim(rand), dim(rand)]), y: randomTensor(rand, [3, 1, 1]) },
        build: (_g, { x, y }) => op.mul(op.unsqueeze(x, [0]), y),
      };
    },
  },
  {
    name: "Squeeze of size-1 axes",
    covers: "Squeeze",
    make(rand) {
      return {
        inputs: { x: randomTensor(rand, [1, dim(rand), 1, dim(rand)]) },
        build: (_g, { x }) => op.squeeze(x, [0, 2]),
      };
    },
  },
  {
    name: "Concat of three unequal parts",
    covers: "Concat",
    make(rand) {
      const axis = pick(rand, [0, 1]);
      const shape = (n: number) => (axis === 0 ? [n, 3] : [3, n]);
      return {
        inputs: {
          a: randomTensor(rand, shape(dim(rand))),
          b: randomTensor(rand, shape(dim(rand))),
          c: randomTensor(rand, shape(1)),
        },
        build: (_g, { a, b, c }) => op.concat([a, b, c, a], axis),
      };
    },
  },
  {
    name: "Slice with negative and clamped bounds",
    covers: "Slice",
    make(rand) {
      const [starts, ends] = pick(rand, [[[1], [-1]], [[-3], [100]], [[0], [2]], [[-100], [-2]]]);
      return {
        inputs: { x: randomTensor(rand, [dim(rand, 2, 3), dim(rand, 4, 6)]) },
        build: (_g, { x }) => op.slice(x, starts, ends, [1]),
      };
    },
  },
  {
    name: "Gather along axis 0 with repeated indices",
    covers: "Gather",
    make(rand) {
      const v = dim(rand, 3, 5);
      return {
        inputs: {
          x: randomTensor(rand, [v, dim(rand, 2, 3)]),
          i: tensor("int64", [2, 3], [0, v - 1, 1, 0, 0, 2]),
        },
        build: (_g, { x, i }) => op.gather(x, i, 0),
      };
    },
  },
  {
    name: "Gather along axis 1",
    covers: "Gather",
    make(rand) {
      return {
        inputs: { x: randomTensor(rand, [2, 4, 3]), i: tensor("int64", [3], [3, 1, 3]) },
        build: (_g, { x, i }) => op.gather(x, i, 1),
      };
    },
  },
  {
    name: "GatherElements along the last axis",
    covers: "GatherElements",
    make(rand) {
      return {
        inputs: { x: randomTensor(rand, [3, 5]), i: tensor("int64", [3, 2], [0, 4, 2, 2, 1, 3]) },
        build: (_g, { x, i }) => op.gatherElements(x, i, 1),
      };
    },
  },
  {
    name: "Where with a broadcast condition",
    covers: "Where",
    make(rand) {
      const n = dim(rand, 2, 4);
      return {
        inputs: {
          c: tensor("bool", [n], Array.from({ length: n }, (_, i) => i % 2)),
          a: randomTensor(rand, [3, n]),
          b: randomTensor(rand, [n]),
        },
        build: (_g, { c, a, b }) => op.where(c, a, b),
      };
    },
  },
  {
    name: "Expand over new and size-1 axes",
    covers: "Expand",
    make(rand) {
      const n = dim(rand, 2, 4);
      return {
        inputs: { x: randomTensor(rand, [n, 1]) },
        build: (_g, { x }) => op.expand(x, [2, n, 3]),
      };
    },
  },
];

for (const c of CASES) {
  Deno.test(`gradient rule for ${c.name} matches finite differences`, async () => {
    for (const seed of [1, 2, 3]) {
      const { inputs, build } = c.make(seeded(seed * 7919 + c.name.length));
      const r = await gradCheck(rt, inputs, build, { seed });
      assert.ok(r.ops.has(c.covers), `the case must use ${c.covers}`);
      assert.ok(r.gradNorm > 1e-8, `gradient is vacuously zero`);
      assert.ok(
        r.relError < TOL,
        `relative error ${r.relError} (seed ${seed}, shapes ${
          JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape])))
        })`,
      );
    }
  });
}

Deno.test("grad() treats Cast as identity on the float path", async () => {
  const g = new Graph();
  const x = g.input("x", "float64", [3]);
  const w = g.constant(tensor("float64", [3], [0.5, -2, 3]));
  const loss = op.reduceSum(op.mul(op.cast(op.cast(x, "float32"), "float64"), w));
  const [dx] = grad(loss, [x]);
  const p = await compile(rt, g, { dx });
  const { dx: got } = await runProgram(p, { x: tensor("float64", [3], [1, 2, 3]) });
  assert.deepEqual([...got.data as Float64Array], [0.5, -2, 3]);
});

Deno.test("grad() passes nothing through stopGradient", async () => {
  const g = new Graph();
  const x = g.input("x", "float64", [2]);
  const [dx] = grad(op.reduceSum(op.mul(x, op.stopGradient(x))), [x]);
  const p = await compile(rt, g, { dx });
  const { dx: got } = await runProgram(p, { x: tensor("float64", [2], [3, -4]) });
  assert.deepEqual([...got.data as Float64Array], [3, -4]); // d(x·sg(x))/dx = sg(x), not 2x
});

Deno.test("grad() sums gradients of a value used twice", async () => {
  const g = new Graph();
  const x = g.input("x", "float64", [2]);
  const y = op.exp(x);
  const [dx] = grad(op.reduceSum(op.add(op.mul(y, 2), op.mul(y, y))), [x]);
  const p = await compile(rt, g, { dx });
  const { dx: got } = await runProgram(p, { x: tensor("float64", [2], [0, 1]) });
  const want = [0, 1].map((v) => 2 * Math.exp(v) + 2 * Math.exp(2 * v));
  (got.data as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12));
});

Deno.test("grad() ignores integer and boolean paths", async () => {
  const g = new Graph();
  const x = g.input("x", "float64", [3]);
  const mask = op.cast(op.greater(x, 0), "float64"); // through bool: no gradient
  const [dx] = grad(op.reduceSum(op.mul(mask, x)), [x]);
  const p = await compile(rt, g, { dx });
  const { dx: got } = await runProgram(p, { x: tensor("float64", [3], [-1, 2, 3]) });
  assert.deepEqual([...got.data as Float64Array], [0, 1, 1]);
});

Deno.test("every op with a gradient rule has a finite-difference or exact test", () => {
  const covered = new Set<string>([...CASES.map((c) => c.covers), "Cast", "StopGradient"]);
  const missing = differentiableOps().filter((o) => !covered.has(o));
  assert.deepEqual(missing, []);
  // Growth of the rule table stays visible here.
  assert.equal(differentiableOps().length, 38);
});
