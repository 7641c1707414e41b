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

function digits(b: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = b[i + k] - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
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
let lastDateMs = 0;

/** Epoch milliseconds of the date YYYY-MM-DD at b[s], or NaN. */
function dateMs(b: Uint8Array, s: number): number {
  if (b[s + 4] !== 45 || b[s + 7] !== 45) return Number.NaN;
  const y = digits(b, s, 4);
  const mo = digits(b, s + 5, 2);
  const d = digits(b, s + 8, 2);
  if (y < 0 || mo < 0 || d < 0) return Number.NaN;
  const key = y * 10000 + mo * 100 + d;
  if (key === lastDateKey) return lastDateMs;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]) return Number.NaN;
  if (mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0))) return Number.NaN;
  lastDateKey = key;
  lastDateMs = daysFromCivil(y, mo, d) * 86400000;
  return lastDateMs;
}

/**
 * Where a stamp is read to, the epoch milliseconds in ISO_MS[0]: a time returned from a call
 * that is not inlined would be a heap number, one allocation per row.
 */
export const ISO_MS = new Float64Array(1);

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
 * A caller that knows where the field ends checks the end (parseIsoBytes); one that does not
 * checks that the field ends there, and so reads each byte once (csv-long-rows.ts).
 */
export function isoEnd(b: Uint8Array, s: number, e: number): number {
  if (e - s < 10) return -1;
  let ms = dateMs(b, s);
  if (Number.isNaN(ms)) return -1;
  let i = s + 10;
  if (i < e && (b[i] === 84 || b[i] === 116 || b[i] === 32)) {
    // T, t or space, then HH:MM[:SS[.fraction]]
    i++;
    if (e - i < 5 || b[i + 2] !== 58) return -1;
    const hh = digits(b, i, 2);
    const mm = digits(b, i + 3, 2);
    if (hh < 0 || hh > 24 || mm < 0 || mm > 59) return -1;
    ms += hh * 3600000 + mm * 60000;
    i += 5;
    if (i < e && b[i] === 58) {
      if (e - i < 3) return -1;
      const ss = digits(b, i + 1, 2);
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
  const oh = digits(b, i + 1, 2);
  if (oh < 0 || oh > 18) return -1;
  i += 3;
  let om = 0;
  const colon = i < e && b[i] === 58 ? 1 : 0;
  if (e - i >= 2 + colon && isDigit(b[i + colon]) && isDigit(b[i + colon + 1])) {
    om = digits(b, i + colon, 2);
    if (om > 59) return -1;
    i += 2 + colon;
  } else if (colon) return -1;
  ZONE_MS[0] = (c === 43 ? 1 : -1) * (oh * 3600000 + om * 60000);
  return i;
}

function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT0 + 9;
}
