/**
 * The instance usage audit (Grizzly's `_instance_usage_audit` periodic task): once per
 * completed audit period, each compute host emits `compute.instance.exists` for every
 * instance it ran in the period and records its progress in `task_log`, which
 * os-instance_usage_audit_log reports.
 */
import type { RequestContext } from '../../context/context.js';
import { lastCompletedAuditPeriod } from '../../notifications/audit-period.js';
import type { ComputeHost } from './host.js';

export const USAGE_AUDIT_TASK = 'instance_usage_audit';

export async function runUsageAudit(h: ComputeHost, ctx: RequestContext, period: string): Promise<'ran' | 'already-run'> {
  const { begin, end } = lastCompletedAuditPeriod(period, h.notifier.now());
  const key = { task_name: USAGE_AUDIT_TASK, host: h.host, begin, end };
  if (await h.conductor.call(ctx, 'task_log_get', key)) return 'already-run';
  const instances = await h.conductor.call(ctx, 'instance_get_active_by_window_joined', {
    begin,
    end,
    project_id: null,
    host: h.host,
  });
  const started = h.notifier.now().getTime();
  await h.conductor.call(ctx, 'task_log_begin_task', {
    ...key,
    task_items: instances.length,
    message: `Instance usage audit started for host ${h.host}.`,
  });
  let errors = 0;
  for (const instance of instances) {
    try {
      await h.notifyUsage(ctx, instance, 'exists', {
        extra: { audit_period_beginning: begin, audit_period_ending: end, bandwidth: {} },
      });
    } catch (err) {
      errors += 1;
      ctx.log.error({ err, instance_uuid: instance.uuid }, 'Failed to generate usage audit for instance');
    }
  }
  const seconds = ((h.notifier.now().getTime() - started) / 1000).toFixed(3);
  await h.conductor.call(ctx, 'task_log_end_task', {
    ...key,
    errors,
    message: `Instance usage audit ran for host ${h.host}, ${instances.length} instances in ${seconds} seconds.`,
  });
  return 'ran';
}
