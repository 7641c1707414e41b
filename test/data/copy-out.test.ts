/**
 * The COPY reader on pg's socket (data/copy-out.ts) against the real PostgreSQL: the rows of
 * Db.streamRows are the server's rows whether the socket delivers them whole or cut into
 * 1-17-byte pieces (a loopback proxy re-cuts the server's bytes, so protocol messages and their
 * headers are split at every offset), a field of 3 MB spans many reads, and a failing COPY (a
 * missing relation, an error after rows were sent, rows the parser refuses) rejects with the
 * server's error while the connection stays usable for the next statement.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Field, FieldKind } from '../../src/data/copy-text.js';
import type { Db } from '../../src/data/db.js';
import { openPgDb } from '../../src/data/pg-db.js';
import { sqlState } from '../../src/data/sql-state.js';
import { setupPg } from '../helpers/backends.js';
import { type TestServer, testServer } from '../helpers/tcp.js';

/** A proxy to PostgreSQL that forwards the server's bytes in pieces of 1, 2, ..., 17 bytes, one write each. */
async function cuttingProxy(target: URL): Promise<TestServer> {
  return testServer((client, track) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      track(s);
      s.setNoDelay(true);
    }
    client.pipe(upstream);
    let size = 0;
    let queue = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      queue = queue.then(async () => {
        for (let p = 0; p < chunk.length; ) {
          size = (size % 17) + 1;
          client.write(chunk.subarray(p, p + size));
          p += size;
          // Let each piece leave as its own segment, so the client reads them apart.
          if (p % 64 < size) await new Promise((r) => setImmediate(r));
        }
        upstream.resume();
      });
    });
    upstream.on('end', () => client.end());
  });
}

async function rows(db: Db, select: string, kinds: readonly FieldKind[]): Promise<Field[][]> {
  const out: Field[][] = [];
  const n = await db.streamRows(select, kinds, {}, (f) => out.push([...f]));
  assert.equal(n, out.length);
  return out;
}

/** Ids with every escape COPY emits, NULLs, non-ASCII text, booleans, integers of 1 to 15 digits. */
const SELECT = `SELECT CASE WHEN i % 97 = 0 THEN NULL
                            WHEN i % 13 = 0 THEN 'tab' || chr(9) || 'nl' || chr(10) || 'bs\\' || i
                            WHEN i % 11 = 0 THEN 'é✓' || i
                            ELSE 'u' || i END,
                       (i % 3 = 0), (i::bigint * 7919) % 1000000000000000, i
                  FROM generate_series(1, 3000) i`;
const KINDS: readonly FieldKind[] = ['text', 'bool', 'int', 'text'];

describe('COPY reader on the socket (pg)', () => {
  let direct: Db | null = null;
  let cut: Db | null = null;
  let proxy: Awaited<ReturnType<typeof cuttingProxy>> | null = null;
  let teardown: (() => Promise<void>) | null = null;
  let skip = '';
  before(async () => {
    const s = await setupPg();
    if (!s.ok) {
      skip = s.why;
      return;
    }
    teardown = () => s.backend.teardown();
    direct = s.backend.db;
    proxy = await cuttingProxy(new URL(s.backend.url as string));
    const u = new URL(s.backend.url as string);
    u.host = `127.0.0.1:${proxy.port}`;
    cut = await openPgDb(u.toString());
  });
  after(async () => {
    await cut?.close();
    await proxy?.close();
    await teardown?.();
  });

  it('reads the same rows from whole and from cut socket reads', async (t) => {
    if (!direct || !cut) return t.skip(skip);
    const whole = await rows(direct, SELECT, KINDS);
    assert.equal(whole.length, 3000);
    assert.deepEqual(whole[12], ['tab\tnl\nbs\\13', 0, 102947, '13']);
    assert.deepEqual(whole[10], ['é✓11', 0, 87109, '11']);
    assert.deepEqual(whole[96], [null, 0, 768143, '97']);
    assert.deepEqual(whole[2], ['u3', 1, 23757, '3']);
    assert.deepEqual(await rows(cut, SELECT, KINDS), whole);
  });

  it('reads a 3 MB field that spans many socket reads', async (t) => {
    if (!direct || !cut) return t.skip(skip);
    for (const db of [direct, cut]) {
      const got = await rows(db, "SELECT repeat('ab\\', 1000000), 1 UNION ALL SELECT 'x', 2", [
        'text',
        'int',
      ]);
      assert.equal(got.length, 2);
      assert.equal(got[0][0], 'ab\\'.repeat(1_000_000));
      assert.deepEqual(got[1], ['x', 2]);
    }
  });

  it('rejects with the server error of a missing relation and keeps the connection', async (t) => {
    if (!direct || !cut) return t.skip(skip);
    for (const db of [direct, cut]) {
      await assert.rejects(
        rows(db, 'SELECT x FROM no_such_relation', ['text']),
        (e) => sqlState(e) === '42P01',
      );
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    }
  });

  it('rejects with an error raised after rows were sent and keeps the connection', async (t) => {
    if (!direct || !cut) return t.skip(skip);
    for (const db of [direct, cut]) {
      await assert.rejects(
        rows(db, 'SELECT 1 / (2000 - i) FROM generate_series(1, 3000) i', ['int']),
        (e) => sqlState(e) === '22012',
      );
      assert.deepEqual(await db.query('SELECT 2 AS two'), [{ two: 2 }]);
    }
  });

  it('rejects rows the parser refuses, reads the COPY to its end, and keeps the connection', async (t) => {
    if (!direct || !cut) return t.skip(skip);
    for (const db of [direct, cut]) {
      await assert.rejects(
        rows(db, 'SELECT i, i FROM generate_series(1, 3000) i', ['int']),
        /COPY row has more than 1 fields/,
      );
      assert.deepEqual(await db.query('SELECT 3 AS three'), [{ three: 3 }]);
      assert.equal((await rows(db, 'SELECT i FROM generate_series(1, 5) i', ['int'])).length, 5);
    }
  });
});
