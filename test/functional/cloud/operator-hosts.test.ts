/**
 * os-services, os-hosts and os-hypervisors against the whole cloud (SQLite, in-process
 * bus, fake driver): what an operator's `openstack compute service`, `host` and
 * `hypervisor` commands see and change, and what members are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import type { FakeDriver } from '../../../src/virt/fake/driver.js';
import { CLOUD_BACKENDS, startWholeCloud, type WholeCloud } from '../cloud-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

let c: WholeCloud;
let computeHost = '';
const get = (path: string, token = c.adminToken) => c.call<Json>('GET', `${c.computeUrl}${path}`, token);
const put = (path: string, body: unknown, token = c.adminToken) => c.call<Json>('PUT', `${c.computeUrl}${path}`, token, body);

before(async () => {
  c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]));
  computeHost = c.cloud.services.find((s) => s.binary === 'nova-compute')?.host as string;
});
after(async () => c?.stop());

describe('os-services', () => {
  test('lists every service with id, zone, status, state and disabled_reason; filters by host and binary', async () => {
    const all = await get('/os-services');
    assert.equal(all.status, 200);
    const binaries = all.body.services.map((s: Json) => s.binary).sort();
    assert.deepEqual(binaries, ['nova-cert', 'nova-compute', 'nova-conductor', 'nova-consoleauth', 'nova-network', 'nova-scheduler']);
    const compute = all.body.services.find((s: Json) => s.binary === 'nova-compute');
    assert.deepEqual(Object.keys(compute).sort(), ['binary', 'disabled_reason', 'host', 'id', 'state', 'status', 'updated_at', 'zone']);
    assert.equal(compute.zone, 'nova');
    assert.equal(compute.status, 'enabled');
    assert.equal(compute.state, 'up');
    assert.equal(compute.disabled_reason, null);
    assert.equal(all.body.services.find((s: Json) => s.binary === 'nova-scheduler').zone, 'internal');

    const byBinary = await get('/os-services?binary=nova-compute');
    assert.deepEqual(
      byBinary.body.services.map((s: Json) => s.binary),
      ['nova-compute'],
    );
    assert.equal((await get(`/os-services?host=${computeHost}&binary=nova-cert`)).body.services.length, 1);
    assert.deepEqual((await get('/os-services?host=nowhere')).body.services, []);
  });

  test('disable with a reason, then enable, as openstack compute service set does', async () => {
    const off = await put('/os-services/disable-log-reason', { host: computeHost, binary: 'nova-compute', disabled_reason: 'maintenance' });
    assert.equal(off.status, 200);
    assert.deepEqual(off.body, {
      service: { host: computeHost, binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' },
    });
    const shown = (await get('/os-services?binary=nova-compute')).body.services[0];
    assert.equal(shown.status, 'disabled');
    assert.equal(shown.disabled_reason, 'maintenance');

    const on = await put('/os-services/enable', { host: computeHost, binary: 'nova-compute' });
    assert.deepEqual(on.body, { service: { host: computeHost, binary: 'nova-compute', status: 'enabled' } });
    const again = (await get('/os-services?binary=nova-compute')).body.services[0];
    assert.equal(again.status, 'enabled');
    assert.equal(again.disabled_reason, null);

    const plain = await put('/os-services/disable', { host: computeHost, binary: 'nova-cert' });
    assert.deepEqual(plain.body, { service: { host: computeHost, binary: 'nova-cert', status: 'disabled' } });
    await put('/os-services/enable', { host: computeHost, binary: 'nova-cert' });
  });

  test('unknown service 404, unknown action 404, bad body 400, member 403', async () => {
    assert.equal((await put('/os-services/disable', { host: 'nowhere', binary: 'nova-compute' })).status, 404);
    const unknown = await put('/os-services/reboot', { host: computeHost, binary: 'nova-compute' });
    assert.equal(unknown.status, 404);
    assert.equal((await put('/os-services/disable', { host: computeHost })).status, 400);
    assert.equal((await put('/os-services/disable-log-reason', { host: computeHost, binary: 'nova-compute' })).status, 400);
    assert.equal((await get('/os-services', c.demoToken)).status, 403);
    assert.equal((await put('/os-services/disable', { host: computeHost, binary: 'nova-compute' }, c.demoToken)).status, 403);
    assert.equal((await get('/os-services?binary=nova-compute')).body.services[0].status, 'enabled', 'refusals changed nothing');
  });
});

describe('os-hypervisors', () => {
  test('list, detail and show carry Nova keys plus host_ip, service and liveness', async () => {
    const list = await get('/os-hypervisors');
    assert.equal(list.status, 200);
    assert.equal(list.body.hypervisors.length, 1);
    const summary = list.body.hypervisors[0];
    assert.deepEqual(Object.keys(summary).sort(), ['hypervisor_hostname', 'id', 'state', 'status']);
    assert.equal(summary.state, 'up');

    const detail = (await get('/os-hypervisors/detail')).body.hypervisors[0];
    for (const key of [
      'vcpus',
      'memory_mb',
      'local_gb',
      'vcpus_used',
      'memory_mb_used',
      'local_gb_used',
      'hypervisor_type',
      'hypervisor_version',
      'free_ram_mb',
      'free_disk_gb',
      'current_workload',
      'running_vms',
      'cpu_info',
      'disk_available_least',
      'host_ip',
    ]) {
      assert.ok(key in detail, key);
    }
    assert.equal(detail.hypervisor_type, 'fake');
    assert.equal(typeof detail.hypervisor_version, 'number');
    assert.equal(detail.host_ip, '127.0.0.1');
    assert.equal(detail.service.host, computeHost);

    const shown = await get(`/os-hypervisors/${summary.id}`);
    assert.deepEqual(shown.body.hypervisor, detail);
    assert.equal((await get('/os-hypervisors/99999')).status, 404);
    assert.equal((await get('/os-hypervisors/abc')).status, 404);
  });

  test('search, servers, uptime and statistics', async () => {
    const node = (await get('/os-hypervisors')).body.hypervisors[0];
    const name = node.hypervisor_hostname as string;
    const found = await get(`/os-hypervisors/${encodeURIComponent(name.slice(0, 3))}/search`);
    assert.deepEqual(
      found.body.hypervisors.map((h: Json) => h.id),
      [node.id],
    );
    assert.equal((await get('/os-hypervisors/no-such-node/search')).status, 404);
    assert.equal((await get('/os-hypervisors/no-such-node/servers')).status, 404);
    const servers = await get(`/os-hypervisors/${encodeURIComponent(name)}/servers`);
    assert.equal(servers.status, 200);
    assert.equal('servers' in servers.body.hypervisors[0], false, 'no servers, no key');

    const uptime = await get(`/os-hypervisors/${node.id}/uptime`);
    assert.equal(uptime.status, 200);
    assert.match(uptime.body.hypervisor.uptime, /up .*load average/);

    const stats = await get('/os-hypervisors/statistics');
    assert.deepEqual(Object.keys(stats.body.hypervisor_statistics).sort(), [
      'count',
      'current_workload',
      'disk_available_least',
      'free_disk_gb',
      'free_ram_mb',
      'local_gb',
      'local_gb_used',
      'memory_mb',
      'memory_mb_used',
      'running_vms',
      'vcpus',
      'vcpus_used',
    ]);
    assert.equal(stats.body.hypervisor_statistics.count, 1);
    assert.equal((await get('/os-hypervisors', c.demoToken)).status, 403);
    assert.equal((await get('/os-hypervisors/statistics', c.demoToken)).status, 403);
  });
});

describe('os-hosts', () => {
  test('list has one row per enabled service with its zone; zone filter', async () => {
    const list = await get('/os-hosts');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.hosts.find((h: Json) => h.service === 'compute'),
      { host_name: computeHost, service: 'compute', zone: 'nova' },
    );
    assert.deepEqual(
      (await get('/os-hosts?zone=nova')).body.hosts.map((h: Json) => h.service),
      ['compute'],
    );
    assert.equal((await get('/os-hosts', c.demoToken)).status, 403);
  });

  test('show gives (total), (used_now), (used_max) then one row per project', async () => {
    const shown = await get(`/os-hosts/${computeHost}`);
    assert.equal(shown.status, 200);
    const projects = shown.body.host.map((r: Json) => r.resource.project);
    assert.deepEqual(projects.slice(0, 3), ['(total)', '(used_now)', '(used_max)']);
    const total = shown.body.host[0].resource;
    assert.deepEqual(Object.keys(total).sort(), ['cpu', 'disk_gb', 'host', 'memory_mb', 'project']);
    assert.ok(total.cpu > 0);
    assert.equal((await get('/os-hosts/nowhere')).status, 404);
  });

  test('update status and maintenance mode reach the driver; power actions are recorded by the fake driver', async () => {
    const manager = c.cloud.services.find((s) => s.binary === 'nova-compute')?.manager as unknown as ComputeManager;
    const driver = manager.driver as unknown as FakeDriver;
    const updated = await put(`/os-hosts/${computeHost}`, { status: 'disable', maintenance_mode: 'enable' });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body, { host: computeHost, status: 'disabled', maintenance_mode: 'on_maintenance' });
    assert.deepEqual(driver.hostMode, { maintenance: true, enabled: false });
    assert.deepEqual((await put(`/os-hosts/${computeHost}`, { maintenance_mode: 'disable' })).body, {
      host: computeHost,
      maintenance_mode: 'off_maintenance',
    });

    for (const action of ['startup', 'shutdown', 'reboot']) {
      const r = await get(`/os-hosts/${computeHost}/${action}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { host: computeHost, power_action: action });
    }
    assert.deepEqual(
      driver.powerActions.map((p) => p.action),
      ['startup', 'shutdown', 'reboot'],
    );
  });

  test('bad update bodies 400, unknown host 404, member 403; nothing reaches the driver', async () => {
    const manager = c.cloud.services.find((s) => s.binary === 'nova-compute')?.manager as unknown as ComputeManager;
    const driver = manager.driver as unknown as FakeDriver;
    const before = driver.powerActions.length;
    for (const body of [{}, { status: 'on' }, { maintenance_mode: 'yes' }, { status: 'enable', extra: 1 }]) {
      assert.equal((await put(`/os-hosts/${computeHost}`, body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await put('/os-hosts/nowhere', { status: 'enable' })).status, 404);
    assert.equal((await get('/os-hosts/nowhere/reboot')).status, 404);
    assert.equal((await get(`/os-hosts/${computeHost}/reboot`, c.demoToken)).status, 403);
    assert.equal(driver.powerActions.length, before);
  });
});
