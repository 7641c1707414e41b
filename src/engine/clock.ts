/**
 * Seconds on the runtime's monotonic clock (`performance.now()` in Node and browsers), else on
 * Date.now(). Typed here because the engine compiles with neither DOM nor Node types
 * (tsconfig.engine.json): it runs wherever plain JavaScript does.
 */
const perf = (globalThis as { performance?: { now(): number } }).performance;

export function seconds(): number {
  return (perf ? perf.now() : Date.now()) / 1000;
}
