/**
 * The embedded procedural task families: deterministic from a seed, no download. They are the
 * corpus the tiny default models are pretrained on and the default domain of the demo, so each
 * record carries `meta.kind` (the skill) and `meta.difficulty`, and texts stay short.
 *
 * @module
 */

import type { TaskRecord } from "../record.ts";
import { ARITHMETIC_KINDS, type ArithmeticKind, arithmeticTask } from "./arithmetic.ts";
import { CHOICE_KINDS, type ChoiceKind, choiceTask } from "./choice.ts";
import { CODE_KINDS, type CodeKind, codeTask } from "./code.ts";
import { createRng, type Rng } from "../../run/mod.ts";

export { ARITHMETIC_KINDS, type ArithmeticKind } from "./arithmetic.ts";
export { CHOICE_KINDS, type ChoiceKind } from "./choice.ts";
export { CODE_KINDS, type CodeKind } from "./code.ts";
export type { Rng } from "../../run/mod.ts";

/** The procedural families: word problems, four-option choices, TypeScript functions. */
export type TaskFamily = "arithmetic" | "choice" | "code";

/** The skills of each family. */
export const TASK_KINDS: Readonly<{
  arithmetic: readonly ArithmeticKind[];
  choice: readonly ChoiceKind[];
  code: readonly CodeKind[];
}> = Object.freeze({ arithmetic: ARITHMETIC_KINDS, choice: CHOICE_KINDS, code: CODE_KINDS });

/** Options of {@link generateTasks}. */
export interface GenerateOptions {
  /** Which family. @default "arithmetic" */
  readonly family?: TaskFamily;
  /** How many records. @default 100 */
  readonly count?: number;
  /** The seed; the same options always give the same records. @default 0 */
  readonly seed?: number;
  /**
   * 1 (small numbers, one or two steps) to 5 (large numbers, four steps, negative inputs).
   * @default 1
   */
  readonly difficulty?: number;
  /** The kinds to draw from, uniformly; all kinds of the family when absent. */
  readonly kinds?: readonly string[];
}

const MAKERS: Readonly<
  Record<TaskFamily, (rng: Rng, id: string, kind: never, difficulty: number) => TaskRecord>
> = Object.freeze({ arithmetic: arithmeticTask, choice: choiceTask, code: codeTask });

/**
 * Generates `count` procedural task records. Ids are `<family>-<seed>-<index>`; `meta` holds
 * `family`, `kind` and `difficulty`.
 *
 * @example Ten word problems, reproducible from the seed
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks } from "./mod.ts";
 * const a = generateTasks({ family: "arithmetic", count: 10, seed: 1, kinds: ["add"] });
 * assert.deepEqual(a, generateTasks({ family: "arithmetic", count: 10, seed: 1, kinds: ["add"] }));
 * const [x, y] = a[0].reasoning!.match(/\d+/g)!.map(Number);
 * assert.equal(Number(a[0].answer), x + y);
 * assert.equal(a[0].meta.kind, "add");
 * ```
 */
export function generateTasks(options: GenerateOptions = {}): TaskRecord[] {
  const { family = "arithmetic", count = 100, seed = 0, difficulty = 1 } = options;
  const all = TASK_KINDS[family] as readonly string[] | undefined;
  if (!all) {
    throw new RangeError(
      `Cannot generate tasks: 'family' must be one of ${
        Object.keys(TASK_KINDS).join(", ")
      }: current value is ${family}`,
    );
  }
  const kinds = options.kinds ?? all;
  const unknown = kinds.filter((k) => !all.includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new RangeError(
      `Cannot generate ${family} tasks: 'kinds' must be taken from ${
        all.join(", ")
      }: current value is ${kinds.join(", ")}`,
    );
  }
  if (!Number.isInteger(difficulty) || difficulty < 1 || difficulty > 5) {
    throw new RangeError(
      `Cannot generate tasks: 'difficulty' must be an integer from 1 to 5: current value is ${difficulty}`,
    );
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot generate tasks: 'count' must be a whole number: current value is ${count}`,
    );
  }
  const rng = createRng(seed);
  const make = MAKERS[family];
  return Array.from(
    { length: count },
    (_, i) => make(rng, `${family}-${seed}-${i}`, rng.pick(kinds) as never, difficulty),
  );
}

/**
 * The family a procedural kind belongs to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { familyOf } from "./mod.ts";
 * assert.equal(familyOf("largest"), "choice");
 * assert.throws(() => familyOf("poetry"), /kind 'poetry': it is not a procedural kind/);
 * ```
 */
export function familyOf(kind: string): TaskFamily {
  for (const [family, kinds] of Object.entries(TASK_KINDS)) {
    if ((kinds as readonly string[]).includes(kind)) return family as TaskFamily;
  }
  throw new RangeError(`Cannot find the family of kind '${kind}': it is not a procedural kind`);
}

/**
 * `count` tasks of each of `kinds`, each kind drawn from its own seed (`seed` plus the kind's
 * place among all kinds), so a kind's tasks do not change when other kinds join or leave the
 * set, and sets made from different base seeds never share a stream.
 *
 * @example Two kinds, two tasks each, the same tasks whatever else is asked for
 * ```ts
 * import assert from "node:assert/strict";
 * import { tasksPerKind } from "./mod.ts";
 * const r = tasksPerKind(["add", "largest"], 2, 1, 7);
 * assert.deepEqual(r.map((x) => x.meta.kind), ["add", "add", "largest", "largest"]);
 * assert.deepEqual(tasksPerKind(["largest"], 2, 1, 7), r.slice(2));
 * ```
 */
export function tasksPerKind(
  kinds: readonly string[],
  count: number,
  difficulty: number,
  seed: number,
): TaskRecord[] {
  const all = Object.values(TASK_KINDS).flat() as string[];
  return kinds.flatMap((kind) =>
    generateTasks({
      family: familyOf(kind),
      kinds: [kind],
      count,
      difficulty,
      seed: seed + all.indexOf(kind),
    })
  );
}
