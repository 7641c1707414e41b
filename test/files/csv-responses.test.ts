/** The CSV reader of file mode: header handling, value forms, malformed rows. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readResponsesCsv } from '../../src/files/csv-responses.js';

const read = (text: string, chunk = 7) => {
  // Small chunks so that lines straddle chunk boundaries.
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
  return readResponsesCsv(Readable.from(parts));
};

describe('CSV responses', () => {
  it('reads quoted fields', async () => {
    const d = await read(
      'user_id,item_id,is_correct\n"a,b","say ""hi""",1\n"a,b",c,0\nu2,"say ""hi""",0\nu2,c,1\n',
    );
    assert.deepEqual(d.userIds, ['a,b', 'u2']);
    assert.deepEqual(d.itemIds, ['say "hi"', 'c']);
  });

  it('reads the plain layout, CRLF, a BOM, true/false and missing values', async () => {
    const d = await read(
      '\uFEFFuser_id,item_id,is_correct\r\nu1,i1,1\r\nu1,i2,false\r\nu2,i1,0\r\nu2,i2,TRUE\r\nu3,i1,\r\nu3,i2,NA\r\n',
    );
    assert.equal(d.nObs, 4);
    assert.equal(d.hygiene.dropped.nullCorrect, 2);
    assert.deepEqual(d.userIds, ['u1', 'u2']);
  });

  it('finds the columns by name among others; responded_at decides duplicates', async () => {
    const d = await read(
      'session,"item_id",user_id,responded_at,is_correct,score\n' +
        's,i1,u1,2026-01-02T00:00:00Z,1,9\ns,i1,u1,2026-01-01T00:00:00Z,0,9\ns,i2,u1,,1,9\ns,i1,u2,,1,9\ns,i2,u2,,0,9\n',
    );
    assert.equal(d.hygiene.dropped.duplicate, 1);
    assert.equal(d.userResp[0], 0, 'the earlier answer of u1 to i1 is kept');
  });

  it('counts malformed rows and bad values without failing', async () => {
    const d = await read('user_id,item_id,is_correct\nu1,i1,1\nu1\nu2,i1,maybe\nu2,i1,0\n,i1,1\n');
    assert.deepEqual(d.hygiene.dropped.rejected, { short_row: 1 });
    assert.equal(d.hygiene.dropped.invalidCorrect, 1);
    assert.equal(d.hygiene.dropped.missingId, 1);
    assert.equal(d.nObs, 2);
  });

  it('a bad header or an empty file is a clear error', async () => {
    await assert.rejects(
      read('user,item,correct\nu,i,1\n'),
      /bad header: missing column\(s\) user_id, item_id, is_correct/,
    );
    await assert.rejects(read(''), /empty input/);
  });
});
