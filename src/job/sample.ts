/**
 * The calibration sample: item parameters do not need every learner, so a run may calibrate on
 * a stratified sample of learners and score everyone afterwards (sample-run.ts).
 *
 * Learners, not answers, are the sampling unit: a learner in the sample brings all of their
 * answers, so the slopes keep the information that lies in how each learner's answers go
 * together. Two strata:
 *   1. every learner who answered a rare item (fewer than K answers in the window), with
 *      certainty: the rare item keeps all of its answers and each of its answerers' whole
 *      pattern, so its parameters are estimated from the same information as on the full data;
 *   2. a uniform random sample of the other learners: the first m of them in the order of a
 *      seeded hash of the learner id (so a learner's inclusion does not depend on the order in
 *      which rows arrived, and the same seed draws the same learners on the same data).
 * Which items a learner saw is a design variable, not a response, so the sample's likelihood is
 * the full data's restricted to whole learners: the estimates are consistent. Stratum 1 is
 * taken whole; where it differs in ability from the rest (items shown only to strong learners),
 * the fixed N(0, 1) scale of the 2PL refers to a slightly different population: it is small as
 * long as rare items are few, and the sample line says how large it is.
 */
import { ResponseBuilder, type ResponseData } from '../engine/responses.js';

export interface SampleSpec {
  /** `count`: learners drawn from stratum 2; `share`: that share of stratum 2 (0 < p <= 1). */
  readonly size:
    | { readonly kind: 'count'; readonly n: number }
    | { readonly kind: 'share'; readonly p: number };
  /** Items with fewer answers than this in the window are rare (stratum 1). */
  readonly rareItemAnswers: number;
  readonly seed: number;
}

export interface SampleInfo {
  readonly seed: number;
  readonly rare_item_answers: number;
  readonly size: string;
  readonly rare_items: number;
  /** Learners taken whole because they answered a rare item. */
  readonly rare_item_learners: number;
  /** Learners drawn at random from the others. */
  readonly drawn_learners: number;
  readonly learners_in_window: number;
  readonly observations: number;
  readonly observations_in_window: number;
}

/** 32-bit FNV-1a of the text, then murmur3's finaliser: well mixed, stable, cheap. */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function formatSampleSize(size: SampleSpec['size']): string {
  return size.kind === 'count' ? String(size.n) : `${+(size.p * 100).toPrecision(12)}%`;
}

/**
 * The stratified sample of `data` (see the file comment), rebuilt through a ResponseBuilder so
 * that the calibration's hygiene rules (items all right or all wrong in the sample, the minimum
 * answers per item) apply to the sample as they would to any data.
 */
export function stratifiedSample(
  data: ResponseData,
  spec: SampleSpec,
  minItemResponses = 1,
): { data: ResponseData; info: SampleInfo } {
  const { nUsers, nItems, userPtr, userItem, userResp } = data;
  const rare = new Uint8Array(nItems);
  let rareItems = 0;
  for (let j = 0; j < nItems; j++) {
    if (data.itemN[j] < spec.rareItemAnswers) {
      rare[j] = 1;
      rareItems++;
    }
  }
  const keep = new Uint8Array(nUsers);
  const others: number[] = [];
  let rareLearners = 0;
  for (let u = 0; u < nUsers; u++) {
    let hit = false;
    for (let k = userPtr[u]; k < userPtr[u + 1] && !hit; k++) hit = rare[userItem[k]] === 1;
    if (hit) {
      keep[u] = 1;
      rareLearners++;
    } else others.push(u);
  }
  const m =
    spec.size.kind === 'count'
      ? Math.min(spec.size.n, others.length)
      : Math.min(others.length, Math.max(1, Math.round(spec.size.p * others.length)));
  // Rank the others by the seeded hash of their id (ties, vanishingly rare, by id): the first m
  // are a uniform random sample without replacement.
  const keyed = others.map((u) => ({ u, h: hash32(data.userIds[u], spec.seed) }));
  keyed.sort((x, y) => x.h - y.h || (data.userIds[x.u] < data.userIds[y.u] ? -1 : 1));
  for (let i = 0; i < m; i++) keep[keyed[i].u] = 1;

  const builder = new ResponseBuilder({ minItemResponses });
  let observations = 0;
  for (let u = 0; u < nUsers; u++) {
    if (!keep[u]) continue;
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      builder.add(data.userIds[u], data.itemIds[userItem[k]], userResp[k]);
      observations++;
    }
  }
  return {
    data: builder.build(),
    info: {
      seed: spec.seed,
      rare_item_answers: spec.rareItemAnswers,
      size: formatSampleSize(spec.size),
      rare_items: rareItems,
      rare_item_learners: rareLearners,
      drawn_learners: m,
      learners_in_window: nUsers,
      observations,
      observations_in_window: data.nObs,
    },
  };
}
