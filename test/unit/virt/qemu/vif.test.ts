import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInput } from '../../../../src/common/errors.js';
import { makeNetwork, makeVif } from '../../../../src/virt/network-model.js';
import { nicsFor, plugNics, unplugNics } from '../../../../src/virt/qemu/vif.js';

const vif = makeVif({
  id: '8f4c1a2e-1111-4000-8000-000000000001',
  address: 'fa:16:3e:00:00:01',
  network: makeNetwork({ id: 'n', bridge: 'br100', label: 'private' }),
});

describe('QEMU VIF plugging', () => {
  it('gives user-mode NICs the VIF MAC and bridged NICs Grizzly’s tap name on the network’s bridge', () => {
    assert.deepEqual(nicsFor([vif], 'user'), [{ vifId: vif.id, mac: 'fa:16:3e:00:00:01', mode: 'user', bridge: null, tap: null }]);
    assert.deepEqual(nicsFor([vif], 'bridge'), [
      { vifId: vif.id, mac: 'fa:16:3e:00:00:01', mode: 'bridge', bridge: 'br100', tap: 'tap8f4c1a2e-11' },
    ]);
    assert.throws(() => nicsFor([{ ...vif, network: null }], 'bridge'), InvalidInput);
  });

  it('creates the tap, enslaves it to the bridge and brings it up; unplugging deletes it; user NICs need nothing', async () => {
    const calls: string[] = [];
    const run = async (cmd: string, args: readonly string[]): Promise<void> => {
      calls.push([cmd, ...args].join(' '));
    };
    await plugNics([...nicsFor([vif], 'bridge'), ...nicsFor([vif], 'user')], run);
    await unplugNics(nicsFor([vif], 'bridge'), run);
    assert.deepEqual(calls, [
      'ip tuntap add dev tap8f4c1a2e-11 mode tap',
      'ip link set tap8f4c1a2e-11 master br100',
      'ip link set tap8f4c1a2e-11 up',
      'ip link delete tap8f4c1a2e-11',
    ]);
  });

  it('plugs again over a tap that already exists (init_host re-plugs every guest)', async () => {
    const calls: string[] = [];
    await plugNics(nicsFor([vif], 'bridge'), async (_cmd, args) => {
      calls.push(args.slice(0, 2).join(' '));
      if (args[0] === 'tuntap') throw new Error('ioctl(TUNSETIFF): Device or resource busy');
    });
    assert.deepEqual(calls, ['tuntap add', 'link set', 'link set']);
  });
});
