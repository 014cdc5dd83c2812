/**
 * The instance usage audit end to end: with `instance_usage_audit` on, the compute host's
 * periodic pass emits compute.instance.exists for the last completed period and records a
 * task_log row, which os-instance_usage_audit_log reports.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { instanceUpdate } from '../../../src/db/api/instances.js';
import { lastCompletedAuditPeriod } from '../../../src/notifications/audit-period.js';
import { CLOUD_BACKENDS, startWholeCloud, type WholeCloud } from '../cloud-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

let c: WholeCloud;
let computeHost = '';
const get = (path: string, token = c.adminToken) => c.call<Json>('GET', `${c.computeUrl}${path}`, token);
const pyTime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

before(async () => {
  c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]), {
    DEFAULT: { instance_usage_audit: true, instance_usage_audit_period: 'hour' },
  });
  computeHost = c.cloud.services.find((s) => s.binary === 'nova-compute')?.host as string;
});
after(async () => c?.stop());

test('before any audit ran, the report lists the compute host as not run', async () => {
  const period = lastCompletedAuditPeriod('hour', new Date('2013-01-01T12:30:00Z'));
  const r = await get(`/os-instance_usage_audit_log/${encodeURIComponent('2013-01-01 12:30:00')}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.instance_usage_audit_log, {
    period_beginning: pyTime(period.begin),
    period_ending: pyTime(period.end),
    num_hosts: 1,
    num_hosts_done: 0,
    num_hosts_running: 0,
    num_hosts_not_run: 1,
    hosts_not_run: [computeHost],
    total_instances: 0,
    total_errors: 0,
    overall_status: '0 of 1 hosts done. 0 errors.',
    log: {},
  });
});

test('the periodic audit emits compute.instance.exists and the report shows the host done', async () => {
  const posted = await c.call<Json>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name: 'audited', imageRef: c.imageId, flavorRef: '1' },
  });
  const id = posted.body.server.id;
  await c.notification(id, ['compute.instance.create.end']);
  // Launched well before the last completed hour, so that the audit covers it.
  await instanceUpdate(c.db, adminContext(), id, { launched_at: new Date(Date.now() - 3 * 3600_000) });
  await c.clock.advance(60_000);
  const exists = await c.notification(id, ['compute.instance.exists']);
  assert.equal(exists.publisher_id, `compute.${computeHost}`);
  assert.ok(exists.payload.audit_period_beginning);

  const r = await get('/os-instance_usage_audit_log');
  assert.equal(r.status, 200);
  const report = r.body.instance_usage_audit_logs;
  assert.equal(report.overall_status, 'ALL hosts done. 0 errors.');
  assert.equal(report.total_instances, 1);
  assert.deepEqual(report.hosts_not_run, []);
  assert.equal(report.log[computeHost].state, 'DONE');
  assert.equal(report.log[computeHost].instances, 1);
  assert.match(report.log[computeHost].message, /Instance usage audit ran for host .*, 1 instances in/);
});

test('a bad timestamp is 400 and members are refused (403)', async () => {
  assert.equal((await get('/os-instance_usage_audit_log/yesterday')).status, 400);
  assert.equal((await get(`/os-instance_usage_audit_log/${encodeURIComponent('2013-02-30 00:00:00')}`)).status, 400);
  assert.equal((await get('/os-instance_usage_audit_log', c.demoToken)).status, 403);
});
