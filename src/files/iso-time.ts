/**
 * ISO-8601 time stamps read straight from the bytes of a CSV field, without making a string
 * or calling Date.parse (which costs about as much as the rest of a row).
 *
 * Accepted: `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.fraction]]`, then
 * optionally `Z` or an offset `±HH`, `±HHMM`, `±HH:MM` (PostgreSQL's text form writes `+00`).
 * A time without an offset is read as UTC. Date.parse would read it as local time; only the
 * order of one user's answers to one item matters here (which duplicate is kept), and reading
 * every offset-less stamp of a file the same way keeps that order.
 */

const DIGIT0 = 48;

/** Two digits at b[i] as a number, -1 if either is not a digit (the common case, unrolled). */
function two(b: Uint8Array, i: number): number {
  const h = b[i] - DIGIT0;
  const l = b[i + 1] - DIGIT0;
  // As unsigned, a byte below '0' is above 9 as well.
  return h >>> 0 > 9 || l >>> 0 > 9 ? -1 : h * 10 + l;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The date of the previous stamp: a file's stamps mostly share their day with the one before.
let lastDateKey = -1;
let lastDays = 0;
/** What dateDays returns for bytes that are not a date (no date is that far from 1970). */
const NOT_A_DATE = -1e9;

/**
 * Days since 1970-01-01 of the date YYYY-MM-DD at b[s], or NOT_A_DATE. Days, not milliseconds:
 * a small integer returned from a call is not a heap number, as milliseconds would be.
 */
function dateDays(b: Uint8Array, s: number): number {
  if (b[s + 4] !== 45 || b[s + 7] !== 45) return NOT_A_DATE;
  const century = two(b, s);
  const year = two(b, s + 2);
  const mo = two(b, s + 5);
  const d = two(b, s + 8);
  if (century < 0 || year < 0 || mo < 0 || d < 0) return NOT_A_DATE;
  const y = century * 100 + year;
  const key = y * 10000 + mo * 100 + d;
  if (key === lastDateKey) return lastDays;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]) return NOT_A_DATE;
  if (mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0))) return NOT_A_DATE;
  lastDateKey = key;
  lastDays = daysFromCivil(y, mo, d);
  return lastDays;
}

/**
 * Where a stamp is read to, the epoch milliseconds in ISO_MS[0]: a time returned from a call
 * that is not inlined would be a heap number, one allocation per row.
 */
const ISO_MS = new Float64Array(1);

/**
 * Epoch milliseconds of the ISO-8601 stamp in b[s, e), or NaN when the bytes are not one of the
 * accepted forms (the caller then tries Date.parse on the text, the rare path).
 */
export function parseIsoBytes(b: Uint8Array, s: number, e: number): number {
  return isoEnd(b, s, e) === e ? ISO_MS[0] : Number.NaN;
}

/**
 * Reads the longest ISO-8601 stamp of an accepted form that starts at b[s] and ends by e: its
 * end (the index after it), with the time in ISO_MS[0]; -1 when b[s..] does not start with one.
 * parseIsoBytes checks that it ends at the field's end. The long-row kernel's $iso
 * (kernel/long-rows.wat) reads the same forms the same way, to the end of its bytes, and checks
 * that the field ends where the stamp does (test/files/csv-kernel-rows.test.ts holds them to
 * each other).
 */
function isoEnd(b: Uint8Array, s: number, e: number): number {
  if (e - s < 10) return -1;
  const days = dateDays(b, s);
  if (days === NOT_A_DATE) return -1;
  let ms = days * 86400000;
  let i = s + 10;
  if (i < e && (b[i] === 84 || b[i] === 116 || b[i] === 32)) {
    // T, t or space, then HH:MM[:SS[.fraction]]
    i++;
    if (e - i < 5 || b[i + 2] !== 58) return -1;
    const hh = two(b, i);
    const mm = two(b, i + 3);
    if (hh < 0 || hh > 24 || mm < 0 || mm > 59) return -1;
    ms += hh * 3600000 + mm * 60000;
    i += 5;
    if (i < e && b[i] === 58) {
      if (e - i < 3) return -1;
      const ss = two(b, i + 1);
      if (ss < 0 || ss > 60) return -1;
      ms += ss * 1000;
      i += 3;
      if (i < e && (b[i] === 46 || b[i] === 44)) {
        // Fraction of a second: milliseconds kept, further digits dropped (as Date.parse does).
        i++;
        let scale = 100;
        const f0 = i;
        while (i < e && b[i] >= DIGIT0 && b[i] <= DIGIT0 + 9) {
          if (scale >= 1) ms += (b[i] - DIGIT0) * scale;
          scale /= 10;
          i++;
        }
        if (i === f0) return -1;
      }
    }
    i = zone(b, i, e);
    if (i < 0) return -1;
    ms -= ZONE_MS[0];
  }
  ISO_MS[0] = ms;
  return i;
}

/** Milliseconds east of UTC of the zone read by `zone`. */
const ZONE_MS = new Float64Array(1);

/** After the time: nothing, `Z`, or an offset ±HH, ±HHMM, ±HH:MM; returns the index after it (-1: bad). */
function zone(b: Uint8Array, i: number, e: number): number {
  ZONE_MS[0] = 0;
  if (i >= e) return i;
  const c = b[i];
  if (c === 90 || c === 122) return i + 1; // Z
  if (c !== 43 && c !== 45) return i;
  if (e - i < 3) return -1;
  const oh = two(b, i + 1);
  if (oh < 0 || oh > 18) return -1;
  i += 3;
  let om = 0;
  const colon = i < e && b[i] === 58 ? 1 : 0;
  if (e - i >= 2 + colon && isDigit(b[i + colon]) && isDigit(b[i + colon + 1])) {
    om = two(b, i + colon);
    if (om > 59) return -1;
    i += 2 + colon;
  } else if (colon) return -1;
  ZONE_MS[0] = (c === 43 ? 1 : -1) * (oh * 3600000 + om * 60000);
  return i;
}

function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT0 + 9;
}
