import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { InvalidInput } from '../../common/errors.js';
import { imageInfo } from '../disk/qemu-img.js';
import { diskUsageGb, hostCpuInfo, hostMemoryMb, hostUptime, versionNumber } from '../host-info.js';
import type { AvailableResource, HostStats } from '../types.js';
import type { QemuGuest } from './guest.js';
import type { QemuHost } from './host.js';

const GiB = 1024 ** 3;

interface BlockStatsEntry {
  'node-name'?: string;
  qdev?: string;
  stats: { rd_operations: number; rd_bytes: number; wr_operations: number; wr_bytes: number };
}

/** Counters of a tap from the host's side; a guest receives what the tap sends, hence the swap. */
function tapCounters(tap: string): number[] {
  const read = (name: string): number => {
    try {
      return Number(readFileSync(`/sys/class/net/${tap}/statistics/${name}`, 'utf8').trim());
    } catch {
      return 0;
    }
  };
  return [
    read('tx_bytes'),
    read('tx_packets'),
    read('tx_errors'),
    read('tx_dropped'),
    read('rx_bytes'),
    read('rx_packets'),
    read('rx_errors'),
    read('rx_dropped'),
  ];
}

/** Host resources and guest counters of the QEMU driver, read from /proc, statvfs and QMP. */
export class QemuStats {
  constructor(private readonly host: QemuHost) {}

  async #running(): Promise<QemuGuest[]> {
    await this.host.ready();
    return [...this.host.guests.values()].filter((g) => g.alive);
  }

  /** Bytes the guests' qcow2 disks may still grow by (virtual − allocated), as disk_available_least subtracts. */
  async #overCommitBytes(): Promise<number> {
    let total = 0;
    for (const guest of this.host.guests.values()) {
      for (const disk of guest.spec.disks) {
        if (disk.format !== 'qcow2') continue;
        try {
          const info = await imageInfo(disk.path);
          total += Math.max(0, info.virtualSize - info.actualSize);
        } catch {
          // A disk that went away frees rather than commits space.
        }
      }
    }
    return total;
  }

  async availableResource(nodename: string): Promise<AvailableResource | null> {
    if (nodename !== this.host.options.host) return null;
    const running = await this.#running();
    const mem = hostMemoryMb();
    const disk = await diskUsageGb(this.host.options.instancesPath);
    return {
      vcpus: cpus().length,
      memory_mb: mem.total,
      local_gb: disk.total,
      vcpus_used: running.reduce((n, g) => n + g.spec.vcpus, 0),
      memory_mb_used: mem.used,
      local_gb_used: disk.used,
      hypervisor_type: 'QEMU',
      hypervisor_version: versionNumber(this.host.version),
      hypervisor_hostname: nodename,
      cpu_info: JSON.stringify(hostCpuInfo()),
      disk_available_least: Math.floor(disk.free - (await this.#overCommitBytes()) / GiB),
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
      hypervisor_version: versionNumber(this.host.version),
      supported_instances: [['x86_64', this.host.accel === 'kvm' ? 'kvm' : 'qemu', 'hvm']],
    };
  }

  uptime(): Promise<string> {
    return hostUptime();
  }

  async #blockStats(guest: QemuGuest): Promise<BlockStatsEntry[]> {
    if (!guest.proc || guest.proc.qmp.closed) return [];
    return guest.proc.qmp.execute<BlockStatsEntry[]>('query-blockstats', { 'query-nodes': false });
  }

  /** Libvirt's diagnostics keys: cpuN_time, memory, <disk>_read/_write(_req)/_errors, <tap>_rx/_tx… */
  async diagnostics(guest: QemuGuest): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const cpu = await guest.cpuTimeNs();
    for (let i = 0; i < guest.spec.vcpus; i++) out[`cpu${i}_time`] = Math.round(cpu / guest.spec.vcpus);
    out.memory = guest.spec.memoryMb * 1024;
    for (const entry of await this.#blockStats(guest)) {
      const dev = entry['node-name'] || /peripheral\/(\w+)-dev/.exec(entry.qdev ?? '')?.[1];
      if (!dev) continue;
      out[`${dev}_read_req`] = entry.stats.rd_operations;
      out[`${dev}_read`] = entry.stats.rd_bytes;
      out[`${dev}_write_req`] = entry.stats.wr_operations;
      out[`${dev}_write`] = entry.stats.wr_bytes;
      out[`${dev}_errors`] = -1;
    }
    for (const nic of guest.spec.nics) {
      if (!nic.tap) continue;
      const c = tapCounters(nic.tap);
      const keys = ['rx', 'rx_packets', 'rx_errors', 'rx_drop', 'tx', 'tx_packets', 'tx_errors', 'tx_drop'];
      keys.forEach((k, i) => {
        out[`${nic.tap}_${k}`] = c[i] as number;
      });
    }
    return out;
  }

  async blockStats(guest: QemuGuest, diskId: string): Promise<(number | null)[]> {
    const dev = diskId.replace(/^\/dev\//, '');
    for (const entry of await this.#blockStats(guest)) {
      const name = entry['node-name'] || /peripheral\/(\w+)-dev/.exec(entry.qdev ?? '')?.[1];
      if (name === dev) return [entry.stats.rd_operations, entry.stats.rd_bytes, entry.stats.wr_operations, entry.stats.wr_bytes, -1];
    }
    throw new InvalidInput(`${guest.spec.name} has no disk ${diskId}`);
  }

  async interfaceStats(guest: QemuGuest, ifaceId: string): Promise<number[]> {
    const nic = guest.spec.nics.find((n) => n.tap === ifaceId || n.vifId === ifaceId || n.mac === ifaceId);
    if (!nic?.tap) throw new InvalidInput(`${guest.spec.name} has no tap interface ${ifaceId}`);
    return tapCounters(nic.tap);
  }
}
