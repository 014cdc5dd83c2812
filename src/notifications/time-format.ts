/**
 * Python's renderings of a UTC datetime, which notifications keep because consumers
 * (ceilometer, billing) parse them: `str(dt)` and `strftime('%Y-%m-%dT%H:%M:%S.%f')`.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parts(d: Date): { date: string; time: string; micros: number } {
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    micros: d.getUTCMilliseconds() * 1000,
  };
}

/** A stored datetime as read back: a Date, or a naive-UTC string from the database or the bus. */
export function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  const text = value.includes('T') || value.includes(' ') ? value.replace(' ', 'T') : value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

/** `str(datetime)`: `YYYY-MM-DD HH:MM:SS`, with `.ffffff` only when there are microseconds. */
export function pyStr(value: Date | string | null | undefined): string {
  const d = toDate(value);
  if (!d) return '';
  const p = parts(d);
  return p.micros ? `${p.date} ${p.time}.${pad(p.micros, 6)}` : `${p.date} ${p.time}`;
}

/** The primitive form of a datetime in payloads and on the bus: `YYYY-MM-DDTHH:MM:SS.ffffff`. */
export function pyIso(value: Date | string | null | undefined): string | null {
  const d = toDate(value);
  if (!d) return null;
  const p = parts(d);
  return `${p.date}T${p.time}.${pad(p.micros, 6)}`;
}
