/**
 * Benchmark data: simulated answer files written straight to CSV (no engine involved), with a
 * fixed seed, in the shape of the targets.
 */

import { closeSync, openSync, writeSync } from 'node:fs';
import { simulateAnswers } from '../src/engine/simulate.js';

export interface BenchSet {
  readonly name: string;
  readonly model: '2PL' | '3PL';
  readonly nUsers: number;
  readonly nItems: number;
  readonly perUser: number;
  /** mirt 1.47 on a 2-core machine, EM fit alone (issues 2 and 14), seconds. */
  readonly mirtFitSeconds?: number;
}

export const BENCH_SETS: readonly BenchSet[] = [
  {
    name: 'dense 5,000 x 40 (200k) 2PL',
    model: '2PL',
    nUsers: 5000,
    nItems: 40,
    perUser: 40,
    mirtFitSeconds: 0.85,
  },
  {
    name: 'sparse 50,000 x 500, 40 each (2M) 2PL',
    model: '2PL',
    nUsers: 50000,
    nItems: 500,
    perUser: 40,
    mirtFitSeconds: 36,
  },
  {
    name: 'sparse 200,000 x 1,000, 50 each (10M) 2PL',
    model: '2PL',
    nUsers: 200000,
    nItems: 1000,
    perUser: 50,
    mirtFitSeconds: 490,
  },
  {
    name: 'dense 10,000 x 60 (600k) 3PL',
    model: '3PL',
    nUsers: 10000,
    nItems: 60,
    perUser: 60,
    mirtFitSeconds: 18.6,
  },
];

/**
 * Writes user_id,item_id,is_correct rows (the engine's simulator), with `timestamps` a fourth
 * column responded_at in ISO-8601 as a platform export has it; returns the number of rows.
 */
export async function writeCsv(
  set: BenchSet,
  path: string,
  seed = 1,
  { timestamps = false } = {},
): Promise<number> {
  // Written as it is simulated (synchronously: the simulator calls back), 1 MiB at a time.
  const fd = openSync(path, 'w');
  let rows = 0;
  let buf = timestamps ? 'user_id,item_id,is_correct,responded_at\n' : 'user_id,item_id,is_correct\n';
  // One answer a minute from 2026-01-01, formatted by hand (toISOString per row is slow).
  const t0 = Date.UTC(2026, 0, 1);
  let day = '';
  let dayStart = -1;
  try {
    simulateAnswers({ ...set, seed }, (u, j, x) => {
      if (timestamps) {
        const t = t0 + rows * 60000;
        const d = Math.floor(t / 86400000);
        if (d !== dayStart) {
          dayStart = d;
          day = new Date(d * 86400000).toISOString().slice(0, 11);
        }
        const m = Math.floor((t % 86400000) / 60000);
        const hh = String(Math.floor(m / 60)).padStart(2, '0');
        const mm = String(m % 60).padStart(2, '0');
        buf += `user${u},item${j},${x},${day}${hh}:${mm}:00.000Z\n`;
      } else buf += `user${u},item${j},${x}\n`;
      rows++;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    });
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
  return rows;
}
