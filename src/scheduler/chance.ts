import { NoValidHost } from '../common/errors.js';
import { serviceIsUp } from '../servicegroup/db-driver.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { FilterProperties, RequestSpec } from './types.js';

export interface ChanceSchedulerOptions {
  random?: () => number;
  now?: () => Date;
}

/**
 * Picks a compute host uniformly at random among the live ones. No filters, no retry
 * bookkeeping and no limits: the compute claim then treats every resource as unlimited.
 */
export class ChanceScheduler {
  readonly #random: () => number;
  readonly #now: () => Date;

  constructor(
    private readonly serviceDownTime: number,
    options: ChanceSchedulerOptions = {},
  ) {
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => new Date());
  }

  /** Hosts of the given services (the caller passes the topic's services) that are enabled and heartbeating. */
  hostsUp(services: readonly ServiceRecord[]): string[] {
    const now = this.#now();
    return services.filter((s) => s.host && !s.disabled && serviceIsUp(s, this.serviceDownTime, now)).map((s) => s.host as string);
  }

  selectHost(services: readonly ServiceRecord[], props: FilterProperties): string {
    const up = this.hostsUp(services);
    if (up.length === 0) throw new NoValidHost('Is the appropriate service running?');
    const ignore = props.ignore_hosts ?? [];
    const candidates = up.filter((h) => !ignore.includes(h));
    if (candidates.length === 0) throw new NoValidHost('Could not find another compute');
    return candidates[Math.min(candidates.length - 1, Math.floor(this.#random() * candidates.length))] as string;
  }

  /** One random host per instance uuid of the request. */
  selectHosts(services: readonly ServiceRecord[], requestSpec: RequestSpec, props: FilterProperties): string[] {
    const hosts = (requestSpec.instance_uuids ?? []).map(() => this.selectHost(services, props));
    if (hosts.length === 0) throw new NoValidHost('');
    return hosts;
  }
}
