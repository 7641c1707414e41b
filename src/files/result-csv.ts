/**
 * The result as CSV for spreadsheets and R's `read.csv`: one row per item (parameters, standard
 * errors, counts, S-X2) and one row per learner (theta, se). Missing values are `NA`, as R
 * writes and reads them; numbers keep full precision.
 */
import type { Writable } from 'node:stream';
import type { CalibrateResponse } from '../contract/types.js';
import { writeChunk } from './output-file.js';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const num = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'NA' : String(x);

async function writeRows(out: Writable, header: string, rows: Iterable<string>): Promise<void> {
  let buf = `${header}\n`;
  for (const r of rows) {
    buf += `${r}\n`;
    if (buf.length > 1 << 16) {
      await writeChunk(out, buf);
      buf = '';
    }
  }
  await writeChunk(out, buf);
}

export const ITEMS_CSV_HEADER =
  'item_id,model,a,b,c,se_a,se_b,se_c,n,p_correct,anchored,sx2,sx2_df,sx2_p,rmsea,fit_note';
/** The 4PL's items also carry the upper asymptote u and its SE, after c and se_c. */
export const ITEMS_CSV_HEADER_4PL =
  'item_id,model,a,b,c,u,se_a,se_b,se_c,se_u,n,p_correct,anchored,sx2,sx2_df,sx2_p,rmsea,fit_note';

export function writeItemsCsv(out: Writable, res: CalibrateResponse): Promise<void> {
  // A result has u where its model has an upper asymptote (to-contract.ts gives only the model's parameters).
  const withU = res.item_params.some((it) => it.params.u !== undefined);
  return writeRows(
    out,
    withU ? ITEMS_CSV_HEADER_4PL : ITEMS_CSV_HEADER,
    res.item_params.map((it) => {
      const f = it.fit;
      const sx2 = f && f.statistic === 'S-X2' ? f : null;
      return [
        csvField(it.item_id),
        csvField(it.model),
        num(it.params.a),
        num(it.params.b),
        num(it.params.c ?? 0),
        ...(withU ? [num(it.params.u ?? 1)] : []),
        num(it.se?.a),
        num(it.se?.b),
        num(it.se?.c),
        ...(withU ? [num(it.se?.u)] : []),
        num(it.n),
        num(it.p_correct),
        it.anchored ? 'TRUE' : 'FALSE',
        num(sx2?.value),
        num(sx2?.df),
        num(sx2?.p),
        num(sx2?.rmsea),
        f && f.statistic === null ? csvField(f.reason) : 'NA',
      ].join(',');
    }),
  );
}

export function writeScoresCsv(out: Writable, res: CalibrateResponse): Promise<void> {
  return writeRows(
    out,
    'user_id,theta,se',
    (function* () {
      for (const a of res.abilities) yield `${csvField(a.user_id)},${num(a.theta)},${num(a.se)}`;
    })(),
  );
}
