/**
 * The acquisition functions, one frozen table keyed by name. Each entry lives in its own file;
 * adding a function is that file plus one line here.
 *
 * @module
 */

import { answerEntropy, answerVariance, answerVarianceExact } from "./answer_variance.ts";
import { bald } from "./bald.ts";
import { confidence, confidenceForced } from "./confidence.ts";
import { coreset } from "./coreset.ts";
import { diversity, diversityFacility } from "./diversity.ts";
import { egl } from "./egl.ts";
import { gradientMagnitude, gradientMagnitudeNormalised } from "./gradient.ts";
import { influence } from "./influence.ts";
import { referenceLoss, rhoLoss } from "./loss.ts";
import { proximity } from "./proximity.ts";
import type { AcquisitionFunction } from "./types.ts";
import { leastConfidence, margin, meanEntropy, predictiveEntropy } from "./uncertainty.ts";

/** Every acquisition function, by name. */
export const ACQUISITION_FUNCTIONS: Readonly<Record<string, AcquisitionFunction>> = Object.freeze({
  // one line per function, sorted by file: `[fn.name]: fn,`
  [answerEntropy.name]: answerEntropy,
  [answerVariance.name]: answerVariance,
  [answerVarianceExact.name]: answerVarianceExact,
  [bald.name]: bald,
  [confidence.name]: confidence,
  [confidenceForced.name]: confidenceForced,
  [coreset.name]: coreset,
  [diversity.name]: diversity,
  [diversityFacility.name]: diversityFacility,
  [egl.name]: egl,
  [gradientMagnitude.name]: gradientMagnitude,
  [gradientMagnitudeNormalised.name]: gradientMagnitudeNormalised,
  [influence.name]: influence,
  [referenceLoss.name]: referenceLoss,
  [rhoLoss.name]: rhoLoss,
  [proximity.name]: proximity,
  [leastConfidence.name]: leastConfidence,
  [margin.name]: margin,
  [meanEntropy.name]: meanEntropy,
  [predictiveEntropy.name]: predictiveEntropy,
});

/**
 * The function called `name`, or an error listing the known names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acquisitionFunction } from "./functions.ts";
 * assert.throws(() => acquisitionFunction("nope"), /unknown acquisition function 'nope'/);
 * ```
 */
export function acquisitionFunction(name: string): AcquisitionFunction {
  const fn = Object.hasOwn(ACQUISITION_FUNCTIONS, name) ? ACQUISITION_FUNCTIONS[name] : undefined;
  if (!fn) {
    throw new RangeError(
      `Cannot score: unknown acquisition function '${name}': known are ${
        Object.keys(ACQUISITION_FUNCTIONS).join(", ")
      }`,
    );
  }
  return fn;
}
