import { InvalidInput } from '../../common/errors.js';
import type { GuestNic } from '../guest-spec.js';
import { type NetworkInfo, NIC_NAME_LEN } from '../network-model.js';
import { execute } from '../process-utils.js';

/** Runs a host command (ip); injectable so plugging can be checked without root. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<void>;

export const runOnHost: CommandRunner = async (command, args) => {
  await execute(command, args);
};

/** Grizzly's tap name for a VIF: its devname, else `tap` + the start of its id. */
export function tapName(vif: NetworkInfo[number]): string {
  return (vif.devname ?? `tap${vif.id}`).slice(0, NIC_NAME_LEN);
}

/** The guest's NICs for its VIFs: user-mode, or taps on the VIF's bridge (which linux_net made). */
export function nicsFor(networkInfo: NetworkInfo, mode: 'user' | 'bridge'): GuestNic[] {
  return networkInfo.map((vif) => {
    if (mode === 'user') return { vifId: vif.id, mac: vif.address, mode, bridge: null, tap: null };
    const bridge = vif.network?.bridge;
    if (!bridge) throw new InvalidInput(`VIF ${vif.id} names no bridge to plug into`);
    return { vifId: vif.id, mac: vif.address, mode, bridge, tap: tapName(vif) };
  });
}

/**
 * Plugs a guest's taps into their bridges before QEMU opens them (Grizzly's bridge VIF
 * driver leaves creating the bridge to linux_net; this only adds the port). Idempotent:
 * init_host re-plugs every guest.
 */
export async function plugNics(nics: readonly GuestNic[], run: CommandRunner): Promise<void> {
  for (const nic of nics) {
    if (nic.mode !== 'bridge' || !nic.tap || !nic.bridge) continue;
    await run('ip', ['tuntap', 'add', 'dev', nic.tap, 'mode', 'tap']).catch((err: unknown) => {
      if (!String((err as Error).message).includes('exists') && !String((err as Error).message).includes('busy')) throw err;
    });
    await run('ip', ['link', 'set', nic.tap, 'master', nic.bridge]);
    await run('ip', ['link', 'set', nic.tap, 'up']);
  }
}

export async function unplugNics(nics: readonly GuestNic[], run: CommandRunner): Promise<void> {
  for (const nic of nics) {
    if (nic.mode !== 'bridge' || !nic.tap) continue;
    await run('ip', ['link', 'delete', nic.tap]).catch(() => undefined);
  }
}
