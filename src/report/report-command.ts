/**
 * `mirt-calibrate report --input result.json --output report.html`: the HTML run report of a
 * /calibrate response (from `fit`, the service, or an R Plumber service). Exit 1 for an input
 * it cannot read, 2 for bad usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CalibrateResponse } from '../contract/types.js';
import { renderReport } from './report.js';

export const REPORT_HELP = `Usage: mirt-calibrate report --input RESULT.json [--output REPORT.html]

Writes a self-contained HTML report (fit, data hygiene, test information, ability
distribution, flagged items, every item's curve) of a calibration result: the JSON that
'mirt-calibrate fit' or POST /calibrate returns. '-' reads standard input; without
--output the HTML goes to standard output.
`;

export async function main(argv: string[]): Promise<number> {
  let args: { input?: string; output?: string; help?: boolean };
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      options: {
        input: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`[ERROR] ${(e as Error).message}\n${REPORT_HELP}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (!args.input) {
    process.stderr.write(`[ERROR] --input is required\n${REPORT_HELP}`);
    return 2;
  }
  let result: CalibrateResponse;
  try {
    const text = args.input === '-' ? await readStdin() : await readFile(args.input, 'utf8');
    result = JSON.parse(text) as CalibrateResponse;
    if (!Array.isArray(result?.item_params) || !Array.isArray(result?.abilities) || !result?.fit_meta) {
      throw new Error('not a calibration result (item_params, abilities and fit_meta expected)');
    }
  } catch (e) {
    process.stderr.write(`[ERROR] cannot read ${args.input}: ${(e as Error).message}\n`);
    return 1;
  }
  const html = renderReport(result);
  if (!args.output || args.output === '-') process.stdout.write(html);
  else await writeFile(args.output, html);
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
