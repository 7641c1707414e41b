/**
 * Prometheus metrics of one service instance. Each server gets its own registry (never the
 * global one), so several servers in one process (tests, bench) do not collide.
 * Route labels are route patterns, never raw URLs, to keep label cardinality bounded.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
  readonly inFlight: Gauge<'route'>;
  readonly calibrations: Counter<'model' | 'outcome'>;
  readonly calibrationsInFlight: Gauge;
  readonly observations: Counter<'route'>;
  readonly scored: Counter;
  readonly workers: Gauge;
}

export function createMetrics(
  options: { processMetrics?: boolean; workers?: () => number; slots?: () => number } = {},
): ServiceMetrics {
  const workersNow = options.workers ?? (() => 0);
  const slotsNow = options.slots ?? (() => 0);
  const registry = new Registry();
  if (options.processMetrics !== false) {
    // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...) for stock
    // Node.js dashboards, and the mirt_-prefixed copies that earlier versions exported alone.
    collectDefaultMetrics({ register: registry });
    collectDefaultMetrics({ register: registry, prefix: 'mirt_' });
  }
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'mirt_http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'mirt_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, body reading included',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers,
    }),
    inFlight: new Gauge({
      name: 'mirt_http_requests_in_flight',
      help: 'HTTP requests being served',
      labelNames: ['route'],
      registers,
    }),
    calibrations: new Counter({
      name: 'mirt_calibrations_total',
      help: 'Calibrations by model and outcome (ok, bad_request, timeout, abandoned, error)',
      labelNames: ['model', 'outcome'],
      registers,
    }),
    calibrationsInFlight: new Gauge({
      name: 'mirt_calibrations_in_flight',
      help: 'Calibration requests admitted (body being read, waiting for a slot, or model being fitted)',
      registers,
      collect() {
        this.set(slotsNow());
      },
    }),
    observations: new Counter({
      name: 'mirt_observations_processed_total',
      help: 'Observations that reached the model (after hygiene), by route',
      labelNames: ['route'],
      registers,
    }),
    workers: new Gauge({
      name: 'mirt_calibration_workers',
      help: 'Worker threads parsing or fitting a calibration right now',
      registers,
      collect() {
        this.set(workersNow());
      },
    }),
    scored: new Counter({
      name: 'mirt_users_scored_total',
      help: 'Users scored by /irt/score',
      registers,
    }),
  };
}
