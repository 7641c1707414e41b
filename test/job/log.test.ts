/**
 * The log sink of every command (src/job/log.ts): text lines are the code's line after an
 * ISO-8601 time, unchanged; plain lines are the code's line; json lines are each one pino
 * object whose level comes from the tag and whose msg is the rest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLog, LogFormatError, logFormat, shorten, splitTag, textSink } from '../../src/job/log.js';

/** The seed's lines (DESIGN.md "Data and compatibility"), which users grep for. */
const SEED_LINES = [
  '[INFO] Loaded 51234 observations from attempt VIEW',
  '[WARN] attempt VIEW not available: relation "attempt" does not exist; trying fallback...',
  '[INFO] Loaded 10 observations from responses table',
  'No observations found; exiting.',
  '[ERROR] R IRT service call failed: HTTP 500',
  'Calibration upsert completed.',
  '[DRY_RUN] Skipping DB updates: would write 3 item parameters and 7 abilities',
];

function buffers() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    sinks: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
  };
}

const FIXED = new Date('2026-12-01T02:00:04.512Z');

describe('MIRT_LOG_FORMAT', () => {
  it('text by default; plain and json on request, case-insensitive; anything else is an error naming it', () => {
    assert.equal(logFormat({}), 'text');
    assert.equal(logFormat({ MIRT_LOG_FORMAT: ' ' }), 'text');
    assert.equal(logFormat({ MIRT_LOG_FORMAT: 'JSON' }), 'json');
    assert.equal(logFormat({ MIRT_LOG_FORMAT: 'plain' }), 'plain');
    assert.throws(
      () => logFormat({ MIRT_LOG_FORMAT: 'yaml' }),
      (e: Error) => {
        assert.ok(e instanceof LogFormatError);
        assert.match(e.message, /^MIRT_LOG_FORMAT: expected text, plain or json, got "yaml"$/);
        return true;
      },
    );
  });

  it('text: the seed lines unchanged after an ISO-8601 time stamp', async () => {
    const b = buffers();
    const log = await createLog('text', b.sinks, () => FIXED);
    for (const l of SEED_LINES) (l.startsWith('[ERROR]') ? log.err : log.out)(l);
    assert.deepEqual(
      [...b.out, ...b.err],
      [
        ...SEED_LINES.filter((l) => !l.startsWith('[ERROR]')),
        ...SEED_LINES.filter((l) => l.startsWith('[ERROR]')),
      ].map((l) => `2026-12-01T02:00:04.512Z ${l}\n`),
    );
  });

  it('plain: the seed lines exactly, no time', async () => {
    const b = buffers();
    const log = await createLog('plain', b.sinks);
    for (const l of SEED_LINES) log.out(l);
    assert.deepEqual(
      b.out,
      SEED_LINES.map((l) => `${l}\n`),
    );
  });

  it('json: every line one JSON object; level from the tag, msg the rest, fields kept, time ISO', async () => {
    const b = buffers();
    const log = await createLog('json', b.sinks);
    for (const l of SEED_LINES) log.out(l);
    log.err('[ERROR] terminated during calibration; nothing written');
    log.err('[INFO] EM cycle 12: objective -2654.8123, largest change 3.51e-4, 2.0 s', {
      phase: 'EM',
      cycle: 12,
      objective: -2654.8123,
    });
    const text = b.out.join('') + b.err.join('');
    const lines = text.split('\n').filter(Boolean);
    assert.equal(lines.length, SEED_LINES.length + 2);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objects) {
      assert.match(String(o.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(o.pid, process.pid);
    }
    assert.deepEqual(
      objects.map((o) => [o.level, o.msg, o.tag]),
      [
        ['info', 'Loaded 51234 observations from attempt VIEW', undefined],
        [
          'warn',
          'attempt VIEW not available: relation "attempt" does not exist; trying fallback...',
          undefined,
        ],
        ['info', 'Loaded 10 observations from responses table', undefined],
        ['info', 'No observations found; exiting.', undefined],
        ['error', 'R IRT service call failed: HTTP 500', undefined],
        ['info', 'Calibration upsert completed.', undefined],
        ['info', 'Skipping DB updates: would write 3 item parameters and 7 abilities', 'DRY_RUN'],
        ['error', 'terminated during calibration; nothing written', undefined],
        ['info', 'EM cycle 12: objective -2654.8123, largest change 3.51e-4, 2.0 s', undefined],
      ],
    );
    assert.deepEqual([objects[8].phase, objects[8].cycle, objects[8].objective], ['EM', 12, -2654.8123]);
  });

  it('an untagged line on standard error is an error', () => {
    assert.deepEqual(splitTag('something broke', 'error'), { level: 'error', msg: 'something broke' });
  });

  it('textSink renders pino records as time-stamped text lines', () => {
    const out: string[] = [];
    const sink = textSink({ write: (s: string) => out.push(s) });
    sink.write(
      '{"level":"info","time":"2026-12-01T02:00:04.512Z","pid":1,"hostname":"h","reqId":"r1","route":"/calibrate","status":200,"phases_s":{"em":1.5},"msg":"request"}\n',
    );
    assert.deepEqual(out, [
      '2026-12-01T02:00:04.512Z [INFO] request reqId=r1 route=/calibrate status=200 phases_s={"em":1.5}\n',
    ]);
  });

  it('shorten keeps echoed input to one bounded line', () => {
    assert.equal(shorten('a\nb'), 'a b');
    const long = shorten('x'.repeat(1000));
    assert.equal(long.length, 60);
    assert.ok(long.endsWith('…'));
  });
});
