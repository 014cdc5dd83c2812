/**
 * Truthful discovery: every alias `GET /extensions` lists is probed against every resource
 * nova-ts serves, and an alias whose routes, actions or view keys are missing fails. An alias
 * without a probe in PROBES fails too, so a new extension arrives with the check that it works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { instanceInfoCacheUpdate, instanceUpdate } from '../../../src/db/api/instances.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, serializeNetworkInfo } from '../../../src/virt/network-model.js';
import type { Reply } from './compute-harness.js';
import { type FullApi, startFullApi } from './full-api-harness.js';

const ADMIN = 'admin:proj-admin';
const ALICE = 'alice:proj-a';
const GLANCE_ADMIN = 'admin:admin-proj';

/**
 * How to tell that an extension is served. In a path, `:server` is a server of ALICE's,
 * `:network` a network and `:private_flavor` a private flavor.
 */
type Probe =
  /** The route answers an admin with something other than 404 or 500 (a 501 or 503 is an answer Nova gives). */
  | { route: string; method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown }
  /** `POST /servers/:server/action` knows the action (it is not "There is no such action"). */
  | { action: string; body?: unknown }
  /** The key is in an admin's `GET /servers/:server`. */
  | { serverKey: string }
  /** The key is in each address item of an ACTIVE server with a cached fixed IP. */
  | { addressKey: string }
  /** A non-admin sees no addresses while the server is building, and sees them once ACTIVE. */
  | { hidesAddressesWhileBuilding: true }
  /** The key is in every flavor of `GET /flavors/detail`. */
  | { flavorKey: string }
  /** The key is in `GET /images/:image`. */
  | { imageKey: string }
  /** The key is in the absolute limits of `GET /limits`. */
  | { absoluteLimit: string }
  /** Booting with these keys (in `server`, or beside it) is refused with 400: the keys are read. */
  | { bootRefuses: { server?: Record<string, unknown>; top?: Record<string, unknown> } };

const PROBES: Readonly<Record<string, Probe>> = {
  NMN: { action: 'addFixedIp', body: {} },
  'os-admin-actions': { action: 'os-resetState', body: { state: 'active' } },
  'os-agents': { route: '/os-agents' },
  'os-aggregates': { route: '/os-aggregates' },
  'os-availability-zone': { route: '/os-availability-zone' },
  'os-certificates': { route: '/os-certificates/root' },
  'os-cloudpipe': { route: '/os-cloudpipe' },
  'os-cloudpipe-update': { route: '/os-cloudpipe/configure-project', method: 'PUT', body: {} },
  'os-config-drive': { serverKey: 'config_drive' },
  'os-console-output': { action: 'os-getConsoleOutput', body: { length: 10 } },
  'os-create-server-ext': { bootRefuses: { server: { security_groups: 'not-a-list' } } },
  'OS-DCF': { serverKey: 'OS-DCF:diskConfig' },
  'os-deferred-delete': { action: 'restore' },
  'os-evacuate': { action: 'evacuate' },
  'os-shelve': { action: 'shelve' },
  'OS-EXT-AZ': { serverKey: 'OS-EXT-AZ:availability_zone' },
  'OS-EXT-IMG-SIZE': { imageKey: 'OS-EXT-IMG-SIZE:size' },
  'OS-EXT-IPS': { addressKey: 'OS-EXT-IPS:type' },
  'OS-EXT-SRV-ATTR': { serverKey: 'OS-EXT-SRV-ATTR:host' },
  'OS-EXT-STS': { serverKey: 'OS-EXT-STS:vm_state' },
  'os-fixed-ips': { route: '/os-fixed-ips/not-an-address' },
  'os-flavor-access': { route: '/flavors/:private_flavor/os-flavor-access' },
  'os-flavor-extra-specs': { route: '/flavors/1/os-extra_specs' },
  'os-flavor-manage': { route: '/flavors', method: 'POST', body: { flavor: {} } },
  'os-flavor-rxtx': { flavorKey: 'rxtx_factor' },
  'os-flavor-swap': { flavorKey: 'swap' },
  'os-floating-ip-dns': { route: '/os-floating-ip-dns' },
  'os-floating-ip-pools': { route: '/os-floating-ip-pools' },
  'os-floating-ips': { route: '/os-floating-ips' },
  'os-floating-ips-bulk': { route: '/os-floating-ips-bulk' },
  'OS-FLV-DISABLED': { flavorKey: 'OS-FLV-DISABLED:disabled' },
  'OS-FLV-EXT-DATA': { flavorKey: 'OS-FLV-EXT-DATA:ephemeral' },
  'os-fping': { route: '/os-fping' },
  'os-hide-server-addresses': { hidesAddressesWhileBuilding: true },
  'os-hosts': { route: '/os-hosts' },
  'os-hypervisors': { route: '/os-hypervisors' },
  'os-instance-actions': { route: '/servers/:server/os-instance-actions' },
  'os-instance_usage_audit_log': { route: '/os-instance_usage_audit_log' },
  'os-keypairs': { route: '/os-keypairs' },
  'os-migrations': { route: '/os-migrations' },
  'os-multiple-create': { bootRefuses: { server: { min_count: 0 } } },
  'os-networks': { route: '/os-networks' },
  'os-networks-associate': { route: '/os-networks/:network/action', method: 'POST', body: { disassociate_host: null } },
  'os-quota-class-sets': { route: '/os-quota-class-sets/default' },
  'os-quota-sets': { route: '/os-quota-sets/proj-a' },
  'os-rescue': { action: 'rescue' },
  'OS-SCH-HNT': { bootRefuses: { top: { 'os:scheduler_hints': 'not-a-dict' } } },
  'os-security-group-default-rules': { route: '/os-security-group-default-rules' },
  'os-security-groups': { route: '/os-security-groups' },
  'os-server-diagnostics': { route: '/servers/:server/diagnostics' },
  'os-server-groups': { route: '/os-server-groups' },
  'os-server-password': { route: '/servers/:server/os-server-password' },
  'os-server-start-stop': { action: 'os-start' },
  'os-services': { route: '/os-services' },
  'os-simple-tenant-usage': { route: '/os-simple-tenant-usage' },
  'os-tenant-networks': { route: '/os-tenant-networks' },
  'os-used-limits': { absoluteLimit: 'totalRAMUsed' },
  'os-user-data': { bootRefuses: { server: { user_data: '%%% not base64 %%%' } } },
  'os-virtual-interfaces': { route: '/servers/:server/os-virtual-interfaces' },
};

let f: FullApi;
let imageId: string;
/** A server in BUILD, for routes and actions. */
let serverId: string;
/** A server with a cached fixed IP, moved between BUILD and ACTIVE by the address probes. */
let addressedId: string;
let networkId: string;
const PRIVATE_FLAVOR = 'probe-private';

async function boot(name: string, server: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Promise<Reply> {
  return f.api.call('POST', '/v2.1/servers', ALICE, { server: { name, imageRef: imageId, flavorRef: '1', ...server }, ...top });
}

function shown(r: Reply): string {
  return `${r.status} ${r.text.slice(0, 300)}`;
}

async function setVmState(uuid: string, vmState: string): Promise<void> {
  await instanceUpdate(f.api.db, adminContext(), uuid, { vm_state: vmState, task_state: null });
}

async function aliceAddresses(uuid: string): Promise<Record<string, unknown>> {
  const r = await f.api.call('GET', `/v2.1/servers/${uuid}`, ALICE);
  assert.equal(r.status, 200, shown(r));
  return r.json.server.addresses as Record<string, unknown>;
}

/** Checks one probe; throws an assertion error that names what is missing. */
async function check(alias: string, probe: Probe): Promise<void> {
  if ('route' in probe) {
    const path = `/v2.1${probe.route.replace(':server', serverId).replace(':network', networkId).replace(':private_flavor', PRIVATE_FLAVOR)}`;
    const r = await f.api.call(probe.method ?? 'GET', path, ADMIN, probe.body);
    assert.ok(r.status !== 404 && r.status !== 500, `${alias}: ${probe.method ?? 'GET'} ${probe.route} → ${shown(r)}`);
  } else if ('action' in probe) {
    const r = await f.api.call('POST', `/v2.1/servers/${serverId}/action`, ADMIN, { [probe.action]: probe.body ?? null });
    assert.ok(r.status !== 404 && r.status !== 500, `${alias}: action ${probe.action} → ${shown(r)}`);
    assert.ok(!(r.status === 400 && r.text.includes('There is no such action')), `${alias}: action ${probe.action} → ${shown(r)}`);
  } else if ('serverKey' in probe) {
    const r = await f.api.call('GET', `/v2.1/servers/${serverId}`, ADMIN);
    assert.equal(r.status, 200, shown(r));
    assert.ok(probe.serverKey in r.json.server, `${alias}: no ${probe.serverKey} in a server body`);
  } else if ('addressKey' in probe) {
    await setVmState(addressedId, 'active');
    const r = await f.api.call('GET', `/v2.1/servers/${addressedId}`, ADMIN);
    const items = Object.values(r.json.server.addresses as Record<string, Record<string, unknown>[]>).flat();
    assert.ok(items.length > 0, `${alias}: an ACTIVE server with a cached fixed IP shows no addresses`);
    for (const item of items) assert.ok(probe.addressKey in item, `${alias}: no ${probe.addressKey} in ${JSON.stringify(item)}`);
  } else if ('hidesAddressesWhileBuilding' in probe) {
    await setVmState(addressedId, 'building');
    assert.deepEqual(await aliceAddresses(addressedId), {}, `${alias}: addresses shown while building`);
    await setVmState(addressedId, 'active');
    assert.notDeepEqual(await aliceAddresses(addressedId), {}, `${alias}: addresses hidden once ACTIVE`);
  } else if ('flavorKey' in probe) {
    const r = await f.api.call('GET', '/v2.1/flavors/detail', ADMIN);
    assert.equal(r.status, 200, shown(r));
    const flavors = r.json.flavors as Record<string, unknown>[];
    assert.ok(flavors.length > 0);
    for (const flavor of flavors) assert.ok(probe.flavorKey in flavor, `${alias}: no ${probe.flavorKey} in flavor ${flavor.id}`);
  } else if ('imageKey' in probe) {
    const r = await f.api.call('GET', `/v2.1/images/${imageId}`, ADMIN);
    assert.equal(r.status, 200, shown(r));
    assert.ok(probe.imageKey in r.json.image, `${alias}: no ${probe.imageKey} in an image body`);
  } else if ('absoluteLimit' in probe) {
    const r = await f.api.call('GET', '/v2.1/limits', ALICE);
    assert.equal(r.status, 200, shown(r));
    assert.ok(probe.absoluteLimit in r.json.limits.absolute, `${alias}: no ${probe.absoluteLimit} in the absolute limits`);
  } else {
    const r = await boot(`probe-${alias}`, probe.bootRefuses.server, probe.bootRefuses.top);
    assert.equal(r.status, 400, `${alias}: boot with ${JSON.stringify(probe.bootRefuses)} → ${shown(r)}`);
  }
}

before(async () => {
  f = await startFullApi();
  const created = await f.glance.call(GLANCE_ADMIN, 'POST', '/v2/images', {
    json: { name: 'probe', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
  });
  imageId = ((await created.json()) as { id: string }).id;
  await f.glance.call(GLANCE_ADMIN, 'PUT', `/v2/images/${imageId}/file`, {
    body: Buffer.alloc(1024, 1),
    headers: { 'content-type': 'application/octet-stream' },
  });
  const booted = await boot('probe-target');
  assert.equal(booted.status, 202, shown(booted));
  serverId = booted.json.server.id;
  const addressed = await boot('probe-addressed');
  assert.equal(addressed.status, 202, shown(addressed));
  addressedId = addressed.json.server.id;
  const vif = makeVif({
    id: 'vif-probe',
    address: 'fa:16:3e:00:00:09',
    network: makeNetwork({
      id: 'net-probe',
      label: 'private',
      subnets: [makeSubnet({ cidr: '10.0.0.0/24', ips: [makeFixedIp('10.0.0.5', ['172.24.4.9'])] })],
    }),
  });
  await instanceInfoCacheUpdate(f.api.db, null, addressedId, { network_info: serializeNetworkInfo([vif]) });
  const net = await f.api.call('POST', '/v2.1/os-networks', ADMIN, {
    network: { label: 'probe-net', cidr: '10.30.0.0/24', bridge: 'br-probe', bridge_interface: 'eth-probe' },
  });
  assert.equal(net.status, 200, shown(net));
  networkId = net.json.network.id;
  const flavor = await f.api.call('POST', '/v2.1/flavors', ADMIN, {
    flavor: { name: PRIVATE_FLAVOR, id: PRIVATE_FLAVOR, ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false },
  });
  assert.equal(flavor.status, 200, shown(flavor));
});
after(async () => f.close());

describe('GET /extensions is truthful', () => {
  test('every listed alias has a probe, and every probe finds the extension served', async () => {
    const r = await f.api.call('GET', '/v2.1/extensions', ADMIN);
    assert.equal(r.status, 200);
    const aliases = (r.json.extensions as { alias: string }[]).map((e) => e.alias);
    assert.ok(aliases.length > 0);
    const failures: string[] = [];
    for (const alias of aliases) {
      const probe = PROBES[alias];
      if (!probe) {
        failures.push(`${alias}: listed, but no probe says how to tell it is served`);
        continue;
      }
      try {
        await check(alias, probe);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    assert.deepEqual(failures, []);
  });

  test('every probe targets a listed alias, so the table keeps no extension that is gone', async () => {
    const r = await f.api.call('GET', '/v2.1/extensions', ADMIN);
    const aliases = new Set((r.json.extensions as { alias: string }[]).map((e) => e.alias));
    assert.deepEqual(
      Object.keys(PROBES).filter((alias) => !aliases.has(alias)),
      [],
    );
  });
});
