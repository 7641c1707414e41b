/**
 * `mirt-calibrate fit`: calibrate a CSV file, no database. Writes the /calibrate response JSON.
 * Exit codes: 0 done, 1 the run failed (file, data), 2 bad usage (flags, model, prior).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { prestartForFit, releaseWorkers } from '../calibrators/estep-workers.js';
import { LocalCalibrator } from '../calibrators/local.js';
import { parseAnchors } from '../contract/anchors.js';
import { ContractError } from '../contract/validate.js';
import { resolveSettings } from '../engine/calibrate.js';
import {
  DEFAULT_A_PRIOR,
  DEFAULT_B_PRIOR,
  DEFAULT_C_PRIOR,
  EngineInputError,
  formatCPrior,
  formatItemPrior,
  parseAPrior,
  parseBPrior,
  parseCPrior,
  parseModel,
  parseScoreMethod,
  parseUPrior,
} from '../engine/types.js';
import { answersInFile } from '../files/answers-in-file.js';
import { CsvInputError, type CsvReadOptions, openInput, readCsvAnswers } from '../files/csv-responses.js';
import { writeChunk, writeOutput } from '../files/output-file.js';
import { writeItemsCsv, writeScoresCsv } from '../files/result-csv.js';
import { writeJson } from '../files/result-json.js';
import { withReportEvidence } from '../report/observed-groups.js';
import { renderReport } from '../report/report.js';
import { checkOutputPath, parseFlags, UsageError } from './args.js';
import { loadedLines } from './fit-summary.js';
import { flagLines } from './flag-lines.js';
import { createLog, type Log, LogFormatError, logFormat } from './log.js';
import { calibrationPhases, emProgress, phaseLine, progressSecs, quietFromEnv } from './progress.js';
import { runLabels } from './run-labels.js';

const NO_PRIOR = { kind: 'none' } as const;

export const FIT_HELP = `Usage: mirt-calibrate fit --input FILE [options]

Calibrates an IRT model on a CSV of answers and writes the /calibrate response JSON. Long
format: one answer a row, header user_id,item_id,is_correct[,responded_at] (other names with
the --*-col flags); wide format: mirt's matrix, one row per learner and a column per item.
Answers 0/1/true/false; empty or NA = missing. Delimiter , ; or tab; LF, CRLF or CR line ends.

  --input FILE        the CSV ('-' reads standard input)                      (required)
  --output FILE       where the JSON goes ('-' = standard output)            (default -)
  --items-csv FILE    also write one row per item (parameters, SEs, S-X2) as CSV
  --scores-csv FILE   also write one row per learner (user_id, theta, se) as CSV
  --report FILE       also write the HTML run report (as mirt-calibrate report does)
  --format F          auto, long or wide                                      (default auto)
  --delimiter D       , ; or tab                               (default: from the header)
  --user-col NAME     the learner column                                (default user_id)
  --item-col NAME     the item column (long format)                     (default item_id)
  --correct-col NAME  the answer column, 0/1 (long format)           (default is_correct)
  --time-col NAME     the answer time, ISO-8601 (long format)      (default responded_at)
  --model NAME        Rasch, 1PL, 2PL, 3PL or 4PL (case-insensitive)         (default 2PL)
  --score METHOD      EAP, MAP, ML or WLE                                     (default EAP)
  --quadpts N         quadrature nodes on [-6, 6]                             (default 61)
  --max-cycles N      EM cycle limit                                          (default 500)
  --tol X             convergence: largest parameter change                   (default 1e-4)
  --threads N         E-step threads                             (default: 2 on large data)
  --c-prior SPEC      3PL lower asymptote prior: none, normal:MEAN:SD (on logit c) or
                      beta:A:B (on c). Default none, as mirt: fit reproduces mirt's defaults
                      for a researcher at the keyboard; the unattended job and the service
                      default to ${formatCPrior(DEFAULT_C_PRIOR)} (mirt's PRIOR = (1-J, g, norm, -1.1, 2))
  --u-prior SPEC      4PL upper asymptote prior, as --c-prior on logit u / u  (default none)
  --a-prior SPEC      slope prior (2PL/3PL/4PL): none or lognormal:MEANLOG:SDLOG on a.
                      Default none, as mirt; the unattended default is ${formatItemPrior(DEFAULT_A_PRIOR)}
  --b-prior SPEC      difficulty prior (every model): none or normal:MEAN:SD on b.
                      Default none, as mirt; the unattended default is ${formatItemPrior(DEFAULT_B_PRIOR)}
                      Without --a-prior, an item whose slope runs off (perfectly separated
                      answers) is held by ${formatItemPrior(DEFAULT_A_PRIOR)} and flagged slope_held
  --anchors FILE      JSON of fixed item parameters: a previous result of fit or /calibrate,
                      [{item_id, a, b, c?}] or {item_id: {a, b, c?}}; the run is put on
                      their scale (latent mean and variance estimated)
  --duplicates P      first or last answer of a repeated (user, item) pair    (default first)
  --min-item-n N      items with fewer answers are kept but flagged provisional (default 30)
  --version LABEL     version written into the records            (default v<UTC time>)
  -q, --quiet         no progress lines (EM cycles, phases); also MIRT_QUIET=true
  -h, --help          this text

Progress and results go to standard error: an EM line at most every 2 s (MIRT_PROGRESS_SECS),
one line per phase. MIRT_LOG_FORMAT=json writes them as JSON objects (text: as they read).
`;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new EngineInputError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/** Checks every flag before any data is read: a usage error costs nothing and exits 2. */
async function prepare(args: ReturnType<typeof parse>): Promise<Prepared> {
  if (!args.input) throw new EngineInputError('--input is required');
  const model = parseModel(args.model ?? '2PL');
  const tol = args.tol === undefined ? undefined : Number(args.tol);
  if (tol !== undefined && !(tol > 0 && tol < 1))
    throw new EngineInputError(`--tol must be in (0, 1), got "${args.tol}"`);
  if (args.duplicates !== undefined && args.duplicates !== 'first' && args.duplicates !== 'last') {
    throw new EngineInputError(`--duplicates must be first or last, got "${args.duplicates}"`);
  }
  const format = args.format ?? 'auto';
  if (format !== 'auto' && format !== 'long' && format !== 'wide')
    throw new EngineInputError(`--format must be auto, long or wide, got "${args.format}"`);
  if (format === 'wide' && (args['item-col'] || args['correct-col'] || args['time-col']))
    throw new EngineInputError(
      '--item-col, --correct-col and --time-col name long-format columns, not --format wide',
    );
  if (args.delimiter !== undefined && ![',', ';', '\t', '\\t', 'tab'].includes(args.delimiter.toLowerCase()))
    throw new EngineInputError(`--delimiter must be ",", ";" or tab, got "${args.delimiter}"`);
  for (const flag of ['user-col', 'item-col', 'correct-col', 'time-col'] as const) {
    if (args[flag] !== undefined && args[flag].trim() === '')
      throw new EngineInputError(`--${flag} must name a column`);
  }
  const labels = runLabels();
  const job: FitJob = {
    model,
    version: args.version ?? labels.version,
    runId: labels.runId,
    quadPoints: positiveInt('quadpts', args.quadpts),
    scoreMethod: args.score === undefined ? undefined : parseScoreMethod(args.score),
    cPrior: formatCPrior(args['c-prior'] === undefined ? NO_PRIOR : parseCPrior(args['c-prior'])),
    uPrior: formatCPrior(args['u-prior'] === undefined ? NO_PRIOR : parseUPrior(args['u-prior'])),
    aPrior: formatItemPrior(args['a-prior'] === undefined ? NO_PRIOR : parseAPrior(args['a-prior'])),
    bPrior: formatItemPrior(args['b-prior'] === undefined ? NO_PRIOR : parseBPrior(args['b-prior'])),
    maxCycles: positiveInt('max-cycles', args['max-cycles']),
    tol,
    threads: positiveInt('threads', args.threads),
  };
  // The engine's own bounds (quadrature nodes in [5, 401], ...), with the flag's name.
  try {
    resolveSettings({
      model,
      quadPoints: job.quadPoints,
      maxCycles: job.maxCycles,
      tol,
      threads: job.threads,
      scoreMethod: job.scoreMethod,
    });
  } catch (e) {
    throw new EngineInputError(`${(e as Error).message.replace(/^quadPoints/, '--quadpts')}`);
  }
  const read: CsvReadOptions = {
    duplicatePolicy: args.duplicates as 'first' | 'last' | undefined,
    minItemResponses: positiveInt('min-item-n', args['min-item-n']),
    format,
    delimiter: args.delimiter,
    columns: {
      user: args['user-col'],
      item: args['item-col'],
      correct: args['correct-col'],
      time: args['time-col'],
    },
  };
  const outputs = [args.output, args['items-csv'], args['scores-csv'], args.report].filter(
    (f): f is string => f !== undefined && f !== '-',
  );
  if (new Set(outputs).size < outputs.length) throw new EngineInputError('two outputs name the same file');
  // Before any data is read: an output that cannot be written is a usage error ("cannot write").
  for (const [flag, file] of [
    ['--output', args.output],
    ['--items-csv', args['items-csv']],
    ['--scores-csv', args['scores-csv']],
    ['--report', args.report],
  ] as const)
    if (file !== undefined) await checkOutputPath(flag, file);
  return { input: args.input, job, read, outputs };
}

interface Prepared {
  input: string;
  job: FitJob;
  read: CsvReadOptions;
  outputs: string[];
}

type FitJob = Parameters<LocalCalibrator['calibrate']>[1];

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: ReturnType<typeof parse>;
  let log: Log;
  let progress: ((line: string, fields: Record<string, unknown>) => void) | null;
  let intervalSecs: number;
  try {
    // fit is a command at a keyboard: its text lines carry no time stamp (json does, as pino).
    const format = logFormat(env);
    log = await createLog(format === 'text' ? 'plain' : format);
    args = parse(argv);
    progress = args.quiet || quietFromEnv(env) ? null : log.err;
    intervalSecs = progressSecs(env);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof LogFormatError)) throw e;
    process.stderr.write(`[ERROR] ${e.message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(FIT_HELP);
    return 0;
  }
  let prep: Prepared;
  try {
    prep = await prepare(args);
  } catch (e) {
    log.err(`[ERROR] ${(e as Error).message}`);
    return 2;
  }
  let { job } = prep;
  const started = performance.now();
  if (progress) job = { ...job, onCycle: emProgress(progress, { intervalSecs }) };
  // The kernel workers start now, on the other core, while the file is read (issue 14).
  prestartForFit(answersInFile(prep.input), job);
  try {
    if (args.anchors)
      job = {
        ...job,
        anchors: Object.fromEntries(parseAnchors(JSON.parse(await readFile(args.anchors, 'utf8')))),
      };
    let t = performance.now();
    const { data, report } = await readCsvAnswers(openInput(prep.input), prep.read);
    for (const line of loadedLines(prep.input === '-' ? 'standard input' : prep.input, data, report))
      log.err(line);
    if (progress) phaseLine(progress, 'read', (performance.now() - t) / 1000);
    t = performance.now();
    const out = withReportEvidence(await new LocalCalibrator().calibrate(data, job), data);
    const m = out.fit_meta.metrics;
    if (progress) {
      calibrationPhases(progress, m);
      phaseLine(progress, 'calibrate', (performance.now() - t) / 1000);
    }
    t = performance.now();
    await writeOutput(args.output ?? '-', async (s) => {
      await writeJson(s, out);
      await writeChunk(s, '\n');
    });
    if (args['items-csv']) await writeOutput(args['items-csv'], (s) => writeItemsCsv(s, out));
    if (args['scores-csv']) await writeOutput(args['scores-csv'], (s) => writeScoresCsv(s, out));
    if (args.report) await writeOutput(args.report, (s) => writeChunk(s, renderReport(out)));
    if (progress) phaseLine(progress, 'write', (performance.now() - t) / 1000);
    log.err(
      `[INFO] ${job.model}: logLik ${(m.logLik as number).toFixed(4)}, ${m.cycles} cycles, ` +
        `${m.converged ? 'converged' : 'NOT converged'}; ${out.item_params.length} items, ${out.abilities.length} users; ` +
        `${((performance.now() - started) / 1000).toFixed(2)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    if (!m.converged)
      log.err(`[WARN] EM stopped at the cycle limit before converging (tol ${job.tol ?? 1e-4})`);
    for (const line of flagLines(out)) log.err(line);
    return 0;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const say = (line: string) => log.err(`[ERROR] ${line}`);
    if (err.syscall) {
      // Only the input and the anchors are read; any other path (an output, its temporary file) is written.
      const path = err.path ?? prep.input;
      const read = [prep.input, args.anchors].some((f) => f !== undefined && resolve(f) === resolve(path));
      say(
        `cannot ${read ? 'read' : 'write'} ${path}: ${err.code} (${err.message}); check the path and permissions`,
      );
    } else if (err instanceof SyntaxError) say(`--anchors ${args.anchors}: not valid JSON (${err.message})`);
    else if (err instanceof ContractError) say(`--anchors ${args.anchors}: ${err.message}`);
    else if (err instanceof CsvInputError || err instanceof EngineInputError) say(err.message);
    else say(`calibration failed: ${err.stack ?? err.message}`);
    return 1;
  } finally {
    await releaseWorkers();
  }
}

const FIT_FLAGS = {
  input: { type: 'string' },
  output: { type: 'string' },
  model: { type: 'string' },
  score: { type: 'string' },
  quadpts: { type: 'string' },
  'max-cycles': { type: 'string' },
  tol: { type: 'string' },
  threads: { type: 'string' },
  'c-prior': { type: 'string' },
  'u-prior': { type: 'string' },
  'a-prior': { type: 'string' },
  'b-prior': { type: 'string' },
  anchors: { type: 'string' },
  duplicates: { type: 'string' },
  'min-item-n': { type: 'string' },
  version: { type: 'string' },
  format: { type: 'string' },
  delimiter: { type: 'string' },
  'user-col': { type: 'string' },
  'item-col': { type: 'string' },
  'correct-col': { type: 'string' },
  'time-col': { type: 'string' },
  'items-csv': { type: 'string' },
  report: { type: 'string' },
  'scores-csv': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  return parseFlags(argv, FIT_FLAGS, { command: 'fit' }).values;
}
