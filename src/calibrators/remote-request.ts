/**
 * The /calibrate request body for a remote service, written straight from the compact data as
 * JSON text: one string piece per observation, ids quoted once per user and per item, no
 * intermediate object per observation (1M observations: ~100 MiB of text).
 */
import { jobToWire } from '../contract/options.js';
import type { ResponseData } from '../engine/responses.js';
import type { CalibrationJob } from './types.js';

export function calibrateRequestJson(data: ResponseData, job: CalibrationJob): string {
  const items = data.itemIds.map((id) => `,"item_id":${JSON.stringify(id)},"is_correct":`);
  const parts: string[] = [];
  for (let u = 0; u < data.nUsers; u++) {
    const head = `{"user_id":${JSON.stringify(data.userIds[u])}`;
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
      parts.push(`${head}${items[data.userItem[k]]}${data.userResp[k]}}`);
    }
  }
  // Optional fields beyond the seed go only when set: the legacy R service reads model alone.
  const options: Record<string, unknown> = {
    model: job.model,
    version: job.version,
    run_id: job.runId,
    ...jobToWire(job),
  };
  if (job.anchors !== undefined) {
    options.anchors = Object.entries(job.anchors).map(([item_id, p]) => ({
      item_id,
      a: p.a,
      b: p.b,
      c: p.c ?? 0,
      // The 4PL's upper asymptote; 1 (none) is the contract's default and not sent.
      ...(p.u !== undefined && p.u !== 1 ? { u: p.u } : {}),
    }));
  }
  const tail = JSON.stringify(options).slice(1); // `"model":...}` appended after the array
  return `{"observations":[${parts.join(',')}],${tail}`;
}
