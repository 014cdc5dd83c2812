/**
 * A pretend Linux host behind a RecordingExecutor: it keeps iptables-save text, devices and
 * their addresses, so that the driver's commands can be checked for their effect (a bridge
 * exists, a rule is in the restored text) as well as their form.
 */
import { RecordingExecutor } from '../../../../src/network/linux-net/executor.js';

export interface FakeHost {
  executor: RecordingExecutor;
  /** Last text restored per family. */
  saved: { iptables: string; ip6tables: string };
  /** Devices and their global addresses; `ip addr` on a device not here fails with "Cannot find device". */
  devices: Map<string, string[]>;
  /** The commands run so far, one string each. */
  lines(): string[];
}

export function fakeHost(options: { version?: string; devices?: string[] } = {}): FakeHost {
  const saved = { iptables: '', ip6tables: '' };
  const devices = new Map<string, string[]>(['lo', ...(options.devices ?? [])].map((d) => [d, []]));
  const executor = new RecordingExecutor({
    responder: (argv, input) => {
      const [cmd, ...args] = argv;
      if (cmd === 'iptables' && args[0] === '--version') return { stdout: `${options.version ?? 'iptables v1.8.9 (nf_tables)'}\n` };
      const family = cmd?.startsWith('ip6tables') ? 'ip6tables' : 'iptables';
      if (cmd?.endsWith('-save')) return { stdout: saved[family] };
      if (cmd?.endsWith('-restore')) {
        saved[family] = input ?? '';
        return undefined;
      }
      if (cmd !== 'ip') return undefined;
      const dev = args[args.indexOf('dev') + 1] ?? '';
      if (args[0] === 'link' && args[1] === 'show') {
        return devices.has(dev) ? { stdout: `1: ${dev}: <UP>\n` } : { exitCode: 1, stderr: `Device "${dev}" does not exist.\n` };
      }
      if (args[0] === 'link' && args[1] === 'add') {
        const name = args[2] === 'link' ? (args[args.indexOf('name') + 1] as string) : (args[2] as string);
        devices.set(name, []);
        return undefined;
      }
      if (args[0] === 'link' && args[1] === 'delete') {
        devices.delete(args[2] as string);
        return undefined;
      }
      if (args[0] === 'addr' && args[1] === 'show') {
        const lines = (devices.get(dev) ?? []).map((cidr) => `    inet ${cidr} scope global ${dev}`);
        return { stdout: lines.join('\n') };
      }
      if (args[0] === 'addr' && (args[1] === 'add' || args[1] === 'del')) {
        if (!devices.has(dev)) return { exitCode: 1, stderr: 'Cannot find device "' + dev + '"\n' };
        const list = devices.get(dev) as string[];
        const cidr = args[2] as string;
        if (args[1] === 'add' && !list.includes(cidr)) list.push(cidr);
        if (args[1] === 'del')
          devices.set(
            dev,
            list.filter((c) => c !== cidr),
          );
        return undefined;
      }
      return undefined;
    },
  });
  return { executor, saved, devices, lines: () => executor.lines() };
}
