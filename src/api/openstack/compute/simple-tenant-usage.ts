/**
 * `os-simple-tenant-usage`: hours, vCPU-, MB- and GB-hours per project over a period
 * (`openstack usage list/show`). Admins list every project; a member sees their own.
 */
import { InvalidInput } from '../../../common/errors.js';
import type { TenantUsage, UsageAPI } from '../../../compute/operators/usage.js';
import { naiveIsoTime, queryParam } from '../common.js';
import type { ComputeRequest } from '../routing.js';
import { defineResource, type ResourceModule } from '../routing.js';

const FORMATS = [
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{1,6})$/,
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,6})$/,
];

/** A naive UTC time in one of the three forms Nova accepts; absent means now. */
function parseTime(text: string | undefined, name: string, now: Date): Date {
  if (text === undefined || text === '') return now;
  for (const format of FORMATS) {
    const m = format.exec(text);
    if (!m) continue;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const ms = Math.floor(Number((m[7] ?? '0').padEnd(6, '0')) / 1000);
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
    const roundTrips =
      date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
    if (roundTrips) return date;
  }
  throw new InvalidInput(`Invalid input received: Invalid ${name} time.`, { kwargs: { reason: `Invalid ${name} time.` } });
}

function period(req: ComputeRequest): { start: Date; stop: Date; detailed: boolean } {
  const now = new Date();
  const start = parseTime(queryParam(req.query, 'start'), 'start', now);
  let stop = parseTime(queryParam(req.query, 'end'), 'end', now);
  if (start > stop) {
    const reason = 'Invalid start time. The start time cannot occur after the end time.';
    throw new InvalidInput(`Invalid input received: ${reason}`, { kwargs: { reason } });
  }
  if (stop > now) stop = now;
  return { start, stop, detailed: queryParam(req.query, 'detailed') === '1' };
}

function view(u: TenantUsage) {
  return {
    ...u,
    start: naiveIsoTime(u.start),
    stop: naiveIsoTime(u.stop),
    ...(u.server_usages
      ? {
          server_usages: u.server_usages.map((s) => ({ ...s, started_at: naiveIsoTime(s.started_at), ended_at: naiveIsoTime(s.ended_at) })),
        }
      : {}),
  };
}

export function simpleTenantUsageResource(deps: { usage: UsageAPI }): ResourceModule {
  const { usage } = deps;
  return defineResource('os-simple-tenant-usage', (r) => {
    r.route({
      method: 'GET',
      path: '/os-simple-tenant-usage',
      handler: async (req) => {
        req.authorize('compute_extension:simple_tenant_usage:list');
        const { start, stop, detailed } = period(req);
        return { tenant_usages: (await usage.tenantUsages(req.ctx, start, stop, { detailed })).map(view) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-simple-tenant-usage/:tenant_id',
      handler: async (req) => {
        const projectId = req.params.tenant_id as string;
        req.authorize('compute_extension:simple_tenant_usage:show', { project_id: projectId });
        const { start, stop } = period(req);
        const [found] = await usage.tenantUsages(req.ctx, start, stop, { projectId, detailed: true });
        return { tenant_usage: found ? view(found) : {} };
      },
    });
  });
}
