/** The field a ContractError names, or "(no error)": what a 400 would name. */
import { ContractError } from '../../src/contract/validate.js';

export const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e.field;
    throw e;
  }
  return '(no error)';
};
