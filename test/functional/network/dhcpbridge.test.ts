import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dhcpbridgeMain } from '../../../src/cmd/dhcpbridge.js';
import type { RequestContext } from '../../../src/context/context.js';
import { adminContext } from '../../../src/context/context.js';
import { fixedIpGetByAddress } from '../../../src/db/api/fixed-ips.js';
import { virtualInterfaceGetByInstance } from '../../../src/db/api/virtual-interfaces.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { networkContract } from '../../../src/network/contract.js';
import { handleLeaseEvent, rpcLeaseNotifier } from '../../../src/network/dhcp-leases.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { allFixedIps } from '../../../src/virt/network-model.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

const admin = adminContext();

describe('nova-dhcpbridge', () => {
  let env: NetworkTestEnv;
  let manager: NetworkManager;
  let confFile: string;
  let networkId: number;
  let address: string;
  let mac: string;
  let hostname: string;

  async function bridge(args: string[], extraEnv: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await dhcpbridgeMain(args, {
      env: { CONFIG_FILE: JSON.stringify([confFile, join(env.dir, 'missing.conf')]), ...extraEnv },
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  }

  before(async () => {
    env = await networkTestEnv();
    confFile = join(env.dir, 'nova-dhcpbridge.conf');
    writeFileSync(confFile, `[DEFAULT]\nstate_path = ${env.dir}\nhost = nethost\n[database]\nconnection = ${env.url}\n`);
    manager = new NetworkManager('nethost', { db: env.db, conf: env.conf(), driver: new NoopLinuxNet() });
    const [net] = await manager.create_networks(admin, { label: 'private', cidr: '10.30.0.0/29', bridge: 'br100' });
    networkId = (net as { id: number }).id;
    const uuid = await env.instance('proj-a', 'cmp1');
    const info = await manager.allocate_for_instance(admin, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
    address = allFixedIps(info)[0]?.address as string;
    mac = (await virtualInterfaceGetByInstance(env.db, admin, uuid))[0]?.address as string;
    hostname = `vm-${uuid.slice(0, 8)}`;
  });
  after(() => env.close());

  test('add marks the address leased (embedded bus: straight to the database), skipping missing config files', async () => {
    const r = await bridge(['add', mac, address, hostname]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /missing\.conf not found, skipped/);
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).leased, true);
  });

  test('init prints the leased addresses of $NETWORK_ID in dnsmasq lease-file form', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await bridge(['init'], { NETWORK_ID: String(networkId) });
    assert.equal(r.code, 0, r.stderr);
    const [expires, ...rest] = r.stdout.trim().split(' ');
    assert.deepEqual(rest, [mac, address, hostname, '*']);
    assert.ok(Number(expires) >= before + 120 && Number(expires) <= before + 122, `expiry ${expires} is a lease time from now`);
  });

  test('old changes nothing; del ends the lease but an allocated address keeps its instance', async () => {
    assert.equal((await bridge(['old', mac, address])).code, 0);
    assert.equal((await fixedIpGetByAddress(env.db, admin, address)).leased, true);
    assert.equal((await bridge(['del', mac, address])).code, 0);
    const row = await fixedIpGetByAddress(env.db, admin, address);
    assert.equal(row.leased, false);
    assert.ok(row.instance_uuid);
    const r = await bridge(['init'], { NETWORK_ID: String(networkId) });
    assert.equal(r.stdout, '', 'no lease left to report');
  });

  test('refuses bad invocations with exit code 2', async () => {
    assert.equal((await bridge(['init'])).code, 2, 'init without NETWORK_ID');
    assert.equal((await bridge(['add', mac])).code, 2, 'add without an address');
    assert.equal((await bridge(['tftp'])).code, 2, 'unknown action');
  });

  test('over a real bus, lease events are casts to the network host', async () => {
    const transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
    let seen: (value: string) => void = () => undefined;
    const leased = new Promise<string>((resolve) => {
      seen = resolve;
    });
    // The real manager, watched: the test learns when the cast has been handled.
    const watched: NetworkManager = Object.create(manager);
    watched.lease_fixed_ip = async (ctx: RequestContext, args: { address: string }) => {
      await manager.lease_fixed_ip(ctx, args);
      seen(args.address);
      return null;
    };
    const server = new RpcServer(transport, 'network', 'nethost', contractEndpoint(networkContract, watched));
    await server.start();
    try {
      const api = new NetworkAPI(new ContractClient(transport, networkContract, 'network'));
      await handleLeaseEvent({ action: 'add', mac, ip: address, hostname: null }, rpcLeaseNotifier(api, admin, 'nethost'));
      assert.equal(await leased, address);
      assert.equal((await fixedIpGetByAddress(env.db, admin, address)).leased, true);
    } finally {
      await server.stop();
      await transport.close();
    }
  });
});
