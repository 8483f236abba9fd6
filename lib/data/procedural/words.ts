/**
 * The small vocabulary of the procedural tasks: a few names and objects, so tiny models with a
 * few hundred tokens can learn them.
 *
 * @module
 */

/** People in the word problems. */
export const NAMES: readonly string[] = Object.freeze([
  "Ann",
  "Ben",
  "Cat",
  "Dan",
  "Eve",
  "Sam",
  "Tom",
  "Mia",
]);

/** Things they count (plural). */
export const OBJECTS: readonly string[] = Object.freeze([
  "apples",
  "books",
  "pens",
  "cards",
  "eggs",
  "coins",
  "toys",
  "cups",
]);
