/**
 * Streams a long-format CSV of answers (header with user_id, item_id, is_correct; optional
 * responded_at; other columns ignored) into a ResponseBuilder, chunk by chunk, without holding
 * the file or one object per row in memory.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ResponseBuilder, type ResponseBuilderOptions, type ResponseData } from '../engine/responses.js';

export class CsvInputError extends Error {
  override name = 'CsvInputError';
}

interface Columns {
  user: number;
  item: number;
  correct: number;
  time: number;
  width: number;
}

/** Splits one CSV line; quoted fields ("a,b", "say ""hi""") only take the slow path. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

function findColumns(header: string): Columns {
  const names = splitCsvLine(header.replace(/^\uFEFF/, '')).map((s) => s.trim().toLowerCase());
  const idx = (n: string) => names.indexOf(n);
  const cols = {
    user: idx('user_id'),
    item: idx('item_id'),
    correct: idx('is_correct'),
    time: idx('responded_at'),
    width: names.length,
  };
  const missing = ['user_id', 'item_id', 'is_correct'].filter((n) => idx(n) < 0);
  if (missing.length > 0) {
    throw new CsvInputError(
      `bad header: missing column(s) ${missing.join(', ')} (found: ${names.join(', ') || 'nothing'})`,
    );
  }
  return cols;
}

/** Reads the CSV stream into compact response data (hygiene counts included). */
export async function readResponsesCsv(
  stream: Readable,
  options?: ResponseBuilderOptions,
): Promise<ResponseData> {
  const builder = new ResponseBuilder(options);
  let cols: Columns | null = null;
  let fast: true | null = null;
  let rest = '';
  const handle = (line: string) => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (cols === null) {
      if (line.trim() === '') return;
      cols = findColumns(line);
      fast = cols.width === 3 && cols.user === 0 && cols.item === 1 && cols.correct === 2 ? true : null;
      return;
    }
    if (line === '') return;
    if (fast !== null && !line.includes('"')) {
      // Fast path for the plain three-column layout: no array, no field copies beyond the ids.
      const c1 = line.indexOf(',');
      const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
      if (c2 > 0 && line.indexOf(',', c2 + 1) < 0) {
        const x = line.length - c2 === 2 ? line.charCodeAt(c2 + 1) : -1;
        const correct = x === 49 ? 1 : x === 48 ? 0 : line.slice(c2 + 1);
        builder.add(line.slice(0, c1).trim(), line.slice(c1 + 1, c2).trim(), correct);
        return;
      }
    }
    const f = splitCsvLine(line);
    if (f.length < cols.width) {
      builder.reject('malformed_row');
      return;
    }
    let t: number | undefined;
    if (cols.time >= 0 && f[cols.time] !== '') {
      t = Date.parse(f[cols.time]);
      if (Number.isNaN(t)) t = undefined;
    }
    builder.add(f[cols.user].trim(), f[cols.item].trim(), f[cols.correct], t);
  };
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') handle(rest);
  if (cols === null) throw new CsvInputError('empty input: no header line');
  return builder.build();
}

export function openInput(path: string): Readable {
  return path === '-' ? process.stdin : createReadStream(path);
}
