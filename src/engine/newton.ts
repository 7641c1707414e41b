/**
 * The engine's one Newton routine: maximises a smooth objective by Newton steps that are capped,
 * projected into the parameters' bounds and backtracked on the objective. Every exact M-step
 * (each item's, the 1PL's shared slope, the latent distribution's) is one problem handed to it;
 * the problem supplies the Newton direction, so that structured Hessians (the 1PL's arrow) are
 * solved their own way and indefinite ones fall back to Fisher scoring where the problem says.
 */

export interface NewtonProblem {
  readonly size: number;
  /** The objective at x (to be maximised). */
  value(x: Float64Array): number;
  /**
   * The ascent direction at x into `step`: -H^-1 g for a negative definite Hessian H, or a
   * scoring step. false where there is none (flat or degenerate): x is then kept.
   */
  direction(x: Float64Array, step: Float64Array): boolean;
  /** Puts a trial point back inside the bounds (clamps it). */
  project(x: Float64Array): void;
  /**
   * The objective is concave (Rasch, 1PL, 2PL items): capped Newton steps are taken without
   * evaluating it (no line search), which is what keeps these M-steps as cheap as a few
   * derivative passes. The returned objective is then NaN.
   */
  readonly concave?: boolean;
}

export interface NewtonOptions {
  /** Largest absolute change of any parameter in one step (the step is scaled down to it). */
  readonly maxStep: number;
  readonly maxIterations: number;
  /** Stop when the step taken is below this (largest absolute change). */
  readonly tol: number;
}

export const NEWTON_DEFAULTS: NewtonOptions = { maxStep: 1, maxIterations: 60, tol: 1e-10 };

/** Scratch of a Newton solve of `size` parameters (reused: no allocation per solve). */
export class NewtonWorkspace {
  step: Float64Array;
  trial: Float64Array;
  constructor(size = 4) {
    this.step = new Float64Array(size);
    this.trial = new Float64Array(size);
  }
  ensure(size: number): void {
    if (this.step.length < size) {
      this.step = new Float64Array(size);
      this.trial = new Float64Array(size);
    }
  }
}

/**
 * Maximises `problem` from x (updated in place); returns the objective at the result. A step is
 * accepted when the objective does not fall (to rounding); otherwise it is halved, 30 times at
 * most, after which the solve stops where it is.
 */
export function newtonMaximise(
  problem: NewtonProblem,
  x: Float64Array,
  ws: NewtonWorkspace,
  options: NewtonOptions = NEWTON_DEFAULTS,
): number {
  const n = problem.size;
  ws.ensure(n);
  const step = ws.step;
  const trial = ws.trial.subarray(0, n);
  const concave = problem.concave === true;
  let f = concave ? Number.NaN : problem.value(x);
  for (let it = 0; it < options.maxIterations; it++) {
    if (!problem.direction(x, step)) break;
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(step[i]));
    if (!Number.isFinite(m)) break;
    let t = m > options.maxStep ? options.maxStep / m : 1;
    if (concave) {
      for (let i = 0; i < n; i++) x[i] += t * step[i];
      problem.project(x);
      if (m * t < options.tol) break;
      continue;
    }
    let accepted = false;
    let gain = 0;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) trial[i] = x[i] + t * step[i];
      problem.project(trial);
      const fn = problem.value(trial);
      if (fn >= f - 1e-12 * Math.abs(f)) {
        x.set(trial);
        gain = fn - f;
        f = fn;
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    // Stop on a step below tol, and on one that gains nothing: along a flat ridge (a weakly
    // identified 4PL item) Newton would otherwise walk on for every remaining iteration.
    if (!accepted || m * t < options.tol || gain <= 1e-14 * Math.max(1, Math.abs(f))) break;
  }
  return f;
}
