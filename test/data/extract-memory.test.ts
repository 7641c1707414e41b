/**
 * 1M observations extracted from PostgreSQL with bounded memory: the rows stream through the
 * COPY parser into the builder's typed arrays, so the JS heap must not grow with the row count
 * (1M row objects or one big result array would take well over 100 MB of heap). Asserts on heap
 * growth, never on time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { extractObservations } from '../../src/data/extract.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { type Backend, setupPg } from '../helpers/backends.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 1_000_000;
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

/** Samples the heap every 50k rows while the builder fills. */
class SamplingBuilder extends ResponseBuilder {
  peakHeap = 0;
  override addIndexed(...args: Parameters<ResponseBuilder['addIndexed']>): void {
    super.addIndexed(...args);
    if (this.size % 50_000 === 0) this.peakHeap = Math.max(this.peakHeap, process.memoryUsage().heapUsed);
  }
}

describe('extraction memory (pg)', () => {
  let fx: Backend | null = null;
  let skip = '';
  before(async () => {
    const s = await setupPg();
    if (s.ok) fx = s.backend;
    else skip = s.why;
  });
  after(async () => fx?.teardown());

  it(`streams ${N} observations into typed arrays with bounded heap growth`, async (t) => {
    if (!fx) return t.skip(skip);
    await fx.db.query(`CREATE TABLE attempt_log AS
      SELECT 'user-' || (g % 25000) AS student_id, 'item-' || ((g * 7919) % 1000) AS item_id,
             ((g * 31) % 7) < 4 AS correct, now() - (g % 2000) * interval '1 minute' AS completed_at
        FROM generate_series(1::bigint, ${N}) g`);
    await fx.db.query('CREATE VIEW attempt AS SELECT * FROM attempt_log');
    const builder = new SamplingBuilder();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const ex = await extractObservations(
      fx.db,
      builder,
      { lookbackDays: 30, topicId: null, subjectId: null, maxObs: null },
      {
        info: () => {},
        warn: () => {},
      },
    );
    assert.equal(ex.rows, N);
    assert.equal(builder.size, N);
    const growth = builder.peakHeap - baseline;
    t.diagnostic(`peak heap growth during extraction: ${(growth / 1048576).toFixed(1)} MiB`);
    assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew by ${(growth / 1048576).toFixed(1)} MiB`);
    const data = builder.build();
    assert.equal(data.nObs + data.hygiene.dropped.duplicate, N);
  });
});
