import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { getLogger } from '../../common/log.js';
import { LifecycleTransition } from '../event.js';

const log = getLogger('nova.virt.libvirt');

/** libvirt lifecycle event names → Nova's transitions (Grizzly maps the same four). */
const TRANSITIONS: Record<string, LifecycleTransition> = {
  Started: LifecycleTransition.STARTED,
  Stopped: LifecycleTransition.STOPPED,
  Suspended: LifecycleTransition.PAUSED,
  Resumed: LifecycleTransition.RESUMED,
};

/**
 * Follows `virsh event --loop` for domain lifecycle events and hands each one, by domain
 * name, to `onEvent`. Started once; `stop` ends the virsh child.
 */
export class LibvirtEventStream {
  #child: ChildProcess | null = null;

  constructor(
    readonly uri: string,
    readonly onEvent: (domain: string, transition: LifecycleTransition) => void,
  ) {}

  start(): void {
    if (this.#child) return;
    const child = spawn('virsh', ['-q', '-c', this.uri, 'event', '--all', '--loop', '--event', 'lifecycle'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.#child = child;
    child.on('error', (err) => log.warn({ err }, 'cannot follow libvirt events'));
    child.on('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    // Following events must not keep a process alive that is otherwise done.
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      // event 'lifecycle' for domain 'instance-0000002a': Stopped Destroyed
      const m = /for domain '?([^':]+)'?: (\w+)/.exec(line);
      const transition = m ? TRANSITIONS[m[2] as string] : undefined;
      if (m && transition !== undefined) this.onEvent(m[1] as string, transition);
    });
  }

  stop(): void {
    const child = this.#child;
    this.#child = null;
    if (child?.pid) child.kill();
  }
}
