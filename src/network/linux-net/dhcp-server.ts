/**
 * dnsmasq and radvd per network (docs/network.md): their files written, the daemon
 * started, reloaded with SIGHUP when only its host files changed, restarted when its command
 * line would change, and killed by the pid in its pid file.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { getLogger } from '../../common/log.js';
import {
  type DnsmasqOptions,
  dhcpFile,
  dhcpHostsText,
  dhcpOptsText,
  dnsHostsText,
  dnsmasqArgv,
  dnsmasqEnvironment,
  radvdConfig,
  raFile,
} from './dnsmasq.js';
import type { CommandExecutor } from './executor.js';
import type { IptablesManager } from './iptables/manager.js';
import { type ProcessTable, procfs, readPidFile, waitForExit } from './processes.js';
import { dhcpChecksumRule, dnsmasqAcceptRules } from './rules.js';
import type { DhcpHost, DnsHost, HostNetwork } from './types.js';

const log = getLogger('nova.network.linux_net.dhcp');

export interface DhcpServerDeps {
  executor: CommandExecutor;
  /** nova-network's iptables: accept rules for DHCP/DNS, the DHCP checksum rule. */
  iptables: IptablesManager;
  options: DnsmasqOptions;
  processes?: ProcessTable;
  /** Whether guests use vhost-net, whose DHCP replies need their checksum filled (multi_host). */
  vhostNet?: () => boolean;
}

export class DhcpServers {
  readonly #executor: CommandExecutor;
  readonly #iptables: IptablesManager;
  readonly #o: DnsmasqOptions;
  readonly #processes: ProcessTable;
  readonly #vhostNet: () => boolean;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: DhcpServerDeps) {
    this.#executor = deps.executor;
    this.#iptables = deps.iptables;
    this.#o = deps.options;
    this.#processes = deps.processes ?? procfs;
    this.#vhostNet = deps.vhostNet ?? (() => false);
  }

  // One start/restart at a time: two would race on the pid file (Grizzly's dnsmasq_start lock).
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => undefined);
    return next;
  }

  async #write(path: string, text: string): Promise<void> {
    await mkdir(this.#o.networksPath, { recursive: true, mode: 0o755 });
    await writeFile(path, text);
    // dnsmasq and radvd read their files after dropping to `nobody`.
    await chmod(path, 0o644);
  }

  /** Writes the network's DHCP hosts and (re)starts its dnsmasq. */
  async update(dev: string, network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void> {
    await this.#write(dhcpFile(this.#o.networksPath, dev, 'conf'), dhcpHostsText(hosts, this.#o.domain, this.#o.useSingleDefaultGateway));
    if (this.#o.useSingleDefaultGateway) await this.#write(dhcpFile(this.#o.networksPath, dev, 'opts'), dhcpOptsText(hosts));
    await this.restart(dev, network);
  }

  /** Writes the network's DNS hosts and (re)starts its dnsmasq. */
  async updateDns(dev: string, network: HostNetwork, hosts: readonly DnsHost[]): Promise<void> {
    await this.#write(dhcpFile(this.#o.networksPath, dev, 'hosts'), dnsHostsText(hosts, this.#o.domain));
    await this.restart(dev, network);
  }

  /**
   * HUPs a running dnsmasq of this device when its command line is what it would be started
   * with now (SIGHUP rereads the host files only); otherwise stops it and starts a new one.
   */
  restart(dev: string, network: HostNetwork): Promise<void> {
    return this.#locked(async () => {
      const argv = dnsmasqArgv(dev, network, this.#o);
      const conf = dhcpFile(this.#o.networksPath, dev, 'conf');
      await mkdir(this.#o.networksPath, { recursive: true, mode: 0o755 });
      if (network.multiHost && this.#vhostNet()) {
        const [chain, rule] = dhcpChecksumRule(dev);
        this.#iptables.ipv4.mangle.addRule(chain, rule);
      }
      const pid = await readPidFile(dhcpFile(this.#o.networksPath, dev, 'pid'));
      const running = pid === null ? null : await this.#ours(pid, conf);
      if (pid !== null && running) {
        if (sameArgs(running, argv)) {
          await this.#executor.run(['kill', '-HUP', String(pid)]);
          await this.#acceptRules(dev, true);
          return;
        }
        log.info({ dev, pid }, 'dnsmasq arguments changed; restarting it');
        await this.#stop(pid);
      } else if (pid !== null) {
        log.debug({ dev, pid }, 'stale dnsmasq pid file; launching dnsmasq');
      }
      await this.#executor.run(['env', ...dnsmasqEnvironment(network, this.#o), ...argv]);
      await this.#acceptRules(dev, true);
    });
  }

  /** Kills the device's dnsmasq (if the pid file names one of ours) and drops its rules. */
  kill(dev: string): Promise<void> {
    return this.#locked(async () => {
      const pidFile = dhcpFile(this.#o.networksPath, dev, 'pid');
      const pid = await readPidFile(pidFile);
      if (pid !== null && (await this.#ours(pid, dhcpFile(this.#o.networksPath, dev, 'conf')))) await this.#stop(pid);
      else if (pid !== null) log.debug({ dev, pid }, 'stale dnsmasq pid file; nothing to kill');
      await this.#acceptRules(dev, false);
    });
  }

  /** Makes dnsmasq forget a lease at once (`dhcp_release`, from dnsmasq-utils). */
  async release(dev: string, address: string, mac: string): Promise<void> {
    await this.#executor.run(['dhcp_release', dev, address, mac]);
  }

  /** Writes the radvd configuration of a network's IPv6 prefix and (re)starts radvd. */
  updateRa(dev: string, network: HostNetwork): Promise<void> {
    return this.#locked(async () => {
      if (!network.cidrV6) return;
      const conf = raFile(this.#o.networksPath, dev, 'conf');
      await this.#write(conf, radvdConfig(dev, network.cidrV6));
      const pidFile = raFile(this.#o.networksPath, dev, 'pid');
      const pid = await readPidFile(pidFile);
      if (pid !== null && (await this.#ours(pid, conf))) await this.#stop(pid, 'TERM');
      await this.#executor.run(['radvd', '-C', conf, '-p', pidFile]);
    });
  }

  /** Kills the device's radvd, if running. */
  killRa(dev: string): Promise<void> {
    return this.#locked(async () => {
      const pid = await readPidFile(raFile(this.#o.networksPath, dev, 'pid'));
      if (pid !== null && (await this.#ours(pid, raFile(this.#o.networksPath, dev, 'conf')))) await this.#stop(pid, 'TERM');
    });
  }

  /** The argv of `pid` when it is a daemon of ours, recognised by its config file's name. */
  async #ours(pid: number, file: string): Promise<string[] | null> {
    const argv = await this.#processes.cmdline(pid);
    const name = basename(file);
    return argv?.some((arg) => arg.includes(name)) ? argv : null;
  }

  async #stop(pid: number, signal: 'KILL' | 'TERM' = 'KILL'): Promise<void> {
    await this.#executor.run(['kill', `-${signal}`, String(pid)], { allowedExitCodes: 'any' });
    // A new daemon can bind the same address only once the old one is gone.
    if (!(await waitForExit(this.#processes, pid))) log.warn({ pid }, 'daemon still running after kill');
  }

  async #acceptRules(dev: string, on: boolean): Promise<void> {
    const filter = this.#iptables.ipv4.filter;
    for (const [chain, rule] of dnsmasqAcceptRules(dev)) {
      if (on) filter.addRule(chain, rule);
      else filter.removeRule(chain, rule);
    }
    if (!on) {
      const [chain, rule] = dhcpChecksumRule(dev);
      this.#iptables.ipv4.mangle.removeRule(chain, rule);
    }
    await this.#iptables.apply();
  }
}

/** Whether a running daemon's argv is the one it would be started with (program name aside). */
function sameArgs(running: readonly string[], wanted: readonly string[]): boolean {
  const a = running.slice(1);
  const b = wanted.slice(1);
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}
