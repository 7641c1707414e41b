/** `--items-csv`: a 4PL's rows carry u and its SE (after c and se_c); other models keep the old header. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { ITEMS_CSV_HEADER, ITEMS_CSV_HEADER_4PL, writeItemsCsv } from '../../src/files/result-csv.js';
import { loadResponses } from '../helpers/reference.js';

async function itemsCsv(res: CalibrateResponse): Promise<Record<string, string>[]> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  await writeItemsCsv(sink, res);
  const [header, ...rows] = text.trim().split('\n');
  const cols = header.split(',');
  return [{ header }, ...rows.map((r) => Object.fromEntries(r.split(',').map((v, k) => [cols[k], v])))];
}

const fitted = (model: string) =>
  new LocalCalibrator().calibrate(loadResponses('LSAT7'), {
    model,
    version: 'v',
    runId: 'r',
    uPrior: 'normal:1.1:2',
  });

describe('writeItemsCsv', () => {
  it('4PL: u and se_u, the numbers of the JSON at full precision', async () => {
    const res = await fitted('4PL');
    const [{ header }, ...rows] = await itemsCsv(res);
    assert.equal(header, ITEMS_CSV_HEADER_4PL);
    assert.equal(rows.length, 5);
    res.item_params.forEach((it, j) => {
      assert.equal(rows[j].item_id, it.item_id);
      assert.equal(Number(rows[j].u), it.params.u);
      assert.ok((it.params.u as number) < 1);
      assert.equal(rows[j].se_u, it.se?.u == null ? 'NA' : String(it.se.u));
      assert.equal(Number(rows[j].c), it.params.c);
    });
  });

  it('2PL: the header without u, as before', async () => {
    const [{ header }, first] = await itemsCsv(await fitted('2PL'));
    assert.equal(header, ITEMS_CSV_HEADER);
    assert.equal(first.c, '0');
    assert.ok(!('u' in first));
  });
});
