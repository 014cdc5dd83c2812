/**
 * How values cross the driver boundary, identically on every engine: datetimes are
 * naive UTC in the database (as Nova stores them) and Date objects in JavaScript.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC: the text form SQLAlchemy writes, which sorts correctly. */
export function formatUtcDatetime(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`
  );
}

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Reads a naive timestamp as UTC; a string carrying its own zone is read as such. */
export function parseUtcDatetime(text: string): Date {
  const m = NAIVE.exec(text);
  if (!m) return new Date(text);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}
