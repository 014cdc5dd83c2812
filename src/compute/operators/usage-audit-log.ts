/**
 * The instance usage audit's progress over every compute host for one audit period, from
 * `task_log` (Grizzly's os-instance_usage_audit_log): which hosts ran it, which are still
 * running, which never did, and the instances and errors they counted.
 */
import type { Config } from '../../config/config.js';
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { serviceGetAll } from '../../db/api/services.js';
import { taskLogGetAll } from '../../db/api/task-log.js';
import { lastCompletedAuditPeriod } from '../../notifications/audit-period.js';
import { topicOpts } from '../../service/opts.js';
import { usageAuditOpts } from '../audit-opts.js';
import { USAGE_AUDIT_TASK } from '../manager/usage-audit.js';

export interface AuditLogReport {
  period_beginning: string;
  period_ending: string;
  num_hosts: number;
  num_hosts_done: number;
  num_hosts_running: number;
  num_hosts_not_run: number;
  hosts_not_run: string[];
  total_instances: number;
  total_errors: number;
  overall_status: string;
  log: Record<string, { state: string; instances: number; errors: number; message: string }>;
}

/** `YYYY-MM-DD HH:MM:SS`, as Python prints a naive datetime without microseconds. */
function pyDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export class UsageAuditLogAPI {
  constructor(
    private readonly db: Db,
    private readonly conf: Config,
  ) {}

  /** The report for the last audit period completed before `before` (default: now). */
  async report(ctx: RequestContext, before: Date = new Date()): Promise<AuditLogReport> {
    const unit = this.conf.get(usageAuditOpts).instance_usage_audit_period ?? 'month';
    const { begin, end } = lastCompletedAuditPeriod(unit, before);
    const logs = await taskLogGetAll(this.db, ctx, USAGE_AUDIT_TASK, begin, end);
    const computeTopic = this.conf.get(topicOpts).compute_topic ?? 'compute';
    // Disabled compute services count too: they may still have instances to audit.
    const hosts = new Set(
      (await serviceGetAll(this.db, ctx)).filter((s) => s.topic === computeTopic && s.host).map((s) => s.host as string),
    );
    const seen = new Set<string>();
    const done = new Set<string>();
    const running = new Set<string>();
    let totalErrors = 0;
    let totalItems = 0;
    const log: AuditLogReport['log'] = {};
    for (const t of logs) {
      seen.add(t.host);
      if (t.state === 'DONE') done.add(t.host);
      if (t.state === 'RUNNING') running.add(t.host);
      totalErrors += t.errors ?? 0;
      totalItems += t.task_items ?? 0;
      log[t.host] = { state: t.state, instances: t.task_items ?? 0, errors: t.errors ?? 0, message: t.message };
    }
    const notRun = [...hosts].filter((h) => !seen.has(h)).sort();
    const doneText = done.size === hosts.size ? 'ALL' : `${done.size} of ${hosts.size}`;
    return {
      period_beginning: pyDatetime(begin),
      period_ending: pyDatetime(end),
      num_hosts: hosts.size,
      num_hosts_done: done.size,
      num_hosts_running: running.size,
      num_hosts_not_run: notRun.length,
      hosts_not_run: notRun,
      total_instances: totalItems,
      total_errors: totalErrors,
      overall_status: `${doneText} hosts done. ${totalErrors} errors.`,
      log,
    };
  }
}
