/** The logistic family's response function, as the dichotomous models hand it to the engine. */

import { fillLogTables, fillProbabilities } from './logistic.js';
import { answerScores, countDerivs, countObjective } from './logistic-counts.js';
import { addThetaTerms, itemInformation } from './logistic-theta.js';
import type { ResponseFunction } from './model.js';

export const dichotomous: ResponseFunction = {
  fillLogTables,
  fillProbabilities,
  countObjective,
  countDerivs,
  answerScores,
  addThetaTerms,
  itemInformation,
};
