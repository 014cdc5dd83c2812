import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allFixedIps,
  floatingIps,
  hydrateNetworkInfo,
  labeledIps,
  makeFixedIp,
  makeNetwork,
  makeSubnet,
  makeVif,
  type NetworkInfo,
  serializeNetworkInfo,
} from '../../../src/virt/network-model.js';

const sample = (): NetworkInfo => [
  makeVif({
    id: 'vif-1',
    address: 'fa:16:3e:11:22:33',
    network: makeNetwork({
      id: 'net-1',
      label: 'private',
      bridge: 'br100',
      subnets: [
        makeSubnet({
          cidr: '10.0.0.0/24',
          gateway: '10.0.0.1',
          dns: ['8.8.8.8'],
          ips: [makeFixedIp('10.0.0.5', ['203.0.113.7'])],
          meta: { dhcp_server: '10.0.0.1' },
        }),
        makeSubnet({ cidr: null, version: 6 }),
      ],
      meta: { injected: false, multi_host: false },
    }),
    meta: { rxtx_cap: 0 },
  }),
];

describe('network info model', () => {
  it('derives IP and subnet versions from the addresses', () => {
    const [vif] = sample();
    const [v4, v6] = vif?.network?.subnets ?? [];
    assert.equal(v4?.version, 4);
    assert.equal(v6?.version, 6);
    assert.equal(v4?.gateway?.type, 'gateway');
    assert.equal(v4?.dns[0]?.type, 'dns');
    assert.equal(makeFixedIp('fd00::5').version, 6);
    assert.throws(() => makeFixedIp('not-an-ip'), /not an IP address/);
  });

  it('lists fixed, floating and labeled IPs of a VIF', () => {
    const [vif] = sample();
    assert.ok(vif);
    assert.deepEqual(
      allFixedIps(sample()).map((ip) => ip.address),
      ['10.0.0.5'],
    );
    assert.deepEqual(
      floatingIps(vif).map((ip) => [ip.address, ip.type]),
      [['203.0.113.7', 'floating']],
    );
    const labeled = labeledIps(vif);
    assert.equal(labeled.network_label, 'private');
    assert.equal(labeled.ips.length, 1);
  });

  it('survives a round trip through the info cache JSON', () => {
    const nw = sample();
    assert.deepEqual(hydrateNetworkInfo(serializeNetworkInfo(nw)), nw);
  });

  it('reads an empty cache as no interfaces and drops malformed entries', () => {
    assert.deepEqual(hydrateNetworkInfo(''), []);
    assert.deepEqual(hydrateNetworkInfo('[]'), []);
    assert.deepEqual(hydrateNetworkInfo([{ id: 1 }, 'junk', null]), []);
    const [vif] = hydrateNetworkInfo([
      {
        id: 'v',
        address: 'fa:16:3e:00:00:01',
        network: { subnets: [{ cidr: '10.1.0.0/16', ips: [{ address: 'bogus' }, { address: '10.1.0.9' }] }] },
      },
    ]);
    assert.deepEqual(
      vif?.network?.subnets[0]?.ips.map((ip) => ip.address),
      ['10.1.0.9'],
    );
    assert.equal(vif?.type, 'bridge');
  });
});
