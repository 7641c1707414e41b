/**
 * `mirt-calibrate report --input result.json --output report.html`: the HTML run report of a
 * /calibrate response (from `fit`, the service, or an R Plumber service). Exit 1 for an input
 * it cannot read or that is not a result (one [ERROR] line naming the file and the field, never a
 * stack trace), 2 for bad usage. A result without `fit_meta.metrics` or `fit_meta.model_spec` is
 * drawn without them, with a [WARN] line and a note on the page.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkOutputPath, parseFlags, UsageError } from '../job/args.js';
import { renderReport } from './report.js';
import { type CheckedResult, checkResult } from './result-shape.js';

export const REPORT_HELP = `Usage: mirt-calibrate report --input RESULT.json [--output REPORT.html]

Writes a self-contained HTML report of a calibration result (the JSON that 'mirt-calibrate
fit' or POST /calibrate returns): the headline reliability (empirical on incomplete data),
the run's source and settings, data hygiene, the information of a typical form with its SE,
the ability histogram with the fitted density, a person-item (Wright) map, item information,
the linking and drift section of a linked run, the items table (flags first, item fit) and
every item's curve with observed proportions by ability group (fit's JSON carries them).
Readable offline. '-' reads standard input; without --output the HTML goes to standard output.

  --input FILE     the result JSON ('-' reads standard input)                 (required)
  --output FILE    where the HTML goes ('-' = standard output)               (default -)
  -h, --help       this text
`;

const REPORT_FLAGS = {
  input: { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  let args: { input?: string; output?: string; help?: boolean };
  try {
    args = parseFlags(argv, REPORT_FLAGS, { command: 'report' }).values;
    if (args.help) {
      process.stdout.write(REPORT_HELP);
      return 0;
    }
    if (!args.input) throw new UsageError('--input is required (see mirt-calibrate report --help)');
    // Before the input is read: a report that cannot be written is known at once.
    if (args.output) await checkOutputPath('--output', args.output);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`[ERROR] ${e.message}\n`);
    return 2;
  }
  const input = args.input === '-' ? 'standard input' : args.input;
  const fail = (line: string) => {
    process.stderr.write(`[ERROR] ${line}\n`);
    return 1;
  };
  let text: string;
  try {
    text = args.input === '-' ? await readStdin() : await readFile(args.input, 'utf8');
  } catch (e) {
    return fail(`cannot read ${input}: ${oneLine(e)}`);
  }
  let checked: CheckedResult;
  try {
    checked = checkResult(JSON.parse(text));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not valid JSON (${oneLine(e)})` : oneLine(e);
    return fail(`cannot read ${input}: ${why}`);
  }
  if (checked.missing.length)
    process.stderr.write(
      `[WARN] ${input} has no ${checked.missing.join(', no ')}: the report is drawn without it\n`,
    );
  let html: string;
  try {
    html = renderReport(checked.result, checked.missing);
  } catch (e) {
    return fail(`cannot draw the report of ${input}: ${oneLine(e)}`);
  }
  if (!args.output || args.output === '-') process.stdout.write(html);
  else {
    try {
      await writeFile(args.output, html);
    } catch (e) {
      return fail(`cannot write ${args.output}: ${oneLine(e)}`);
    }
  }
  return 0;
}

/** The message of an error, on one line and bounded (a JSON error can quote the input). */
function oneLine(e: unknown): string {
  const s = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
