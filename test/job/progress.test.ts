/**
 * Progress lines (src/job/progress.ts): at most one EM line per interval, measured on a clock the
 * test controls (never on wall time), and one line per phase; through the real job and engine on
 * PGlite, present on a fit with many EM cycles and absent when the job is quiet, with every other
 * line the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogFields } from '../../src/job/log.js';
import { calibrationPhases, emProgress, progressSecs, quietFromEnv } from '../../src/job/progress.js';
import { runJob } from '../../src/job/run-job.js';
import { setupPglite } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

/** A clock that moves `step` seconds each time it is read. */
function steppingClock(step: number): () => number {
  let t = 0;
  return () => {
    t += step;
    return t;
  };
}

function collect() {
  const lines: { line: string; fields: LogFields }[] = [];
  return { lines, write: (line: string, fields: LogFields) => lines.push({ line, fields }) };
}

describe('EM progress lines', () => {
  it('at most one line per interval of the clock, with cycle, objective, change and time', () => {
    const c = collect();
    // 0.5 s per cycle: a line every 4th cycle with a 2 s interval.
    const onCycle = emProgress(c.write, { intervalSecs: 2, clock: steppingClock(0.5) });
    for (let k = 1; k <= 20; k++) onCycle(k, -1000 - 1 / k, 1 / k);
    assert.deepEqual(
      c.lines.map((l) => l.fields.cycle),
      [4, 8, 12, 16, 20],
    );
    assert.equal(c.lines[0].line, '[INFO] EM cycle 4: objective -1000.2500, largest change 2.50e-1, 2.0 s');
    assert.deepEqual(c.lines[0].fields, {
      phase: 'EM',
      cycle: 4,
      objective: -1000.25,
      max_change: 0.25,
      elapsed_s: 2,
    });
  });

  it('a fit shorter than the interval prints none; interval 0 prints every cycle', () => {
    const quick = collect();
    const onCycle = emProgress(quick.write, { intervalSecs: 2, clock: steppingClock(0.01) });
    for (let k = 1; k <= 50; k++) onCycle(k, -1, 1e-3);
    assert.equal(quick.lines.length, 0);
    const every = collect();
    const each = emProgress(every.write, { intervalSecs: 0, clock: steppingClock(0) });
    for (let k = 1; k <= 5; k++) each(k, -1, 1e-3);
    assert.equal(every.lines.length, 5);
  });

  it('phase lines from a calibration result, nothing for a result without timings', () => {
    const c = collect();
    calibrationPhases(c.write, {
      cycles: 87,
      converged: true,
      timings: { em: 4.1, se: 0.31, scoring: 0.2, itemFit: 1.1 },
    });
    assert.deepEqual(
      c.lines.map((l) => l.line),
      [
        '[INFO] phase EM done in 4.10 s; 87 cycles, converged',
        '[INFO] phase standard errors done in 0.31 s',
        '[INFO] phase scoring done in 0.20 s',
        '[INFO] phase item fit done in 1.10 s',
      ],
    );
    const none = collect();
    calibrationPhases(none.write, { logLik: -1 });
    assert.equal(none.lines.length, 0);
  });

  it('MIRT_PROGRESS_SECS and MIRT_QUIET are read, and refused with the name when wrong', () => {
    assert.equal(progressSecs({}), 2);
    assert.equal(progressSecs({ MIRT_PROGRESS_SECS: '0' }), 0);
    assert.throws(() => progressSecs({ MIRT_PROGRESS_SECS: 'soon' }), /^UsageError: MIRT_PROGRESS_SECS: /);
    assert.equal(quietFromEnv({ MIRT_QUIET: 'TRUE' }), true);
    assert.equal(quietFromEnv({}), false);
    assert.throws(() => quietFromEnv({ MIRT_QUIET: 'loud' }), /^UsageError: MIRT_QUIET: /);
  });
});

describe('the job prints progress (real engine, PGlite)', () => {
  it('EM lines and one line per phase on a long fit; none when quiet, the other lines unchanged', async () => {
    const s = await setupPglite();
    assert.ok(s.ok);
    const fx = s.backend;
    try {
      await createAttemptView(fx.db, 'integer');
      // A 3PL on 1,500 learners x 20 items runs dozens of EM cycles.
      await insertAttempts(fx.db, 'integer', simulate(1500, 20, 20, 5));
      const run = async (quiet: boolean) => {
        const io = captureIo();
        const progress = collect();
        const o = await runJob(jobConfig({ model: '3PL', dryRun: true }), {
          io: quiet ? io : { ...io, progress: progress.write },
          openDb: () => fx.openForJob(),
          // One second per read of the clock: lines follow the cycles, whatever the machine's speed.
          progress: { intervalSecs: 2, clock: steppingClock(1) },
        });
        assert.equal(o.exitCode, 0, io.errors.join('\n'));
        return { io, progress: progress.lines };
      };
      const loud = await run(false);
      const em = loud.progress.filter((l) => l.fields.phase === 'EM' && 'cycle' in l.fields);
      assert.ok(em.length >= 3, loud.progress.map((l) => l.line).join('\n'));
      for (const l of em)
        assert.match(
          l.line,
          /^\[INFO\] EM cycle \d+: objective -\d+\.\d{4}, largest change \d\.\d\de[-+]\d+, \d+\.\d s$/,
        );
      const cycles = em.map((l) => l.fields.cycle as number);
      assert.deepEqual(
        cycles,
        [...cycles].sort((a, b) => a - b),
        'in cycle order',
      );
      const phases = loud.progress.filter((l) => !('cycle' in l.fields)).map((l) => l.fields.phase);
      assert.deepEqual(phases, ['extract', 'EM', 'standard errors', 'scoring', 'item fit', 'calibrate']);

      const quiet = await run(true);
      assert.equal(quiet.progress.length, 0);
      const shape = (lines: string[]) =>
        lines.map((l) => l.replace(/v\d{8}T\d{9}Z/g, 'V').replace(/seconds=[\d.]+/, ''));
      assert.deepEqual(shape(quiet.io.lines), shape(loud.io.lines), 'progress adds lines, changes none');
      assert.ok(!quiet.io.lines.some((l) => /EM cycle|phase /.test(l)));
    } finally {
      await fx.teardown();
    }
  });
});
