/**
 * Data: the one task record type, loaders for public formats (GSM8K, MATH, SVAMP, MedMCQA, MedQA,
 * PubMedQA, MBPP, HumanEval, BBH, MMLU; JSONL, JSON and CSV) with line-numbered bad rows, the
 * embedded procedural task families, the pretraining corpus and its two prompt formats, and the
 * `<question>/<reasoning>/<answer>` tag format with `taskFromTags`, which turns generated text
 * into a record or says what is wrong with it.
 *
 * @example Generate a procedural task, render it as the generator writes it, and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTasks, renderGenerator, taskFromTags } from "./mod.ts";
 * const [task] = generateTasks({ family: "choice", count: 1, seed: 3 });
 * const back = taskFromTags(renderGenerator(task), { domain: task.domain });
 * assert.ok(back.ok);
 * assert.equal(back.record.answer, task.answer);
 * assert.deepEqual(back.record.choices, task.choices);
 * ```
 *
 * @module
 */

export {
  ANSWER_KINDS,
  type AnswerKind,
  type BadRow,
  type Domain,
  type Loaded,
  type TaskRecord,
} from "./record.ts";
export {
  DATA_FORMATS,
  type DataFormat,
  loadDataset,
  type LoadOptions,
  mapJsonl,
  parseCsv,
  parseCsvRows,
} from "./loaders.ts";
export {
  parseTags,
  type ParseTagsOptions,
  renderTags,
  TAG_NAMES,
  type TaggedSample,
  type TagParse,
  type TaskFromTags,
  taskFromTags,
  type TaskFromTagsOptions,
} from "./tags.ts";
export {
  ARITHMETIC_KINDS,
  type ArithmeticKind,
  CHOICE_KINDS,
  type ChoiceKind,
  CODE_KINDS,
  type CodeKind,
  familyOf,
  type GenerateOptions,
  generateTasks,
  TASK_KINDS,
  type TaskFamily,
  tasksPerKind,
} from "./procedural/mod.ts";
export {
  type ProceduralSolution,
  SOLVABLE_KINDS,
  type SolveOptions,
  solveProcedural,
} from "./procedural/solve.ts";
export {
  type CorpusMix,
  corpusRecords,
  DEFAULT_MIX,
  questionText,
  renderGenerator,
  renderStudent,
} from "./pretrain_corpus.ts";
