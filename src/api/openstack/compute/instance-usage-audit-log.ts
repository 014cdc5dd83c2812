/** `os-instance_usage_audit_log`: how far the instance usage audit got, per audit period. */
import { BadRequest } from '../../../common/errors.js';
import type { UsageAuditLogAPI } from '../../../compute/operators/usage-audit-log.js';
import { defineResource, type ResourceModule } from '../routing.js';

/** `YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC. */
function parseBefore(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(Number((m[7] ?? '0').padEnd(6, '0')) / 1000)));
    if (date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60) return date;
  }
  throw new BadRequest(`Invalid timestamp for date ${text}`);
}

export function instanceUsageAuditLogResource(deps: { auditLog: UsageAuditLogAPI }): ResourceModule {
  const { auditLog } = deps;
  return defineResource('os-instance_usage_audit_log', (r) => {
    r.route({
      method: 'GET',
      path: '/os-instance_usage_audit_log',
      handler: async (req) => {
        req.authorize('compute_extension:instance_usage_audit_log');
        return { instance_usage_audit_logs: await auditLog.report(req.ctx) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-instance_usage_audit_log/:before',
      handler: async (req) => {
        req.authorize('compute_extension:instance_usage_audit_log');
        return { instance_usage_audit_log: await auditLog.report(req.ctx, parseBefore(req.params.before as string)) };
      },
    });
  });
}
