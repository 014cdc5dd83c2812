import { accessSync, constants, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus } from 'node:os';
import { execute } from './process-utils.js';

const GiB = 1024 ** 3;

/** `/proc/meminfo` in KiB by key. */
export function memInfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** Total and used host memory in MiB; used = total − (free + buffers + cached), as Grizzly's libvirt driver counts it. */
export function hostMemoryMb(): { total: number; used: number; free: number } {
  const mi = memInfo();
  const total = Math.floor((mi.MemTotal ?? 0) / 1024);
  const free = Math.floor(((mi.MemFree ?? 0) + (mi.Buffers ?? 0) + (mi.Cached ?? 0)) / 1024);
  return { total, used: total - free, free };
}

/** Size and use of the filesystem holding `path`, in GiB (floored, as Grizzly reports local_gb). */
export async function diskUsageGb(path: string): Promise<{ total: number; used: number; free: number }> {
  const s = await statfs(path);
  const total = (s.blocks * s.bsize) / GiB;
  const free = (s.bavail * s.bsize) / GiB;
  const used = ((s.blocks - s.bfree) * s.bsize) / GiB;
  return { total: Math.floor(total), used: Math.floor(used), free: Math.floor(free) };
}

export interface CpuInfo {
  arch: string;
  model: string;
  vendor: string;
  topology: { sockets: number; cores: number; threads: number };
  features: string[];
}

/** The host CPU in the shape libvirt's cpu_info JSON has (arch, model, vendor, topology, features). */
export function hostCpuInfo(): CpuInfo {
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const logical = cpus().length || 1;
  const sockets = new Set([...text.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1])).size || 1;
  const coresPerSocket = Number(field('cpu cores') ?? logical) || logical;
  const threads = Math.max(1, Math.round(logical / (sockets * coresPerSocket)));
  const vendorId = field('vendor_id') ?? 'unknown';
  return {
    arch: process.arch === 'x64' ? 'x86_64' : process.arch,
    model: field('model name') ?? 'unknown',
    vendor: vendorId === 'GenuineIntel' ? 'Intel' : vendorId === 'AuthenticAMD' ? 'AMD' : vendorId,
    topology: { sockets, cores: coresPerSocket, threads },
    features: (field('flags') ?? '').split(/\s+/).filter(Boolean).sort(),
  };
}

/** Hardware virtualisation is usable: /dev/kvm opens read-write and the CPU advertises vmx or svm. */
export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

/** `uptime`'s line, as os-hosts shows it. */
export async function hostUptime(): Promise<string> {
  return (await execute('uptime', [])).stdout.trimEnd();
}

/** Hypervisor version as Nova stores it: major * 1000000 + minor * 1000 + micro. */
export function versionNumber(v: readonly [number, number, number] | { major: number; minor: number; micro: number }): number {
  const [major, minor, micro] = Array.isArray(v)
    ? v
    : [(v as { major: number }).major, (v as { minor: number }).minor, (v as { micro: number }).micro];
  return major * 1_000_000 + minor * 1000 + micro;
}
