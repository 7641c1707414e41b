/**
 * Why an item is flagged, in words: the flags the engine wrote (`flags`, which include what only
 * the run knows: not converged, prior-dominated), or for results without them (the R service,
 * older files) the same rules applied to the record (engine/item-flags.ts: one definition).
 * `notIdentified`: the result's `metrics.not_identified.items` (calibrators/identification.ts).
 */
import type { ItemParamsRecord } from '../contract/types.js';
import {
  describeFlag,
  itemFlags as engineItemFlags,
  ITEM_FLAGS,
  type ItemFlag,
  type ItemFlagInput,
} from '../engine/item-flags.js';

/** The item's flag codes: the engine's order first, codes the engine does not know after. */
export function itemFlagCodes(it: ItemParamsRecord, notIdentified?: ReadonlySet<string>): string[] {
  const input = flagInput(it, notIdentified);
  const codes: string[] = it.flags ? [...it.flags] : engineItemFlags(input);
  if (input.notIdentified && !codes.includes('not_identified')) codes.push('not_identified');
  return codes;
}

/** The item's flags in words (describeFlag), codes the engine does not know as they are. */
export function itemFlags(it: ItemParamsRecord, notIdentified?: ReadonlySet<string>): string[] {
  const input = flagInput(it, notIdentified);
  return itemFlagCodes(it, notIdentified).map((f) => (isItemFlag(f) ? describeFlag(f, input) : f));
}

/**
 * Sort key of an item: its first flag's rank in ITEM_FLAGS (unknown codes after the known ones,
 * unflagged items last), so that items with the same main flag stand together.
 */
export function flagRank(codes: readonly string[]): number {
  if (codes.length === 0) return Number.POSITIVE_INFINITY;
  const ranks = codes.map((c) => {
    const k = (ITEM_FLAGS as readonly string[]).indexOf(c);
    return k < 0 ? ITEM_FLAGS.length : k;
  });
  return Math.min(...ranks);
}

function flagInput(it: ItemParamsRecord, notIdentified?: ReadonlySet<string>): ItemFlagInput {
  const m = it.mean_squares;
  return {
    a: it.params.a,
    b: it.params.b,
    c: it.params.c,
    u: it.params.u,
    n: it.n,
    pCorrect: it.p_correct,
    seB: it.se?.b,
    fitP: it.fit && it.fit.statistic !== null ? it.fit.p : null,
    meanSquares: m
      ? {
          infit: m.infit,
          infitZ: m.infit_z ?? Number.NaN,
          outfit: m.outfit,
          outfitZ: m.outfit_z ?? Number.NaN,
        }
      : null,
    notIdentified: notIdentified?.has(it.item_id) ?? false,
  };
}

function isItemFlag(f: string): f is ItemFlag {
  return (ITEM_FLAGS as readonly string[]).includes(f);
}
