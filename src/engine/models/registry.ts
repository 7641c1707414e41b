/** The item models by name: the one place a model is registered. */

import { EngineInputError, type ModelName } from '../types.js';
import { fourPL } from './four-pl.js';
import type { ItemModel } from './model.js';
import { onePL } from './one-pl.js';
import { rasch } from './rasch.js';
import { threePL } from './three-pl.js';
import { twoPL } from './two-pl.js';

const MODELS: Readonly<Record<ModelName, ItemModel>> = {
  Rasch: rasch,
  '1PL': onePL,
  '2PL': twoPL,
  '3PL': threePL,
  '4PL': fourPL,
};

export function modelFor(name: ModelName): ItemModel {
  const m = MODELS[name];
  if (!m) throw new EngineInputError(`unknown model "${name}"`, 'model');
  return m;
}
