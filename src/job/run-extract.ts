/**
 * The job's first phases (run-job.ts): the answers of the window into compact response data, and
 * the reference scale MIRT_LINK asks for. Both only read; a failure stops the run before anything
 * is calibrated, with the line that names what to check.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../data/db.js';
import { type Extraction, ExtractionError, extractObservations, NoSourceError } from '../data/extract.js';
import { ResponseBuilder, type ResponseData } from '../engine/responses.js';
import { EngineInputError } from '../engine/types.js';
import { readReference } from './link-reference.js';
import { DEFAULT_LINK, type LinkInput } from './link-run.js';
import { setPhase } from './phase.js';
import { phaseLine } from './progress.js';
import { JobStop, msg, type RunContext } from './run-context.js';
import { formatHygiene, NOTHING_WRITTEN } from './summary.js';

export interface Extracted {
  readonly extraction: Extraction;
  readonly data: ResponseData;
}

/** Extraction (the source chain of data/extract.ts) and the data hygiene of the builder. */
export async function extractPhase(ctx: RunContext, db: Db): Promise<Extracted> {
  const { config, io } = ctx;
  setPhase('extraction');
  const t = performance.now();
  const builder = new ResponseBuilder({ minItemResponses: config.minItemResponses });
  let extraction: Extraction;
  try {
    extraction = await extractObservations(db, builder, config, { info: io.out, warn: io.out });
  } catch (e) {
    if (e instanceof NoSourceError)
      throw new JobStop(
        ctx.fail(
          `All data sources failed: ${e.reasons.join('; ')}. Check that DATABASE_URL points at the platform database and that the attempt VIEW, the responses table or exam_results exists.`,
        ),
      );
    if (e instanceof ExtractionError)
      throw new JobStop(ctx.fail(`${e.message}. Check MIRT_TOPIC_ID / MIRT_SUBJECT_ID against the schema.`));
    throw new JobStop(
      ctx.fail(`extraction failed: ${msg(e)}. Check the source tables and the database connection.`),
    );
  }
  ctx.lap('extract', t);
  if (ctx.progress) phaseLine(ctx.progress, 'extract', ctx.seconds.extract, `${builder.size} rows`);

  if (builder.size === 0) {
    io.out('No observations found; exiting.');
    throw new JobStop(ctx.outcome('no-data', 0, { extraction }));
  }
  let data: ResponseData;
  try {
    data = builder.build();
  } catch (e) {
    // build() throws only when no answer survives hygiene (NULL or invalid correctness, missing
    // ids, items everyone got right or wrong).
    if (!(e instanceof EngineInputError)) throw e;
    throw new JobStop(ctx.notEstimable(builder.size, msg(e), { extraction }));
  }
  io.out(formatHygiene(data.hygiene));
  return { extraction, data };
}

export interface Reference {
  readonly reference: LinkInput['reference'] | null;
  readonly startValues: Awaited<ReturnType<typeof readReference>>['start'];
}

/** The reference scale of MIRT_LINK (read only; the run fails here, before calibrating, if it cannot be read). */
export async function referencePhase(ctx: RunContext, db: Db, got: Extracted): Promise<Reference> {
  const link = ctx.config.link ?? DEFAULT_LINK;
  if (link.mode === 'none') return { reference: null, startValues: null };
  try {
    const { reference, start } = await readReference(db, link, ctx.config.model, ctx.version, ctx.io.out);
    return { reference, startValues: start };
  } catch (e) {
    throw new JobStop(
      ctx.fail(`reading the reference scale (MIRT_LINK=${link.mode}) failed: ${msg(e)}. ${NOTHING_WRITTEN}`, {
        extraction: got.extraction,
        hygiene: got.data.hygiene,
      }),
    );
  }
}
