/**
 * The small dense linear algebra the engine needs: Cholesky solves and inverses of symmetric
 * positive definite matrices, row-major n x n in a Float64Array. Item blocks are 1 x 1 to 4 x 4;
 * the full information matrix of a small problem is a few hundred wide.
 */

/**
 * Cholesky factor L (lower, row-major) of SPD m into `l`; false where m is not (numerically)
 * positive definite, so callers can fall back (Fisher scoring, dropping a parameter).
 */
export function cholesky(m: ArrayLike<number>, n: number, l: Float64Array): boolean {
  for (let j = 0; j < n; j++) {
    let s = m[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (!(s > 1e-300)) return false;
    const ljj = Math.sqrt(s);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = m[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / ljj;
    }
    for (let i = 0; i < j; i++) l[i * n + j] = 0;
  }
  return true;
}

/** Solves m x = b for SPD m (n x n); false if m is not SPD. `work` holds n * n numbers. */
export function solveSpd(
  m: ArrayLike<number>,
  b: ArrayLike<number>,
  x: Float64Array,
  n: number,
  work: Float64Array = new Float64Array(n * n),
): boolean {
  if (!cholesky(m, n, work)) return false;
  // L y = b, then L' x = y.
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= work[i * n + k] * x[k];
    x[i] = s / work[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= work[k * n + i] * x[k];
    x[i] = s / work[i * n + i];
  }
  return true;
}

/** Inverse of an SPD matrix by Cholesky, inv(M) = inv(L)' inv(L); null if it is not SPD. */
export function invertSpd(m: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  if (!cholesky(m, n, L)) return null;
  const Li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    Li[i * n + i] = 1 / L[i * n + i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = s / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

/** Makes a square matrix exactly symmetric by averaging it with its transpose. */
export function symmetrize(m: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      const v = 0.5 * (m[i * n + k] + m[k * n + i]);
      m[i * n + k] = v;
      m[k * n + i] = v;
    }
  }
}
