const DAY_MS = 86_400_000;

/**
 * Parses a "YYYY-MM-DD" calendar date as Go's `time.Parse("2006-01-02", s)` does (exactly two
 * digits for month and day, the day within its month, leap years), as midnight UTC; `undefined`
 * when it is not one.
 *
 * @example
 * parseDate('2028-02-29') // Date of 2028-02-29T00:00:00Z
 * parseDate('2027-13-40') // undefined
 */
export function parseDate(s: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return undefined; // the day ran past the month's end
  return date;
}

/**
 * Midnight UTC of the day `now` falls on: the server's "today".
 *
 * @example
 * today(new Date('2026-11-29T22:10:00Z')).toISOString() // '2026-11-29T00:00:00.000Z'
 */
export function today(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}

/**
 * The "YYYY-MM-DD" date `days` after `day` (midnight UTC).
 *
 * @example
 * addDays(today(new Date('2026-11-29T12:00:00Z')), 3) // '2026-12-02'
 */
export function addDays(day: Date, days: number): string {
  const d = new Date(day.getTime());
  d.setUTCDate(d.getUTCDate() + days);
  return formatDate(d);
}

/**
 * Whole days from `from` to `to`, both midnight UTC.
 *
 * @example
 * daysBetween(parseDate('2026-11-29')!, parseDate('2026-12-01')!) // 2
 */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((to.getTime() - from.getTime()) / DAY_MS);
}

function formatDate(d: Date): string {
  const y = d.getUTCFullYear();
  const year = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  return `${year}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}
