import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { InstanceDiskBuilder } from '../disk/instance-disks.js';
import { type LifecycleEvent, LifecycleTransition, lifecycleEvent } from '../event.js';
import { NoopFirewallDriver } from '../firewall/noop.js';
import type { FirewallDriver } from '../firewall/types.js';
import { firewallInstance } from '../firewalled-driver.js';
import type { GuestSpec } from '../guest-spec.js';
import { kvmUsable } from '../host-info.js';
import { BaseImageCache } from '../imagecache/base-images.js';
import { baseDir, InstancePaths } from '../instance-paths.js';
import { KeyedLock } from '../keyed-lock.js';
import type { NetworkInfo } from '../network-model.js';
import { execute } from '../process-utils.js';
import type { VirtInstance } from '../types.js';
import { buildQemuArgv, type LaunchSettings } from './argv.js';
import type { QemuDriverOptions } from './config.js';
import { powerStateOfStatus, QemuGuest } from './guest.js';
import { GuestFiles, scanGuestDirs } from './guest-files.js';
import { MetadataForwarders } from './metadata-forwarder.js';
import { adoptQemu, launchQemu, pidAlive, type QemuProcess, stopQemu } from './process.js';
import { type CommandRunner, plugNics, runOnHost, unplugNics } from './vif.js';

const log = getLogger('nova.virt.qemu');

/** SeaBIOS reads its serial console port from this fw_cfg file: 0x3f8 (COM1), little-endian. */
const BIOS_SERIAL_FILE = 'bios-serial-port';
const COM1 = Buffer.from([0xf8, 0x03]);
/** A booting guest's first console output (the BIOS banner) is waited for this long at most. */
const FIRST_OUTPUT_MS = 15_000;

/** A free TCP port on loopback, for a forward or a migration listener. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function instanceNotFound(uuid: string): InstanceNotFound {
  return new InstanceNotFound(`Instance ${uuid} could not be found.`, { kwargs: { instance_id: uuid } });
}

/**
 * The QEMU driver's hold on this host's guests: which guests it owns (guest.json says
 * which host owns a directory), the processes running them, launching and stopping
 * QEMU, and the lifecycle events those produce. One operation per guest at a time.
 */
export class QemuHost {
  readonly options: QemuDriverOptions;
  readonly cache: BaseImageCache;
  readonly disks: InstanceDiskBuilder;
  readonly firewall: FirewallDriver;
  readonly run: CommandRunner;
  readonly lock = new KeyedLock();
  readonly hostUuid: string;
  readonly accel: 'kvm' | 'tcg';
  /** Guests this host owns, by uuid. */
  readonly guests = new Map<string, QemuGuest>();
  /** Guests arriving by live migration, by uuid: launched, not yet ours. */
  readonly incoming = new Map<string, QemuGuest>();
  #loaded: Promise<void> | null = null;
  /** Metadata forwarders of user-mode guests, by uuid. */
  readonly #forwarders: MetadataForwarders;
  #emit: (event: LifecycleEvent) => void = () => undefined;
  version: [number, number, number] = [0, 0, 0];

  constructor(options: QemuDriverOptions) {
    this.options = options;
    this.cache = new BaseImageCache(baseDir(options.instancesPath, options.baseDirName), { forceRaw: options.forceRawImages });
    this.disks = new InstanceDiskBuilder(this.cache, options.disks);
    this.firewall = options.firewall ?? new NoopFirewallDriver();
    this.run = options.runCommand ?? runOnHost;
    const h = createHash('sha1').update(`nova-ts:${options.host}`).digest('hex');
    this.hostUuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    this.#forwarders = new MetadataForwarders(options.metadataForward, options.metadataSecret);
    this.accel = options.accel === 'auto' ? (kvmUsable() ? 'kvm' : 'tcg') : options.accel;
  }

  onEvent(emit: (event: LifecycleEvent) => void): void {
    this.#emit = emit;
  }

  paths(uuid: string): InstancePaths {
    return new InstancePaths(this.options.instancesPath, uuid);
  }

  files(uuid: string): GuestFiles {
    return new GuestFiles(this.paths(uuid), this.options.host);
  }

  /** Loads (once) the guests this host owns, re-adopting the QEMU processes still running them. */
  ready(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<void> {
    await mkdir(this.cache.baseDir, { recursive: true });
    try {
      const { stdout } = await execute(this.options.binary, ['--version']);
      const m = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout);
      if (m) this.version = [Number(m[1]), Number(m[2]), Number(m[3])];
    } catch (err) {
      log.error({ err, binary: this.options.binary }, 'cannot run QEMU; guests cannot be started');
    }
    for (const paths of await scanGuestDirs(this.options.instancesPath)) {
      const files = new GuestFiles(paths, this.options.host);
      const spec = await files.readSpec();
      if (!spec || spec.host !== this.options.host) continue;
      const guest = new QemuGuest(files, spec);
      const run = await files.readRun();
      if (run) {
        const proc = await adoptQemu(run.pid, run.qmpSocket);
        if (proc === 'gone') {
          await files.clearRun();
          log.info({ instance_uuid: spec.uuid, pid: run.pid }, 'the guest’s QEMU is gone; it is shut off');
        } else if (proc === 'unreachable') {
          // Its record stays: the process is alive, and a later start will find it again.
          guest.unreachablePid = run.pid;
          log.error(
            { instance_uuid: spec.uuid, pid: run.pid },
            'the guest’s QEMU runs but its monitor does not answer (is another nova-compute holding it?)',
          );
        } else {
          this.#attach(guest, proc, run.sshPort);
          await this.ensureForwarder(guest).catch((err: unknown) =>
            log.error({ instance_uuid: spec.uuid, err }, 'could not listen for the re-adopted guest’s metadata requests'),
          );
          log.info({ instance_uuid: spec.uuid, pid: run.pid }, 're-adopted a running guest');
        }
      }
      this.guests.set(spec.uuid, guest);
    }
  }

  /** The guest of an instance this host owns; InstanceNotFound otherwise. */
  async guest(instance: Pick<VirtInstance, 'uuid'>): Promise<QemuGuest> {
    await this.ready();
    const guest = this.guests.get(instance.uuid);
    if (!guest) throw instanceNotFound(instance.uuid);
    return guest;
  }

  guestByName(name: string): QemuGuest {
    for (const g of this.guests.values()) if (g.spec.name === name) return g;
    throw instanceNotFound(name);
  }

  /** Runs `work` with the guest locked against other operations on it. */
  async withGuest<T>(instance: Pick<VirtInstance, 'uuid'>, work: (guest: QemuGuest) => Promise<T>): Promise<T> {
    await this.guest(instance);
    return this.lock.run(instance.uuid, async () => work(await this.guest(instance)));
  }

  async powerState(guest: QemuGuest): Promise<PowerState> {
    const status = await guest.status();
    if (status !== null) return powerStateOfStatus(status);
    if (guest.unreachablePid !== null && pidAlive(guest.unreachablePid)) return PowerState.NOSTATE;
    return existsSync(guest.files.suspendFile) ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
  }

  launchSettings(guest: QemuGuest, incoming: string | null, metadataSocket: string | null): LaunchSettings {
    const o = this.options;
    return {
      qmpSocket: guest.files.qmpSocket,
      consoleLog: guest.files.paths.consoleLog,
      accel: this.accel,
      machine: o.machine,
      vnc: o.vnc ? { listen: o.vnc.listen, keymap: o.vnc.keymap } : null,
      metadataSocket,
      sshPort: guest.sshPort,
      restrictUserNetwork: o.restrictUserNetwork,
      incoming,
      hostUuid: this.hostUuid,
      biosSerialPortFile: o.biosSerialConsole ? guest.files.paths.file(BIOS_SERIAL_FILE) : null,
    };
  }

  /**
   * Launches QEMU for a guest (its current spec) and waits until it runs, or, with
   * `incoming`, until it listens for the state to arrive.
   */
  async start(guest: QemuGuest, incoming: string | null = null): Promise<void> {
    const files = guest.files;
    await mkdir(dirname(files.qmpSocket), { recursive: true });
    await rm(files.qmpSocket, { force: true });
    if (!existsSync(files.paths.consoleLog)) await writeFile(files.paths.consoleLog, '');
    if (this.options.biosSerialConsole) await writeFile(files.paths.file(BIOS_SERIAL_FILE), COM1);
    const consoleBefore = (await stat(files.paths.consoleLog)).size;
    const userNet = guest.spec.nics.some((n) => n.mode === 'user');
    guest.sshPort = userNet && this.options.sshForward ? await freePort() : null;
    const metadataSocket = await this.ensureForwarder(guest);
    const argv = buildQemuArgv(guest.spec, this.launchSettings(guest, incoming, metadataSocket));
    const proc = await launchQemu(this.options.binary, argv, {
      qmpSocket: files.qmpSocket,
      logFile: files.qemuLog,
      timeoutMs: this.options.launchTimeoutSeconds * 1000,
    });
    await files.writeRun({ pid: proc.pid, qmpSocket: files.qmpSocket, sshPort: guest.sshPort, launchedAt: new Date().toISOString() });
    this.#attach(guest, proc, guest.sshPort);
    // Migrations are local (a file or loopback): QEMU's default 32 MiB/s cap only slows them.
    await proc.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 2 ** 40 }).catch(() => undefined);
    if (incoming) return;
    await this.waitForStatus(guest, (s) => s === 'running', 10_000);
    if (this.options.biosSerialConsole) await this.#firstOutput(guest, consoleBefore);
    if (guest.sshPort) log.info({ instance_uuid: guest.uuid, ssh_port: guest.sshPort }, 'guest SSH forwarded from 127.0.0.1');
    this.#emit(lifecycleEvent(guest.uuid, LifecycleTransition.STARTED));
  }

  /** Waits (bounded) until a booting guest has written to its console, so its console log is never empty once it runs. */
  async #firstOutput(guest: QemuGuest, sizeBefore: number): Promise<void> {
    const deadline = Date.now() + FIRST_OUTPUT_MS;
    while (Date.now() < deadline && guest.alive) {
      if ((await stat(guest.files.paths.consoleLog)).size > sizeBefore) return;
      await sleep(20);
    }
  }

  /**
   * Starts the guest's metadata forwarder unless it runs; returns its socket, or null when
   * the guest has no user-mode NIC or no metadata service is configured.
   */
  ensureForwarder(guest: QemuGuest): Promise<string | null> {
    return this.#forwarders.ensure(guest.spec, guest.files.metadataSocket);
  }

  /** Stops the guest's metadata forwarder (its guest is gone from this host). */
  closeForwarder(uuid: string): Promise<void> {
    return this.#forwarders.close(uuid);
  }

  /** Stops every metadata forwarder (nova-compute is going away; the next one listens again). */
  closeForwarders(): Promise<void> {
    return this.#forwarders.closeAll();
  }

  /** Ends the guest's QEMU (quit, then SIGKILL) and forgets the launch. */
  async stop(guest: QemuGuest): Promise<void> {
    const proc = guest.proc;
    if (proc) await stopQemu(proc);
    guest.proc = null;
    guest.sshPort = null;
    await guest.files.clearRun();
  }

  /** Polls `query-status` until `done` holds; false after `timeoutMs` or when QEMU is gone. */
  async waitForStatus(guest: QemuGuest, done: (status: string) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await guest.status();
      if (status !== null && done(status)) return true;
      if (status === null || Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  #attach(guest: QemuGuest, proc: QemuProcess, sshPort: number | null): void {
    guest.proc = proc;
    guest.sshPort = sshPort;
    proc.qmp.on('event', (e) => {
      const transition =
        e.event === 'STOP'
          ? LifecycleTransition.PAUSED
          : e.event === 'RESUME'
            ? LifecycleTransition.RESUMED
            : e.event === 'SHUTDOWN'
              ? LifecycleTransition.STOPPED
              : null;
      if (transition !== null) this.#emit(lifecycleEvent(guest.uuid, transition));
    });
    void proc.exited.then(async () => {
      if (guest.proc !== proc) return;
      guest.proc = null;
      guest.sshPort = null;
      log.info({ instance_uuid: guest.uuid, pid: proc.pid }, 'guest QEMU exited');
      proc.qmp.close();
      await guest.files.clearRun();
      this.#emit(lifecycleEvent(guest.uuid, LifecycleTransition.STOPPED));
    });
  }

  /** Taps into their bridges and the firewall's rules, before QEMU starts. */
  async plugAndFilter(instance: VirtInstance, spec: GuestSpec, networkInfo: NetworkInfo): Promise<void> {
    await plugNics(spec.nics, this.run);
    const fw = firewallInstance(instance);
    await this.firewall.setupBasicFiltering(fw, networkInfo);
    await this.firewall.prepareInstanceFilter(fw, networkInfo);
  }

  async unplugAndUnfilter(instance: VirtInstance, spec: GuestSpec | null, networkInfo: NetworkInfo): Promise<void> {
    if (spec) await unplugNics(spec.nics, this.run);
    await this.firewall.unfilterInstance(firewallInstance(instance), networkInfo);
  }

  /** Lets go of every monitor connection without touching the guests (as a nova-compute that exits). */
  detach(): void {
    for (const guest of [...this.guests.values(), ...this.incoming.values()]) {
      const proc = guest.proc;
      guest.proc = null;
      proc?.qmp.close();
    }
    void this.closeForwarders();
    this.guests.clear();
    this.incoming.clear();
    this.#loaded = null;
  }
}
