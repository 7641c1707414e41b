/**
 * One scoring shard: read a stored version, extract the shard's learners' answers in the
 * version's window, score them against the version's item parameters, write their abilities and
 * the shard's completion row in one transaction (data/shards.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../data/db.js';
import { extractShard, readVersion } from '../data/score-extract.js';
import { type Shard, versionComplete, writeShard } from '../data/shards.js';
import { ResponseBuilder, type ResponseData } from '../engine/responses.js';
import {
  EngineInputError,
  type ItemParams,
  type LatentDistribution,
  parseScoreMethod,
  type ScoreMethod,
} from '../engine/types.js';
import { itemParamsOf, scoreWithParams } from './score-fixed.js';

export interface ShardOutcome {
  readonly version: string;
  readonly shard: Shard;
  readonly method: ScoreMethod;
  readonly rows: number;
  readonly users: number;
  readonly observations: number;
  /** The version has every shard now (or never needed shards). */
  readonly complete: boolean;
  readonly seconds: number;
}

export async function scoreShard(
  db: Db,
  opts: { version: string; shard: Shard; method: ScoreMethod | null },
  out: (line: string) => void,
): Promise<ShardOutcome> {
  const t0 = performance.now();
  const startedAt = new Date();
  const v = await readVersion(db, opts.version);
  const method = opts.method ?? parseScoreMethod(String(v.spec.score_method ?? 'EAP'));
  const params = new Map<string, ItemParams>();
  for (const [id, p] of v.params) params.set(id, itemParamsOf(id, p));
  const l = v.spec.latent as Partial<LatentDistribution> | undefined;
  const latent = { mean: Number(l?.mean ?? 0), variance: Number(l?.variance ?? 1) };
  out(
    `[INFO] Scoring shard ${opts.shard.index}/${opts.shard.count} of version ${v.version}: model=${v.model} method=${method} items=${params.size} source="${String(v.spec.source)}" window=${v.spec.lookback_days}d to ${v.runStart.toISOString()}`,
  );

  // Scoring keeps items everyone got right or wrong: with known parameters they carry information.
  const builder = new ResponseBuilder({ keepDegenerateItems: true });
  const rows = await extractShard(db, v, opts.shard, builder);
  const tExtract = performance.now();
  let data: ResponseData | null = null;
  if (builder.size > 0) {
    try {
      data = builder.build();
    } catch (e) {
      if (!(e instanceof EngineInputError)) throw e; // only unusable rows (NULL correctness...)
    }
  }
  const userId: string[] = [];
  const theta: number[] = [];
  const se: (number | null)[] = [];
  let observations = 0;
  let skipped = 0;
  if (data) {
    const s = scoreWithParams(data, params, method, latent);
    observations = s.data.nObs;
    for (let u = 0; u < s.data.nUsers; u++) {
      // No silent infinities in the database (as the run's upsert): such a theta is not written.
      if (!Number.isFinite(s.abilities.theta[u])) {
        skipped++;
        continue;
      }
      userId.push(s.data.userIds[u]);
      theta.push(s.abilities.theta[u]);
      se.push(Number.isFinite(s.abilities.se[u]) ? s.abilities.se[u] : null);
    }
    if (s.answersWithoutParams > 0)
      out(
        `[INFO] ${s.answersWithoutParams} answers to items without parameters in ${v.version} not scored (${s.learnersWithoutParams} learners had no others)`,
      );
  }
  if (skipped) out(`[WARN] ${skipped} abilities without a finite theta were not written`);
  const tScore = performance.now();
  await writeShard(db, {
    version: v.version,
    shard: opts.shard,
    method,
    model: v.model,
    startedAt,
    observations,
    userId,
    theta,
    se,
  });
  const complete = await versionComplete(db, v.version);
  const now = performance.now();
  const seconds = (now - t0) / 1000;
  const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  out(
    `[INFO] Shard ${opts.shard.index}/${opts.shard.count} of ${v.version} written: learners=${userId.length} observations=${observations} rows_read=${rows} seconds=${seconds.toFixed(1)} (extract ${s(t0, tExtract)}, score ${s(tExtract, tScore)}, write ${s(tScore, now)})`,
  );
  if (complete) out(`[INFO] Version ${v.version} is complete: every shard is written`);
  return {
    version: v.version,
    shard: opts.shard,
    method,
    rows,
    users: userId.length,
    observations,
    complete,
    seconds,
  };
}
