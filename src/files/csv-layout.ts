/**
 * The layout of an answers CSV, chosen from its header and first row: long (one answer per row,
 * columns found by name) or wide (mirt's matrix); and the delimiter option.
 */
import { parseCorrect } from '../engine/responses.js';
import type { ByteInterner } from './byte-interner.js';
import { CsvInputError } from './csv-errors.js';
import { type CsvLexer, preview } from './csv-lexer.js';

export type CsvFormat = 'auto' | 'long' | 'wide';

export interface CsvColumns {
  user?: string;
  item?: string;
  correct?: string;
  time?: string;
}

export const DEFAULT_COLUMNS = {
  user: 'user_id',
  item: 'item_id',
  correct: 'is_correct',
  time: 'responded_at',
};

export interface LongLayout {
  kind: 'long';
  user: number;
  item: number;
  correct: number;
  time: number;
}

export interface WideLayout {
  kind: 'wide';
  /** -1: users are numbered by row. */
  user: number;
  /** Column index -> the item's index in the reader's item ids (-1: not an item column). */
  itemOf: Int32Array;
}

export function parseDelimiter(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  if (d === ',' || d === ';') return d.charCodeAt(0);
  if (d === '\t' || d === '\\t' || d.toLowerCase() === 'tab') return 9;
  throw new CsvInputError(`delimiter must be ",", ";" or tab, got "${preview(d)}"`);
}

export function describeDelimiter(d: number): string {
  return d === 9 ? 'tab' : `"${String.fromCharCode(d)}"`;
}

/** What the layout is chosen from. */
export interface HeaderFacts {
  /** The header's names, trimmed. */
  readonly header: readonly string[];
  /** The long layout's column names, trimmed and lower case. */
  readonly names: Required<CsvColumns>;
  readonly format: CsvFormat;
  /** The columns the user named (a named column must exist). */
  readonly columns: CsvColumns | undefined;
  /** The item ids of the wide layout's header are numbered here. */
  readonly items: ByteInterner;
}

/**
 * The layout of a file from its header and first row (see the file comment of csv-responses.ts):
 * long when the header names the item and correctness columns (or `format` says so), else wide
 * when the first row's cells are all answers, else an error naming the columns.
 */
export function chooseLayout(
  h: HeaderFacts,
  lx: CsvLexer,
  buf: Buffer,
  nf: number,
  line: number,
): LongLayout | WideLayout {
  const header = h.header;
  const names = header.map((n) => n.toLowerCase());
  const find = (n: string) => names.indexOf(n);
  const n = h.names;
  const format = h.format;
  const hasLong = find(n.item) >= 0 && find(n.correct) >= 0;
  if (format === 'long' || (format === 'auto' && hasLong)) {
    const missing = (['user', 'item', 'correct'] as const).filter((c) => find(n[c]) < 0);
    if (missing.length > 0)
      throw headerError(
        header,
        missing.map((c) => n[c]),
      );
    if (h.columns?.time !== undefined && find(n.time) < 0) throw headerError(header, [n.time]);
    return {
      kind: 'long',
      user: find(n.user),
      item: find(n.item),
      correct: find(n.correct),
      time: find(n.time),
    };
  }
  // Wide: who is the learner?
  let user = find(n.user);
  if (h.columns?.user !== undefined && user < 0) throw headerError(header, [n.user]);
  if (user < 0 && names[0] === '') user = 0;
  const itemOf = new Int32Array(header.length).fill(-1);
  const seen = new Set<string>();
  for (let k = 0; k < header.length; k++) {
    if (k === user) continue;
    const id = header[k];
    if (id === '') throw new CsvInputError(`wide format: column ${k + 1} of the header has no name`);
    if (seen.has(id)) throw new CsvInputError(`wide format: column "${preview(id)}" appears twice`);
    seen.add(id);
    // Numbered now, in header order; the builder numbers items by first answer in the end.
    itemOf[k] = h.items.internString(id);
  }
  if (seen.size === 0) throw new CsvInputError('wide format: the header names no item column');
  if (format === 'auto') {
    // A long file with unexpected names must not be read as a matrix: the first row decides.
    for (let k = 0; k < Math.min(nf, header.length); k++) {
      if (itemOf[k] >= 0 && parseCorrect(lx.fieldText(buf, k)) === undefined) {
        throw headerError(
          header,
          [n.user, n.item, n.correct].filter((c) => find(c) < 0),
          ` and line ${line} is not a row of 0/1 answers (wide format)`,
        );
      }
    }
  }
  return { kind: 'wide', user, itemOf };
}

function headerError(header: readonly string[], missing: string[], more = ''): CsvInputError {
  const found = header.join(', ') || 'nothing';
  return new CsvInputError(
    `bad header: missing column(s) ${missing.join(', ')} (found: ${preview(found, 200)})${more}; ` +
      'name the columns with --user-col, --item-col, --correct-col, or use --format wide for a matrix',
  );
}
