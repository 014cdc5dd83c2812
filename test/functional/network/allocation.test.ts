import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CidrConflict,
  FixedIpAlreadyInUse,
  FixedIpInvalid,
  FixedIpNotFoundForNetwork,
  NetworkNotFoundForRequest,
  NoMoreFixedIps,
  VirtualInterfaceMacAddressException,
} from '../../../src/common/network-errors.js';
import { adminContext, RequestContext } from '../../../src/context/context.js';
import { fixedIpGetByAddress, fixedIpGetByNetwork, fixedIpUpdate } from '../../../src/db/api/fixed-ips.js';
import { networkGetAll } from '../../../src/db/api/networks.js';
import { virtualInterfaceCreate, virtualInterfaceGetByInstance } from '../../../src/db/api/virtual-interfaces.js';
import type { Network } from '../../../src/db/types.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { ensureDefaultNetwork } from '../../../src/network/bootstrap.js';
import { networkContract } from '../../../src/network/contract.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { allFixedIps, type NetworkInfo } from '../../../src/virt/network-model.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

const user = new RequestContext({ userId: 'alice', projectId: 'proj-a', roles: ['member'] });
const admin = adminContext();

function v4Addresses(nwInfo: NetworkInfo): string[] {
  return allFixedIps(nwInfo)
    .filter((ip) => ip.version === 4)
    .map((ip) => ip.address);
}

describe('FlatDHCPManager allocation over a migrated SQLite database', () => {
  let env: NetworkTestEnv;
  let manager: NetworkManager;
  let driver: NoopLinuxNet;
  let net: Network;

  before(async () => {
    env = await networkTestEnv();
    driver = new NoopLinuxNet();
    manager = new NetworkManager('nethost', { db: env.db, conf: env.conf(), driver });
    [net] = (await manager.create_networks(admin, { label: 'small', cidr: '10.20.0.0/29', bridge: 'br100', dns2: '1.1.1.1' })) as [Network];
  });
  after(() => env.close());

  test('network create marks network, gateway and broadcast reserved and sets the addressing columns', async () => {
    assert.equal(net.cidr, '10.20.0.0/29');
    assert.equal(net.netmask, '255.255.255.248');
    assert.equal(net.gateway, '10.20.0.1');
    assert.equal(net.broadcast, '10.20.0.7');
    assert.equal(net.dhcp_start, '10.20.0.2');
    assert.equal(net.dns1, '8.8.4.4');
    const rows = await fixedIpGetByNetwork(env.db, admin, net.id);
    assert.equal(rows.length, 8);
    assert.deepEqual(
      rows.filter((r) => r.reserved).map((r) => r.address),
      ['10.20.0.0', '10.20.0.1', '10.20.0.7'],
    );
  });

  test('creating an overlapping network is a CidrConflict', async () => {
    await assert.rejects(manager.create_networks(admin, { label: 'super', cidr: '10.20.0.0/24', bridge: 'br1' }), CidrConflict);
  });

  test('sequential instances get distinct addresses, never a reserved one, with a fa:16:3e MAC', async () => {
    const a = await env.instance();
    const b = await env.instance();
    const infoA = await manager.allocate_for_instance(user, { instance_id: a, project_id: 'proj-a', host: 'cmp1' });
    const infoB = await manager.allocate_for_instance(user, { instance_id: b, project_id: 'proj-a', host: 'cmp1' });
    assert.deepEqual(v4Addresses(infoA), ['10.20.0.2']);
    assert.deepEqual(v4Addresses(infoB), ['10.20.0.3']);
    const vif = infoA[0];
    assert.ok(vif);
    assert.match(vif.address, /^fa:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.notEqual(vif.address, infoB[0]?.address);
    assert.equal(vif.type, 'bridge');
    assert.equal(vif.network?.id, net.uuid);
    assert.equal(vif.network?.label, 'small');
    assert.equal(vif.network?.bridge, 'br100');
    assert.deepEqual(vif.network?.meta, { tenant_id: null, should_create_bridge: true, bridge_interface: null, multi_host: false });
    const [v4, v6] = vif.network?.subnets ?? [];
    assert.equal(v4?.cidr, '10.20.0.0/29');
    assert.equal(v4?.gateway?.address, '10.20.0.1');
    assert.deepEqual(
      v4?.dns.map((d) => d.address),
      ['8.8.4.4', '1.1.1.1'],
    );
    assert.deepEqual(v4?.meta, { dhcp_server: '10.20.0.1' });
    assert.equal(v6?.cidr, null);
    assert.deepEqual(v6?.ips, []);
    const row = await fixedIpGetByAddress(env.db, admin, '10.20.0.2');
    assert.equal(row.allocated, true);
    assert.equal(row.instance_uuid, a);
    assert.ok(
      driver.calls.some((c) => c.op === 'setupNetwork' && c.network === net.id),
      'the serving host was asked to set up the network',
    );
    assert.deepEqual(await manager.get_instance_nw_info(user, { instance_id: a, host: 'cmp1' }), infoA);
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    await manager.deallocate_for_instance(user, { instance_id: b, host: 'cmp1' });
    for (const address of ['10.20.0.2', '10.20.0.3']) await manager.release_fixed_ip(admin, { address });
  });

  test('without force_dhcp_release a released address stays associated until the lease ends', async () => {
    const a = await env.instance();
    const info = await manager.allocate_for_instance(user, { instance_id: a, project_id: 'proj-a', host: 'cmp1' });
    const [address] = v4Addresses(info) as [string];
    await manager.lease_fixed_ip(admin, { address });
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    const released = await fixedIpGetByAddress(env.db, admin, address);
    assert.equal(released.allocated, false);
    assert.equal(released.instance_uuid, a);
    assert.equal((await virtualInterfaceGetByInstance(env.db, admin, a)).length, 0);
    await manager.release_fixed_ip(admin, { address });
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).instance_uuid, null);
  });

  test('the periodic task frees addresses released longer than fixed_ip_disassociate_timeout ago', async () => {
    const a = await env.instance();
    const [address] = v4Addresses(await manager.allocate_for_instance(user, { instance_id: a, project_id: 'proj-a', host: 'cmp1' })) as [
      string,
    ];
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    assert.equal(await manager.disassociateStaleFixedIps(admin), 0);
    await fixedIpUpdate(env.db, admin, address, { updated_at: new Date(Date.now() - 601_000) });
    assert.equal(await manager.disassociateStaleFixedIps(admin), 1);
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).instance_uuid, null);
  });

  test('a requested fixed_ip is honoured, and refused while another instance holds it', async () => {
    const a = await env.instance();
    const b = await env.instance();
    const requested = [[net.uuid, '10.20.0.5']];
    const info = await manager.allocate_for_instance(user, {
      instance_id: a,
      project_id: 'proj-a',
      host: 'cmp1',
      requested_networks: requested,
    });
    assert.deepEqual(v4Addresses(info), ['10.20.0.5']);
    await assert.rejects(manager.validate_networks(user, { networks: requested }), FixedIpAlreadyInUse);
    await assert.rejects(
      manager.allocate_for_instance(user, { instance_id: b, project_id: 'proj-a', host: 'cmp1', requested_networks: requested }),
      FixedIpAlreadyInUse,
    );
    assert.equal((await virtualInterfaceGetByInstance(env.db, admin, b)).length, 0, 'a failed allocation leaves no interface behind');
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    await manager.release_fixed_ip(admin, { address: '10.20.0.5' });
  });

  test('validate_networks rejects unknown networks and invalid, foreign or reserved addresses with 400 errors', async () => {
    await assert.rejects(manager.validate_networks(user, { networks: [[randomUUID(), null]] }), (err: Error) => {
      assert.ok(err instanceof NetworkNotFoundForRequest);
      assert.equal((err as NetworkNotFoundForRequest).code, 400);
      return true;
    });
    await assert.rejects(manager.validate_networks(user, { networks: [[net.uuid, 'not-an-ip']] }), FixedIpInvalid);
    await assert.rejects(manager.validate_networks(user, { networks: [[net.uuid, '192.168.7.7']] }), FixedIpNotFoundForNetwork);
    await assert.rejects(manager.validate_networks(user, { networks: [[net.uuid, '10.20.0.1']] }), FixedIpNotFoundForNetwork);
    assert.equal(await manager.validate_networks(user, { networks: [{ uuid: net.uuid, fixed_ip: '10.20.0.4' }] }), null);
  });

  test('exhausting the /29 is NoMoreFixedIps, and a release makes room again', async () => {
    const instances: string[] = [];
    for (let i = 0; i < 5; i++) {
      const uuid = await env.instance();
      instances.push(uuid);
      await manager.allocate_for_instance(user, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
    }
    const sixth = await env.instance();
    await assert.rejects(manager.allocate_for_instance(user, { instance_id: sixth, project_id: 'proj-a', host: 'cmp1' }), NoMoreFixedIps);
    const held = (await fixedIpGetByNetwork(env.db, admin, net.id)).filter((r) => r.instance_uuid !== null).map((r) => r.address);
    assert.deepEqual(held, ['10.20.0.2', '10.20.0.3', '10.20.0.4', '10.20.0.5', '10.20.0.6']);
    await manager.deallocate_for_instance(user, { instance_id: instances[0], host: 'cmp1' });
    await manager.release_fixed_ip(admin, { address: '10.20.0.2' });
    const info = await manager.allocate_for_instance(user, { instance_id: sixth, project_id: 'proj-a', host: 'cmp1' });
    assert.deepEqual(v4Addresses(info), ['10.20.0.2']);
    for (const uuid of [...instances.slice(1), sixth]) await manager.deallocate_for_instance(user, { instance_id: uuid, host: 'cmp1' });
    for (const address of held) await manager.release_fixed_ip(admin, { address: address as string });
  });

  test("a MAC collision is retried, and the hypervisor's own MAC list is used when given", async () => {
    const a = await env.instance();
    await virtualInterfaceCreate(env.db, admin, { address: 'fa:16:3e:aa:aa:aa', instance_uuid: a, network_id: null });
    const b = await env.instance();
    const info = await manager.allocate_for_instance(user, {
      instance_id: b,
      project_id: 'proj-a',
      host: 'cmp1',
      macs: ['fa:16:3e:aa:aa:aa', 'fa:16:3e:bb:bb:bb'],
    });
    assert.equal(info[0]?.address, 'fa:16:3e:bb:bb:bb');
    const c = await env.instance();
    await assert.rejects(
      manager.allocate_for_instance(user, { instance_id: c, project_id: 'proj-a', host: 'cmp1', macs: ['fa:16:3e:aa:aa:aa'] }),
      VirtualInterfaceMacAddressException,
    );
    await manager.deallocate_for_instance(user, { instance_id: b, host: 'cmp1' });
  });
});

describe('force_dhcp_release and FlatManager', () => {
  let env: NetworkTestEnv;
  before(async () => {
    env = await networkTestEnv();
  });
  after(() => env.close());

  test('with force_dhcp_release the lease is ended and the address is free at once', async () => {
    const driver = new NoopLinuxNet();
    const manager = new NetworkManager('nethost', { db: env.db, conf: env.conf({ force_dhcp_release: true }), driver });
    await manager.create_networks(admin, { label: 'f', cidr: '10.30.0.0/28', bridge: 'br30' });
    const a = await env.instance();
    const info = await manager.allocate_for_instance(user, { instance_id: a, project_id: 'proj-a', host: 'cmp1' });
    const [address] = v4Addresses(info) as [string];
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).instance_uuid, null);
    assert.ok(driver.calls.some((c) => c.op === 'releaseDhcp' && c.address === address && c.mac === info[0]?.address));
  });

  test('FlatManager disassociates on release and puts no DHCP server in the model', async () => {
    const manager = new NetworkManager('nethost', {
      db: env.db,
      conf: env.conf({ network_manager: 'nova.network.manager.FlatManager' }),
      driver: new NoopLinuxNet(),
    });
    const a = await env.instance();
    const info = await manager.allocate_for_instance(user, { instance_id: a, project_id: 'proj-a', host: 'cmp1' });
    assert.deepEqual(info[0]?.network?.subnets[0]?.meta, {});
    assert.deepEqual(info[0]?.network?.meta, { tenant_id: null });
    const [address] = v4Addresses(info) as [string];
    await manager.deallocate_for_instance(user, { instance_id: a, host: 'cmp1' });
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).instance_uuid, null);
  });
});

describe('first start and the RPC API', () => {
  let env: NetworkTestEnv;
  before(async () => {
    env = await networkTestEnv();
  });
  after(() => env.close());

  test('ensureDefaultNetwork creates one private 10.0.0.0/24 network on br100, once', async () => {
    const conf = env.conf();
    const created = await ensureDefaultNetwork(env.db, conf);
    assert.equal(created.length, 1);
    assert.equal(created[0]?.label, 'private');
    assert.equal(created[0]?.cidr, '10.0.0.0/24');
    assert.equal(created[0]?.bridge, 'br100');
    assert.deepEqual(await ensureDefaultNetwork(env.db, conf), []);
    assert.equal((await networkGetAll(env.db, admin)).length, 1);
  });

  test('NetworkAPI allocates, reads and deallocates over the bus, and remote errors keep their class', async () => {
    const conf = env.conf();
    const transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
    const manager = new NetworkManager('nethost', { db: env.db, conf, driver: new NoopLinuxNet() });
    const server = new RpcServer(transport, 'network', 'nethost', contractEndpoint(networkContract, manager));
    await server.start();
    try {
      const api = new NetworkAPI(new ContractClient(transport, networkContract));
      const uuid = await env.instance();
      const instance = { uuid, project_id: 'proj-a', host: 'cmp1' };
      const info = await api.allocateForInstance(user, instance);
      assert.deepEqual(v4Addresses(info), ['10.0.0.2']);
      assert.deepEqual(await api.getInstanceNwInfo(user, instance), info);
      const [network] = await api.getAll(admin);
      assert.equal(network?.label, 'private');
      await assert.rejects(api.validateNetworks(user, [{ uuid: network?.uuid as string, fixed_ip: '10.0.0.2' }]), FixedIpAlreadyInUse);
      await api.deallocateForInstance(user, instance);
      assert.equal((await virtualInterfaceGetByInstance(env.db, admin, uuid)).length, 0);
    } finally {
      await server.stop();
      await transport.close();
    }
  });
});
