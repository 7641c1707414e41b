/**
 * EM options for comparing one E-step of two executors (the kernels' tests): `nQ` nodes on
 * [-6, 6], no prior, no acceleration, one cycle.
 */
import type { ModelName } from '../../src/engine/types.js';

export function oneEStep(model: ModelName, nQ: number) {
  return {
    model,
    quadPoints: nQ,
    quadRange: 6,
    maxCycles: 1,
    tol: 1e-4,
    cPrior: { kind: 'none' as const },
    acceleration: 'none' as const,
  };
}
