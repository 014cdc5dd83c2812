import { getLogger } from '../common/log.js';
import { adminContext, type RequestContext } from '../context/context.js';

const log = getLogger('nova.manager');

export interface PeriodicTaskSpec {
  name: string;
  /** Seconds between runs; 0 runs on every pass. A negative spacing registers nothing. */
  spacing: number;
  runImmediately?: boolean;
  /** Tasks safe to run in more than one process; off when run_external_periodic_tasks is false. */
  externalProcessOk?: boolean;
  run: (ctx: RequestContext) => Promise<void>;
}

interface TaskState {
  spec: PeriodicTaskSpec;
  /** Seconds since the epoch; null until the first pass, which starts the count. */
  lastRun: number | null;
}

/** Longest sleep between passes, whatever the tasks' spacing. */
const MAX_IDLE_SECONDS = 60;
/** A task this close to due is run now rather than after another sleep. */
const DUE_SLACK_SECONDS = 0.2;

/**
 * The host side of a service: it implements its topic's RPC contract (the methods named
 * as on the wire, see rpc/contract.ts), and its periodic tasks keep the world consistent.
 */
export abstract class Manager {
  readonly host: string;
  readonly #tasks: TaskState[] = [];
  #runExternalTasks = true;

  constructor(host: string) {
    this.host = host;
  }

  /** Called before the service record exists and before consuming: reconcile local state. */
  async initHost(): Promise<void> {}
  /** Called after the service record exists, before consumers start. */
  async preStartHook(): Promise<void> {}
  /** Called once consumers run. */
  async postStartHook(): Promise<void> {}
  /** Called when the service stops, after consumers stopped. */
  async cleanupHost(): Promise<void> {}

  setRunExternalTasks(enabled: boolean): void {
    this.#runExternalTasks = enabled;
  }

  protected addPeriodicTask(spec: PeriodicTaskSpec): void {
    if (spec.spacing < 0) return;
    // Without run_immediately the first run waits one spacing, as in Nova; counted from the
    // first pass, on the service's clock, rather than from when the manager was built.
    this.#tasks.push({ spec, lastRun: spec.runImmediately ? 0 : null });
  }

  periodicTaskNames(): string[] {
    return this.#tasks.map((t) => t.spec.name);
  }

  /**
   * Runs every task that is due, logging and swallowing failures so one broken task
   * never stops the others, and returns how long the caller may sleep.
   */
  async runPeriodicTasks(ctx: RequestContext = adminContext(), now: () => number = () => Date.now() / 1000): Promise<number> {
    let idle = MAX_IDLE_SECONDS;
    for (const task of this.#tasks) {
      if (task.spec.externalProcessOk && !this.#runExternalTasks) continue;
      const spacing = task.spec.spacing;
      task.lastRun ??= now();
      const untilDue = task.lastRun + spacing - now();
      if (spacing === 0 || untilDue <= DUE_SLACK_SECONDS) {
        task.lastRun = now();
        try {
          await task.spec.run(ctx);
        } catch (err) {
          log.error({ err, task: task.spec.name }, 'periodic task failed');
        }
        if (spacing > 0) idle = Math.min(idle, spacing);
      } else {
        idle = Math.min(idle, untilDue);
      }
    }
    return Math.max(0, idle);
  }
}
