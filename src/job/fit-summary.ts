/**
 * The lines `fit` prints once the file is read: what was loaded, and every kind of row that was
 * dropped, by name and count, with the line of the first one so it can be looked at.
 */
import type { ResponseData } from '../engine/responses.js';
import { type CsvReadReport, PROBLEM_WORDS, type RowProblem } from '../files/csv-responses.js';

/** Short names of the reader's row problems, for the summary line. */
const SHORT: Record<RowProblem, string> = {
  short_row: 'short row',
  long_row: 'long row',
  unterminated_quote: 'unterminated quote',
  text_after_quote: 'text after quote',
  line_break_in_field: 'line break in field',
  missing_id: 'missing id',
  invalid_correct: 'invalid',
};

/** Kinds the builder already counts (null, invalid, missing id) stay in their old place. */
const IN_BASE_COUNTS = new Set<RowProblem>(['missing_id', 'invalid_correct']);

export function loadedLines(source: string, data: ResponseData, report: CsvReadReport): string[] {
  const h = data.hygiene;
  const layout =
    report.format === 'wide' || report.delimiter !== '","'
      ? `${report.format} format, ${report.delimiter}-separated; `
      : '';
  const problems = Object.entries(report.problems) as [RowProblem, { count: number; firstLine: number }][];
  const malformed = problems
    .filter(([k]) => !IN_BASE_COUNTS.has(k))
    .map(([k, p]) => `, ${p.count} ${SHORT[k]}`)
    .join('');
  const lines = [
    `[INFO] Loaded ${data.nObs} observations from ${source} ` +
      `(${layout}${data.nUsers} users, ${data.nItems} items; dropped: ${h.dropped.nullCorrect} null, ${h.dropped.invalidCorrect} invalid, ` +
      `${h.dropped.missingId} missing id, ${h.dropped.duplicate} duplicate, ${h.dropped.excludedItem} on ${h.excludedItems.length} excluded item(s)` +
      `${malformed})`,
  ];
  for (const [k, p] of problems) {
    const ex = (p as { example?: string }).example;
    lines.push(
      `[WARN] dropped ${p.count} row(s) ${PROBLEM_WORDS[k]} (first at line ${p.firstLine}${ex === undefined ? '' : `: "${ex}"`})`,
    );
  }
  if (report.unreadableTimes) {
    const t = report.unreadableTimes;
    lines.push(
      `[WARN] ${t.count} time stamp(s) not readable, kept as unknown times (first at line ${t.firstLine}: "${t.example}")`,
    );
  }
  return lines;
}
