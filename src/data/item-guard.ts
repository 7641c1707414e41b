/**
 * The last check before item parameters reach the database, whatever produced them (the engine,
 * a remote service, a hand-made result): nothing is written silently wrong.
 *
 * - Values the database must not hold as if they were estimates are withheld: a non-finite
 *   number, |a| > 100 (beyond the engine's bound on a slope: a 4PL item that is a step between
 *   its asymptotes legitimately reaches 100, flagged high_discrimination),
 *   |b| > 50 (outside any ability scale: the service once wrote b = -12,878.75 with a = -0.00017),
 *   c outside [0, 1), u outside (c, 1]. Such an item is not written in this run (its previous
 *   current row stays as it was); it is listed in the run's warnings and metrics.
 * - Values that are legitimate but extreme are written only with their flag, added when the
 *   record lacks it (a legacy service sends no flags): |b| > 10 `extreme_difficulty`, a < 0
 *   `negative_discrimination`, c > 0.5 `high_guessing` (engine/item-flags.ts flags them at
 *   lower thresholds already; these are the lines no record crosses unflagged).
 */
import type { ItemParamsRecord } from '../contract/types.js';

/** Beyond these a value is not an estimate (see the file comment). */
export const ABSURD = { slope: 100, difficulty: 50 } as const;

/** The lines no record crosses without its flag. */
export const MUST_FLAG = { difficulty: 10, guessing: 0.5 } as const;

export interface WithheldItem {
  readonly item_id: string;
  readonly reason: string;
}

/** Why a record's parameters cannot be written, or null. */
export function absurdity(p: ItemParamsRecord['params']): string | null {
  const show = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : String(x));
  const values: [string, number | undefined][] = [
    ['a', p.a],
    ['b', p.b],
    ['c', p.c],
    ['u', p.u],
  ];
  for (const [name, v] of values) {
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return `${name} = ${show(Number(v))} is not a finite number`;
  }
  if (Math.abs(p.a) > ABSURD.slope) return `|a| = ${show(Math.abs(p.a))} > ${ABSURD.slope} (a step function)`;
  if (Math.abs(p.b) > ABSURD.difficulty) return `|b| = ${show(Math.abs(p.b))} > ${ABSURD.difficulty}`;
  const c = p.c ?? 0;
  const u = p.u ?? 1;
  if (!(c >= 0 && c < 1)) return `c = ${show(c)} is not in [0, 1)`;
  if (!(u > c && u <= 1)) return `u = ${show(u)} is not in (c, 1]`;
  return null;
}

/** The record's flags with the ones its values require added (see the file comment). */
export function requiredFlags(it: ItemParamsRecord): string[] {
  const flags = [...(it.flags ?? [])];
  const need = (flag: string, when: boolean) => {
    if (when && !flags.includes(flag)) flags.push(flag);
  };
  need('negative_discrimination', it.params.a < 0);
  need('extreme_difficulty', Math.abs(it.params.b) > MUST_FLAG.difficulty);
  need('high_guessing', (it.params.c ?? 0) > MUST_FLAG.guessing);
  return flags;
}

/** Splits the records into those written (with their required flags) and those withheld. */
export function guardItems(items: readonly ItemParamsRecord[]): {
  write: { record: ItemParamsRecord; flags: string[] }[];
  withheld: WithheldItem[];
} {
  const write: { record: ItemParamsRecord; flags: string[] }[] = [];
  const withheld: WithheldItem[] = [];
  for (const it of items) {
    const why = absurdity(it.params);
    if (why) withheld.push({ item_id: String(it.item_id), reason: why });
    else write.push({ record: it, flags: requiredFlags(it) });
  }
  return { write, withheld };
}
