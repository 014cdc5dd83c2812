/**
 * `last_completed_audit_period(unit)`: the last fully elapsed [begin, end) window in UTC for
 * `hour[@minute]`, `day[@hour]`, `month[@day]` (the default) or `year[@month]`.
 */
export function lastCompletedAuditPeriod(unit = 'month', now: Date = new Date()): { begin: Date; end: Date } {
  const [name = 'month', offsetText] = unit.split('@');
  const offset = offsetText === undefined ? null : Number.parseInt(offsetText, 10);
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth();
  const d = now.getUTCDate();
  const h = now.getUTCHours();
  const utc = (yy: number, mm: number, dd = 1, hh = 0, mi = 0) => new Date(Date.UTC(yy, mm, dd, hh, mi));
  let end: Date;
  let step: (end: Date) => Date;
  switch (name) {
    case 'hour': {
      const minute = offset ?? 0;
      end = utc(y, mo, d, h, minute);
      step = (e) => new Date(e.getTime() - 3600_000);
      break;
    }
    case 'day': {
      end = utc(y, mo, d, offset ?? 0);
      step = (e) => new Date(e.getTime() - 86_400_000);
      break;
    }
    case 'year': {
      end = utc(y, (offset ?? 1) - 1);
      step = (e) => utc(e.getUTCFullYear() - 1, e.getUTCMonth());
      break;
    }
    default: {
      end = utc(y, mo, offset ?? 1);
      step = (e) => utc(e.getUTCFullYear(), e.getUTCMonth() - 1, e.getUTCDate());
    }
  }
  if (end.getTime() > now.getTime()) end = step(end);
  return { begin: step(end), end };
}
