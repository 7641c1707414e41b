/**
 * The answers a CSV holds, roughly, before it is read: `fit` decides from it whether to start
 * kernel workers during the read (calibrators/estep-workers.ts, prestartForFit).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { detectDelimiter } from './csv-lexer.js';

/** Bytes sampled from the start of the file. */
const SAMPLE = 65536;

/**
 * Rows (the file's size over the bytes per row of its first 64 KiB) times the answers a row
 * holds: 1 in the long format (3 or 4 columns, a few more at most), the columns but the
 * learner's in the wide one. 0 for standard input ('-') and an unreadable file (the read says
 * what is wrong with it).
 */
export function answersInFile(path: string): number {
  if (path === '-') return 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, SAMPLE));
    const sample = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    const text = sample.toString('latin1');
    const lines = text.split(/\r\n|\n|\r/);
    if (lines.length < 3) return 0; // no whole row after the header: too small to matter
    const header = lines[0];
    const fields = header.split(String.fromCharCode(detectDelimiter(sample, sample.length))).length;
    const bytesPerRow = (text.length - header.length) / (lines.length - 2);
    return (size / bytesPerRow) * (fields > 6 ? fields - 1 : 1);
  } finally {
    closeSync(fd);
  }
}
