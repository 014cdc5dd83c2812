import { InstanceNotFound } from '../../common/errors.js';
import { execute, ProcessExecutionError } from '../process-utils.js';

/** libvirt's domain states as `virsh domstate` prints them. */
export type DomainState = 'running' | 'idle' | 'paused' | 'in shutdown' | 'shut off' | 'crashed' | 'pmsuspended' | 'dying' | 'no state';

export interface DomainInfo {
  id: number | null;
  uuid: string;
  state: DomainState;
  vcpus: number;
  /** Nanoseconds. */
  cpuTimeNs: number;
  maxMemKiB: number;
  usedMemKiB: number;
  managedSave: boolean;
}

function noDomain(err: unknown): boolean {
  return err instanceof ProcessExecutionError && /failed to get domain|Domain not found|no domain with matching/i.test(err.stderr);
}

/**
 * libvirt through the `virsh` client (Node has no maintained libvirt binding). Every call
 * names the connection URI; a missing domain becomes InstanceNotFound.
 */
export class Virsh {
  constructor(readonly uri: string) {}

  async run(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const { stdout } = await execute('virsh', ['-q', '-c', this.uri, ...args], {
      timeoutMs: options.timeoutMs ?? 120_000,
      ...(options.input ? { input: options.input } : {}),
    });
    return stdout;
  }

  /** As run(), but a missing domain is InstanceNotFound naming `uuid`. */
  async onDomain(uuid: string, args: readonly string[]): Promise<string> {
    try {
      return await this.run(args);
    } catch (err) {
      if (noDomain(err)) throw new InstanceNotFound(`Instance ${uuid} could not be found.`, { kwargs: { instance_id: uuid } });
      throw err;
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.run(['domuuid', name]);
      return true;
    } catch (err) {
      if (noDomain(err)) return false;
      throw err;
    }
  }

  async info(uuid: string, name: string): Promise<DomainInfo> {
    const text = await this.onDomain(uuid, ['dominfo', name]);
    const field = (key: string): string => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
    const cpu = /([\d.]+)s/.exec(field('CPU time'));
    const id = field('Id');
    return {
      id: id === '-' || id === '' ? null : Number(id),
      uuid: field('UUID'),
      state: field('State') as DomainState,
      vcpus: Number(field('CPU\\(s\\)')),
      cpuTimeNs: cpu ? Math.round(Number(cpu[1]) * 1e9) : 0,
      maxMemKiB: Number(/(\d+)/.exec(field('Max memory'))?.[1] ?? 0),
      usedMemKiB: Number(/(\d+)/.exec(field('Used memory'))?.[1] ?? 0),
      managedSave: field('Managed save') === 'yes',
    };
  }

  async state(uuid: string, name: string): Promise<DomainState> {
    return (await this.onDomain(uuid, ['domstate', name])).trim() as DomainState;
  }

  /** `virsh domstats` as a flat key → value map (cpu.time, block.0.rd.bytes, net.0.rx.bytes, …). */
  async stats(uuid: string, name: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.onDomain(uuid, ['domstats', name])).split('\n')) {
      const m = /^\s*([\w.]+)=(.*)$/.exec(line);
      if (m) out[m[1] as string] = m[2] as string;
    }
    return out;
  }

  async listAll(): Promise<string[]> {
    return (await this.run(['list', '--all', '--name']))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }
}
