import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { InstanceDiskBuilder } from '../disk/instance-disks.js';
import { type LifecycleEvent, lifecycleEvent } from '../event.js';
import { NoopFirewallDriver } from '../firewall/noop.js';
import type { FirewallDriver } from '../firewall/types.js';
import { firewallInstance } from '../firewalled-driver.js';
import type { GuestSpec } from '../guest-spec.js';
import { BaseImageCache } from '../imagecache/base-images.js';
import { baseDir, InstancePaths } from '../instance-paths.js';
import { KeyedLock } from '../keyed-lock.js';
import type { NetworkInfo } from '../network-model.js';
import { GuestFiles, scanGuestDirs } from '../qemu/guest-files.js';
import { MetadataForwarders } from '../qemu/metadata-forwarder.js';
import { type CommandRunner, runOnHost, unplugNics } from '../qemu/vif.js';
import type { VirtInstance } from '../types.js';
import type { LibvirtDriverOptions } from './config.js';
import { domainXml } from './domain-xml.js';
import { LibvirtEventStream } from './events.js';
import { type DomainState, Virsh } from './virsh.js';

const log = getLogger('nova.virt.libvirt');

const BIOS_SERIAL_FILE = 'bios-serial-port';
const COM1 = Buffer.from([0xf8, 0x03]);

/** libvirt domain state (+ managed save) → Nova power state (Grizzly's LIBVIRT_POWER_STATE). */
export function powerStateOfDomain(state: DomainState, managedSave: boolean): PowerState {
  switch (state) {
    case 'running':
    case 'idle':
    case 'in shutdown':
      return PowerState.RUNNING;
    case 'paused':
      return PowerState.PAUSED;
    case 'crashed':
      return PowerState.CRASHED;
    case 'pmsuspended':
      return PowerState.SUSPENDED;
    case 'shut off':
    case 'dying':
      return managedSave ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
    default:
      return PowerState.NOSTATE;
  }
}

/** One guest of the libvirt driver: its files and the spec its domain XML is made from. */
export interface LibvirtGuest {
  files: GuestFiles;
  spec: GuestSpec;
}

/**
 * The libvirt driver's hold on this host's guests: ownership by guest.json (so several
 * compute hosts, even on one libvirtd, each see only their own), the domain XML written
 * as libvirt.xml and defined through virsh, and libvirt's lifecycle events.
 */
export class LibvirtHost {
  readonly options: LibvirtDriverOptions;
  readonly virsh: Virsh;
  readonly cache: BaseImageCache;
  readonly disks: InstanceDiskBuilder;
  readonly firewall: FirewallDriver;
  readonly run: CommandRunner;
  readonly lock = new KeyedLock();
  readonly guests = new Map<string, LibvirtGuest>();
  readonly hostUuid: string;
  /** Metadata forwarders of user-mode guests (libvirt's QEMU runs them as root with seccomp off: scripts/start-libvirtd.sh). */
  readonly forwarders: MetadataForwarders;
  #events: LibvirtEventStream;
  #emit: (event: LifecycleEvent) => void = () => undefined;
  #loaded: Promise<void> | null = null;
  #diskCache: 'none' | 'writethrough' = 'writethrough';

  constructor(options: LibvirtDriverOptions) {
    this.options = options;
    this.virsh = new Virsh(options.uri);
    this.cache = new BaseImageCache(baseDir(options.instancesPath, options.baseDirName), { forceRaw: options.forceRawImages });
    this.disks = new InstanceDiskBuilder(this.cache, options.disks);
    this.firewall = options.firewall ?? new NoopFirewallDriver();
    this.run = options.runCommand ?? runOnHost;
    this.forwarders = new MetadataForwarders(options.metadataForward, options.metadataSecret);
    const h = createHash('sha1').update(`nova-ts:${options.host}`).digest('hex');
    this.hostUuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    this.#events = new LibvirtEventStream(options.uri, (name, transition) => {
      for (const g of this.guests.values()) if (g.spec.name === name) this.#emit(lifecycleEvent(g.spec.uuid, transition));
    });
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

  ready(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<void> {
    await mkdir(this.cache.baseDir, { recursive: true });
    this.#diskCache = (await supportsDirectIo(this.options.instancesPath)) ? 'none' : 'writethrough';
    for (const paths of await scanGuestDirs(this.options.instancesPath)) {
      const files = new GuestFiles(paths, this.options.host);
      const spec = await files.readSpec();
      if (!spec || spec.host !== this.options.host) continue;
      this.guests.set(spec.uuid, { files, spec });
      await this.forwarders
        .ensure(spec, files.metadataSocket)
        .catch((err: unknown) => log.error({ instance_uuid: spec.uuid, err }, 'could not listen for the guest’s metadata requests'));
    }
    this.#events.start();
  }

  async guest(instance: Pick<VirtInstance, 'uuid'>): Promise<LibvirtGuest> {
    await this.ready();
    const guest = this.guests.get(instance.uuid);
    if (!guest) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
    return guest;
  }

  guestByName(name: string): LibvirtGuest {
    for (const g of this.guests.values()) if (g.spec.name === name) return g;
    throw new InstanceNotFound(`Instance ${name} could not be found.`, { kwargs: { instance_id: name } });
  }

  async withGuest<T>(instance: Pick<VirtInstance, 'uuid'>, work: (guest: LibvirtGuest) => Promise<T>): Promise<T> {
    await this.guest(instance);
    return this.lock.run(instance.uuid, async () => work(await this.guest(instance)));
  }

  async state(guest: LibvirtGuest): Promise<DomainState> {
    return this.virsh.state(guest.spec.uuid, guest.spec.name);
  }

  async powerState(guest: LibvirtGuest): Promise<PowerState> {
    const info = await this.virsh.info(guest.spec.uuid, guest.spec.name);
    return powerStateOfDomain(info.state, info.managedSave);
  }

  /** Writes libvirt.xml from the spec and (re)defines the domain. */
  async define(guest: LibvirtGuest): Promise<void> {
    const paths = guest.files.paths;
    const biosFile = this.options.biosSerialConsole ? paths.file(BIOS_SERIAL_FILE) : null;
    if (biosFile) await writeFile(biosFile, COM1);
    if (!existsSync(paths.consoleLog)) await writeFile(paths.consoleLog, '');
    const xml = domainXml(guest.spec, {
      type: this.options.libvirtType,
      cpuMode: this.options.cpuMode,
      cpuModel: this.options.cpuModel,
      vnc: this.options.vnc,
      useUsbTablet: this.options.useUsbTablet,
      useVirtio: this.options.useVirtioForBridges,
      consoleLog: paths.consoleLog,
      diskCache: this.#diskCache,
      metadataSocket: await this.forwarders.ensure(guest.spec, guest.files.metadataSocket),
      biosSerialPortFile: biosFile,
      hostUuid: this.hostUuid,
    });
    const file = paths.file('libvirt.xml');
    await writeFile(file, xml);
    await this.virsh.run(['define', file]);
  }

  /** Starts the defined domain (restoring a managed save when there is one) and waits until it runs. */
  async start(guest: LibvirtGuest): Promise<void> {
    await this.virsh.onDomain(guest.spec.uuid, ['start', guest.spec.name]);
    await this.waitForState(guest, (s) => s === 'running', 30_000);
  }

  /** Forces the domain off (`virsh destroy`); a domain already off is fine. */
  async destroyDomain(guest: LibvirtGuest): Promise<void> {
    const state = await this.state(guest).catch(() => 'shut off' as DomainState);
    if (state !== 'shut off') {
      await this.virsh.run(['destroy', guest.spec.name]).catch((err: unknown) => {
        if (!/not running|domain is not running/i.test(String((err as Error).message))) throw err;
      });
      await this.waitForState(guest, (s) => s === 'shut off', 30_000);
    }
  }

  async undefine(name: string): Promise<void> {
    if (await this.virsh.exists(name)) await this.virsh.run(['undefine', name, '--managed-save']);
  }

  async waitForState(guest: LibvirtGuest, done: (s: DomainState) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.state(guest).catch(() => null);
      if (state !== null && done(state)) return true;
      if (Date.now() > deadline) return false;
      await sleep(200);
    }
  }

  async plugAndFilter(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    const fw = firewallInstance(instance);
    await this.firewall.setupBasicFiltering(fw, networkInfo);
    await this.firewall.prepareInstanceFilter(fw, networkInfo);
  }

  async unplugAndUnfilter(instance: VirtInstance, spec: GuestSpec | null, networkInfo: NetworkInfo): Promise<void> {
    // libvirt removes the taps it created with the domain; leftovers of a crash go here.
    if (spec)
      await unplugNics(spec.nics, async (cmd, args) => {
        const dev = args[2] as string;
        if (existsSync(`/sys/class/net/${dev}`)) await this.run(cmd, args);
      });
    await this.firewall.unfilterInstance(firewallInstance(instance), networkInfo);
  }

  /** Stops following libvirt events (the driver is being let go). */
  detach(): void {
    void this.forwarders.closeAll();
    this.#events.stop();
    this.guests.clear();
    this.#loaded = null;
  }

  /** Writes a marker into the spec's directory for shared-storage checks between hosts. */
  async sharedStorageMarker(): Promise<string> {
    const name = `${createHash('sha1').update(`${Date.now()}-${Math.random()}`).digest('hex').slice(0, 16)}.tmp`;
    await writeFile(join(this.options.instancesPath, name), '');
    return name;
  }

  async removeMarker(name: unknown): Promise<void> {
    if (typeof name === 'string' && /^[0-9a-f]{16}\.tmp$/.test(name)) await rm(join(this.options.instancesPath, name), { force: true });
  }
}

/** Whether files in `dir` can be opened with O_DIRECT (tmpfs cannot), which `cache='none'` needs. */
async function supportsDirectIo(dir: string): Promise<boolean> {
  const probe = join(dir, `.directio.${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(probe, constants.O_CREAT | constants.O_WRONLY | constants.O_DIRECT, 0o600);
    await handle.close();
    return true;
  } catch (err) {
    log.debug({ err, dir }, 'no O_DIRECT here; disks use cache=writethrough');
    return false;
  } finally {
    await rm(probe, { force: true });
  }
}
