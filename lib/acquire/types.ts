/**
 * What every acquisition function shares: the candidate it scores, the context it scores against
 * (the student and what is computed once per run), and its one-entry shape in the table
 * (`functions.ts`). A function is a plain object; adding one is one new file and one table line.
 *
 * @module
 */

import type { TaskRecord } from "../data/mod.ts";
import type { LanguageModel } from "../model/mod.ts";
import type { Rng } from "../run/mod.ts";
import type { Sandbox } from "../verify/mod.ts";

/** One generated training sample to score. */
export interface Candidate {
  /** The generator's raw text (tags included). */
  readonly text: string;
  /** The task record read from the text (`taskFromTags`), or null where it did not parse. */
  readonly record: TaskRecord | null;
}

/**
 * Turns texts into unit-free vectors (one `Float32Array` per text, all of one length), for
 * proximity, diversity, coreset and answer-variance clustering.
 */
export interface Embedder {
  /** A short name for logs and reports (`student-mean-pool`, `hashed-ngrams`, a folder name). */
  readonly name: string;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** What an acquisition function may need; the context must carry each before it is called. */
export type Need =
  | "student"
  | "seeds"
  | "embedder"
  | "sandbox"
  | "committee"
  | "validation"
  | "reference";

/**
 * What a score is computed against. Everything expensive that does not depend on the candidates
 * (seed embeddings, centroids, the validation gradient) is computed once, lazily, and cached in
 * the context, so scoring many batches pays for it once.
 */
export interface AcquireContext {
  /** The model whose learning is measured. */
  readonly student: LanguageModel;
  /** The seed records the generator is prompted with (proximity, diversity, coreset). */
  readonly seeds: readonly TaskRecord[];
  readonly embedder: Embedder;
  /** The run's seeded RNG (a split stream of it): sampling the student, projections, k-means++. */
  readonly rng: Rng;
  /** Code candidates run here (gates, exact answer checks). */
  readonly sandbox?: Sandbox;
  /** Student checkpoints for committee disagreement (BALD); the student itself may be one. */
  readonly committee?: readonly LanguageModel[];
  /** Held-out records of the kinds the student should learn (influence, audit). */
  readonly validation?: readonly TaskRecord[];
  /** A model trained on held-out data, for reducible held-out loss (RHO-LOSS). */
  readonly reference?: LanguageModel;
  /** Per-function options by function name; each function validates its own, naming the field. */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Values computed once per context (seed embeddings, centroids, archives), keyed by purpose. */
  readonly cache: Map<string, unknown>;
}

/** One acquisition function: a plain entry of the table. */
export interface AcquisitionFunction {
  /** The table key, kebab-case (`confidence`, `answer-variance-exact`). */
  readonly name: string;
  /** One sentence: what a high score means. */
  readonly description: string;
  /** What the context must carry. */
  readonly needs: readonly Need[];
  /**
   * One score per candidate, in order; `null` where the function does not apply (no record, a
   * domain it does not handle), never NaN. An empty batch gives an empty array.
   */
  score(
    candidates: readonly Candidate[],
    context: AcquireContext,
  ): Promise<(number | null)[]>;
}
