import { cpus } from 'node:os';
import { InvalidInput } from '../../common/errors.js';
import { imageInfo } from '../disk/qemu-img.js';
import { diskUsageGb, hostCpuInfo, hostMemoryMb, hostUptime, versionNumber } from '../host-info.js';
import type { AvailableResource, HostStats } from '../types.js';
import type { LibvirtGuest, LibvirtHost } from './host.js';

const GiB = 1024 ** 3;

/** Host resources (as Grizzly's libvirt driver computes them) and domain counters from `virsh domstats`. */
export class LibvirtStats {
  #version: number | null = null;

  constructor(private readonly host: LibvirtHost) {}

  async #hypervisorVersion(): Promise<number> {
    if (this.#version === null) {
      const out = await this.host.virsh.run(['version']);
      const m = /Running hypervisor:\s*\S+\s+(\d+)\.(\d+)\.(\d+)/.exec(out);
      this.#version = m ? versionNumber([Number(m[1]), Number(m[2]), Number(m[3])]) : 0;
    }
    return this.#version;
  }

  /** Guests of this host whose domain is running (what vcpus_used counts). */
  async #running(): Promise<LibvirtGuest[]> {
    await this.host.ready();
    const running: LibvirtGuest[] = [];
    for (const g of this.host.guests.values()) {
      const state = await this.host.state(g).catch(() => 'shut off');
      if (state === 'running' || state === 'paused' || state === 'idle' || state === 'in shutdown') running.push(g);
    }
    return running;
  }

  async availableResource(nodename: string): Promise<AvailableResource | null> {
    if (nodename !== this.host.options.host) return null;
    const running = await this.#running();
    const mem = hostMemoryMb();
    const disk = await diskUsageGb(this.host.options.instancesPath);
    let overCommit = 0;
    for (const g of this.host.guests.values()) {
      for (const d of g.spec.disks.filter((x) => x.format === 'qcow2')) {
        const info = await imageInfo(d.path).catch(() => null);
        if (info) overCommit += Math.max(0, info.virtualSize - info.actualSize);
      }
    }
    return {
      vcpus: cpus().length,
      memory_mb: mem.total,
      local_gb: disk.total,
      vcpus_used: running.reduce((n, g) => n + g.spec.vcpus, 0),
      memory_mb_used: mem.used,
      local_gb_used: disk.used,
      hypervisor_type: 'QEMU',
      hypervisor_version: await this.#hypervisorVersion(),
      hypervisor_hostname: nodename,
      cpu_info: JSON.stringify(hostCpuInfo()),
      disk_available_least: Math.floor(disk.free - overCommit / GiB),
    };
  }

  async hostStats(): Promise<HostStats> {
    const running = await this.#running();
    const mem = hostMemoryMb();
    const disk = await diskUsageGb(this.host.options.instancesPath);
    return {
      hypervisor_hostname: this.host.options.host,
      vcpus: cpus().length,
      vcpus_used: running.reduce((n, g) => n + g.spec.vcpus, 0),
      cpu_info: hostCpuInfo(),
      disk_total: disk.total,
      disk_used: disk.used,
      disk_available: disk.free,
      host_memory_total: mem.total,
      host_memory_free: mem.free,
      hypervisor_type: 'QEMU',
      hypervisor_version: await this.#hypervisorVersion(),
      supported_instances: [['x86_64', this.host.options.libvirtType, 'hvm']],
    };
  }

  uptime(): Promise<string> {
    return hostUptime();
  }

  /** Grizzly's libvirt diagnostics keys from domstats (cpu, per disk, per interface, memory). */
  async diagnostics(guest: LibvirtGuest): Promise<Record<string, number>> {
    const s = await this.host.virsh.stats(guest.spec.uuid, guest.spec.name);
    const num = (k: string): number => Number(s[k] ?? 0);
    const out: Record<string, number> = {};
    for (let i = 0; i < num('vcpu.current'); i++) out[`cpu${i}_time`] = num(`vcpu.${i}.time`);
    for (let i = 0; i < num('block.count'); i++) {
      const dev = s[`block.${i}.name`];
      if (!dev) continue;
      out[`${dev}_read_req`] = num(`block.${i}.rd.reqs`);
      out[`${dev}_read`] = num(`block.${i}.rd.bytes`);
      out[`${dev}_write_req`] = num(`block.${i}.wr.reqs`);
      out[`${dev}_write`] = num(`block.${i}.wr.bytes`);
      out[`${dev}_errors`] = -1;
    }
    for (let i = 0; i < num('net.count'); i++) {
      const dev = s[`net.${i}.name`];
      if (!dev) continue;
      const pairs: [string, string][] = [
        ['rx', 'rx.bytes'],
        ['rx_packets', 'rx.pkts'],
        ['rx_errors', 'rx.errs'],
        ['rx_drop', 'rx.drop'],
        ['tx', 'tx.bytes'],
        ['tx_packets', 'tx.pkts'],
        ['tx_errors', 'tx.errs'],
        ['tx_drop', 'tx.drop'],
      ];
      for (const [key, stat] of pairs) out[`${dev}_${key}`] = num(`net.${i}.${stat}`);
    }
    out.memory = num('balloon.maximum') || guest.spec.memoryMb * 1024;
    for (const [k, v] of Object.entries(s))
      if (k.startsWith('balloon.') && k !== 'balloon.maximum') out[`memory-${k.slice(8)}`] = Number(v);
    return out;
  }

  async blockStats(guest: LibvirtGuest, diskId: string): Promise<(number | null)[]> {
    const s = await this.host.virsh.stats(guest.spec.uuid, guest.spec.name);
    const dev = diskId.replace(/^\/dev\//, '');
    for (let i = 0; i < Number(s['block.count'] ?? 0); i++) {
      if (s[`block.${i}.name`] !== dev) continue;
      const n = (k: string): number => Number(s[`block.${i}.${k}`] ?? 0);
      return [n('rd.reqs'), n('rd.bytes'), n('wr.reqs'), n('wr.bytes'), -1];
    }
    throw new InvalidInput(`${guest.spec.name} has no disk ${diskId}`);
  }

  async interfaceStats(guest: LibvirtGuest, ifaceId: string): Promise<number[]> {
    const s = await this.host.virsh.stats(guest.spec.uuid, guest.spec.name);
    for (let i = 0; i < Number(s['net.count'] ?? 0); i++) {
      if (s[`net.${i}.name`] !== ifaceId) continue;
      const n = (k: string): number => Number(s[`net.${i}.${k}`] ?? 0);
      return [n('rx.bytes'), n('rx.pkts'), n('rx.errs'), n('rx.drop'), n('tx.bytes'), n('tx.pkts'), n('tx.errs'), n('tx.drop')];
    }
    throw new InvalidInput(`${guest.spec.name} has no interface ${ifaceId}`);
  }
}
