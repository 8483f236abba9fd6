import assert from "node:assert/strict";
import { generateTasks, renderGenerator, renderStudent } from "../../lib/data/mod.ts";
import { tensor } from "../../lib/graph/mod.ts";
import {
  createModel,
  type LanguageModel,
  llamaConfigFromHf,
  llamaParamShapes,
  scoreTokens,
} from "../../lib/model/mod.ts";
import { createRng } from "../../lib/run/mod.ts";
import { createRuntime } from "../../lib/runtime/mod.ts";
import { loadTokenizer } from "../../lib/text/mod.ts";
import { encodeCompletion, fineTune } from "../../lib/train/mod.ts";
import { auditAcquisition, formatAudit } from "../../lib/acquire/audit.ts";
import { candidateFromText } from "../../lib/acquire/candidates.ts";
import { kendallTauB, spearman } from "../../lib/eval/mod.ts";
import type { AcquireContext, AcquisitionFunction, Candidate } from "../../lib/acquire/types.ts";

const rt = createRuntime({ threads: 1 });
const tok = await loadTokenizer(new URL("../../data/models/student", import.meta.url).pathname);
const config = llamaConfigFromHf({
  vocab_size: tok.vocabSize,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
  tie_word_embeddings: true,
  bos_token_id: tok.bosId,
  eos_token_id: tok.eosId,
});

function tinyStore(seed: number) {
  const rng = createRng(seed);
  const store = new Map();
  for (const [n, shape] of llamaParamShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from(
      { length: size },
      () => n.endsWith("norm.weight") ? 1 : 0.2 * (rng.next() - 0.5),
    );
    store.set(n, tensor("float32", shape, data));
  }
  return store;
}

const tiny = (seed: number): LanguageModel => createModel(config, tinyStore(seed), rt, tok);

const records = [
  ...generateTasks({ family: "arithmetic", kinds: ["add", "mul"], count: 3, seed: 11 }),
  ...generateTasks({ family: "choice", count: 2, seed: 12 }),
];
const candidates: Candidate[] = [
  ...records.map((r) => candidateFromText(renderGenerator(r))),
  candidateFromText("<question>What is 4 +"), // cut off: no record, no gain
];
const validation = generateTasks({
  family: "arithmetic",
  kinds: ["add", "sub"],
  count: 3,
  seed: 13,
  difficulty: 2,
});

/** The student's mean loss per completion token on the candidate itself (a real function). */
const ownLoss: AcquisitionFunction = {
  name: "own-loss",
  description: "The student's mean completion loss on the candidate.",
  needs: ["student"],
  async score(cs, context) {
    const enc = cs.map((c) => {
      if (!c.record) return null;
      const { prompt, completion } = renderStudent(c.record);
      return encodeCompletion(context.student.tokenizer!, prompt, completion);
    });
    const present = enc.filter((e) => e !== null);
    const scores = await scoreTokens(context.student, present.map((e) => e.tokens));
    let k = 0;
    return enc.map((e) => {
      if (!e) return null;
      const s = scores[k++];
      const ts = e.weights.flatMap((w, t) => (w > 0 ? [-s.logprobs[t]] : []));
      return ts.reduce((a, b) => a + b, 0) / ts.length;
    });
  },
};

/** The answer's length, and null for choice answers (to exercise left-out counting). */
const answerLength: AcquisitionFunction = {
  name: "answer-length",
  description: "Longer numeric answers score higher.",
  needs: [],
  score: (cs) =>
    Promise.resolve(
      cs.map((c) =>
        c.record && c.record.answerKind === "number"
          ? c.record.answer.length + c.record.question.length / 1000
          : null
      ),
    ),
};

function contextFor(student: LanguageModel): AcquireContext {
  return {
    student,
    seeds: [],
    embedder: { name: "unused", embed: () => Promise.reject(new Error("not used")) },
    rng: createRng(0),
    validation,
    cache: new Map(),
  };
}

/** The mean completion loss on the validation set, computed here from scoreTokens directly. */
async function validationLoss(model: LanguageModel): Promise<number> {
  const enc = validation.map((r) => {
    const { prompt, completion } = renderStudent(r);
    return encodeCompletion(tok, prompt, completion);
  });
  const scores = await scoreTokens(model, enc.map((e) => e.tokens));
  let sum = 0, n = 0;
  enc.forEach((e, i) =>
    e.weights.forEach((w, t) => {
      if (w > 0) (sum -= scores[i].logprobs[t], n++);
    })
  );
  return sum / n;
}

const STEPS = 2, LR = 1e-2;
const student = tiny(3);
const startCopy = new Map(
  [...student.store].map(([k, t]) => [k, (t.data as Float32Array).slice()]),
);
const audit = await auditAcquisition(candidates, contextFor(student), {
  functions: [ownLoss, answerLength],
  steps: STEPS,
  lr: LR,
  resamples: 200,
});

Deno.test("auditAcquisition leaves the student's weights equal to the start bit for bit", () => {
  assert.equal(student.store.size, startCopy.size);
  for (const [name, start] of startCopy) {
    const now = student.store.get(name)!.data as Float32Array;
    assert.deepEqual(
      new Uint8Array(now.buffer, now.byteOffset, now.byteLength),
      new Uint8Array(start.buffer),
      `${name} changed`,
    );
  }
});

Deno.test("auditAcquisition's gains are loss before − loss after k steps on each candidate alone", async () => {
  assert.equal(audit.lossBefore, await validationLoss(tiny(3)));
  assert.equal(audit.gains.length, candidates.length);
  assert.equal(audit.gains[5], null);
  // Recompute the gain of a middle and of the last trained candidate on a fresh copy of the start
  // weights, with a freshly compiled trainer: what the audit measured after restoring.
  for (const j of [2, 4]) {
    const copy = tiny(3);
    const losses = await fineTune(copy, [renderStudent(candidates[j].record!)], {
      steps: STEPS,
      batchSize: 1,
      schedule: { kind: "constant", peak: LR, warmupSteps: 0 },
    });
    assert.equal(losses.losses.length, STEPS);
    const gain = audit.lossBefore - await validationLoss(copy);
    assert.ok(
      Math.abs(gain - audit.gains[j]!) < 1e-6,
      `candidate ${j}: ${gain} vs ${audit.gains[j]}`,
    );
    assert.notEqual(gain, 0);
  }
  // Distinct candidates teach different things.
  assert.equal(new Set(audit.gains.filter((g) => g !== null)).size, 5);
});

Deno.test("auditAcquisition correlates each function's scores with the gains, leaving nulls out", () => {
  assert.deepEqual(audit.functions.map((f) => f.name), ["own-loss", "answer-length"]);
  const [own, len] = audit.functions;
  assert.equal(own.n, 5);
  assert.equal(own.leftOut, 1);
  assert.equal(len.n, 3); // the two choice tasks and the cut-off text have no score
  assert.equal(len.leftOut, 3);
  for (const f of audit.functions) {
    const pairs = f.scores.flatMap((s, i) =>
      s !== null && audit.gains[i] !== null ? [[s, audit.gains[i]!]] : []
    );
    assert.equal(f.spearman!.estimate, spearman(pairs.map((p) => p[0]), pairs.map((p) => p[1])));
    assert.equal(f.kendall!.estimate, kendallTauB(pairs.map((p) => p[0]), pairs.map((p) => p[1])));
    assert.ok(f.spearman!.low <= f.spearman!.high && f.kendall!.low <= f.kendall!.high);
  }
  const lines = formatAudit(audit.functions);
  assert.match(
    lines[1],
    /^answer-length {2}spearman -?\d\.\d\d \[-?\d\.\d\d, -?\d\.\d\d\] {2}kendall /,
  );
});

Deno.test("auditAcquisition names a function that changes the weights while scoring", async () => {
  const model = tiny(4);
  const meddler: AcquisitionFunction = {
    name: "meddler",
    description: "Trains while scoring (wrong).",
    needs: ["student"],
    async score(cs, context) {
      await fineTune(context.student, [{ prompt: "Q: 1?\nA:", completion: " 1" }], {
        steps: 1,
        batchSize: 1,
      });
      return cs.map(() => 0);
    },
  };
  await assert.rejects(
    auditAcquisition(candidates.slice(0, 2), contextFor(model), { functions: [meddler] }),
    /Cannot audit 'meddler': scoring changed the student's weights/,
  );
});

Deno.test("auditAcquisition refuses a function whose needs the context lacks, and bad options", async () => {
  const needsSeeds = { ...answerLength, name: "needs-seeds", needs: ["seeds" as const] };
  const context = contextFor(tiny(5));
  await assert.rejects(
    auditAcquisition(candidates, context, { functions: [needsSeeds] }),
    /Cannot audit 'needs-seeds': it needs seeds, which the context lacks/,
  );
  await assert.rejects(
    auditAcquisition(candidates, context, { functions: [answerLength], steps: 0 }),
    /'steps' must be an integer ≥ 1: current value is 0/,
  );
  await assert.rejects(
    auditAcquisition(candidates, { ...context, validation: [] }, { functions: [answerLength] }),
    /'validation' must be a non-empty list of records/,
  );
});

Deno.test("auditAcquisition measures greedy accuracy before and after each candidate when asked", async () => {
  const model = tiny(6);
  const r = await auditAcquisition(candidates.slice(4), contextFor(model), {
    functions: [answerLength],
    steps: 1,
    accuracy: true,
    resamples: 100,
  });
  assert.ok(r.accuracyBefore! >= 0 && r.accuracyBefore! <= 1);
  assert.equal(r.accuracyAfter!.length, 2);
  assert.ok(r.accuracyAfter![0]! >= 0 && r.accuracyAfter![0]! <= 1);
  assert.equal(r.accuracyAfter![1], null); // the cut-off text
  assert.equal(r.functions[0].n, 0); // a choice task has no answer-length score
  assert.equal(r.functions[0].spearman, null);
});
