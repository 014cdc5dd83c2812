import { NoValidHost } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { SchedulerConfigError } from './errors.js';
import type { HostManager } from './host-manager.js';
import type { HostState } from './host-state.js';
import { SchedulerOptionsFile } from './scheduler-options.js';
import type { FilterProperties, HostLimits, RequestSpec } from './types.js';
import type { WeighedHost } from './weights/index.js';

const log = getLogger('nova.scheduler.filter_scheduler');

export interface FilterSchedulerOptions {
  /** Uniform [0, 1) source for the pick among the best hosts; Math.random by default. */
  random?: () => number;
  now?: () => Date;
}

/** One instance placed: where it goes, and the request to cast to that compute host. */
export interface Placement {
  instance_uuid: string | null;
  launch_index: number;
  host: string;
  nodename: string;
  weight: number;
  limits: HostLimits;
  /** The `group` hint, to be written to the instance's system_metadata. */
  group: string | null;
  request_spec: RequestSpec;
  filter_properties: FilterProperties;
}

/** One instance of a multi-instance request that found no host. */
export interface PlacementFailure {
  instance_uuid: string | null;
  launch_index: number;
  error: NoValidHost;
}

export type PlacementResult = Placement | PlacementFailure;

export function isPlacement(result: PlacementResult): result is Placement {
  return 'host' in result;
}

/** Keys the scheduler uses while filtering but never sends to a compute host. */
const LOCAL_ONLY_KEYS = ['instance_hosts', 'context'] as const;

function forCompute(props: FilterProperties, requestSpec: RequestSpec): FilterProperties {
  const copy: FilterProperties = { ...props };
  for (const k of LOCAL_ONLY_KEYS) delete copy[k];
  copy.request_spec = requestSpec;
  return structuredClone(copy);
}

/**
 * Nova's FilterScheduler without its I/O: it takes the current host states, filters and
 * weighs them, and charges each chosen host so that later instances of the same request
 * (and later requests, until the node reports again) see it fuller. Database updates and
 * the casts to compute hosts are the caller's.
 */
export class FilterScheduler {
  readonly #random: () => number;
  readonly #now: () => Date;
  readonly #options: SchedulerOptionsFile;

  constructor(
    readonly hostManager: HostManager,
    options: FilterSchedulerOptions = {},
  ) {
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => new Date());
    this.#options = new SchedulerOptionsFile(hostManager.settings.scheduler_json_config_location, this.#now);
  }

  #maxAttempts(): number {
    const max = this.hostManager.settings.scheduler_max_attempts;
    if (max < 1) throw new SchedulerConfigError("Invalid value for 'scheduler_max_attempts', must be >= 1");
    return max;
  }

  /** Counts this attempt in `retry` (or removes it when re-scheduling is disabled) and enforces the limit. */
  populateRetry(props: FilterProperties, instanceUuid: string | null): void {
    const max = this.#maxAttempts();
    const previous = props.retry;
    delete props.retry;
    if (max === 1) return;
    const retry = previous
      ? { ...previous, num_attempts: previous.num_attempts + 1, hosts: [...(previous.hosts ?? [])] }
      : { num_attempts: 1, hosts: [] };
    if (typeof retry.exc === 'string') {
      const last = retry.hosts[retry.hosts.length - 1];
      log.error({ instance_uuid: instanceUuid, host: last?.[0], node: last?.[1], exc: retry.exc }, 'Error from last host');
      delete retry.exc;
    }
    props.retry = retry;
    if (retry.num_attempts > max) {
      throw new NoValidHost(`Exceeded max scheduling attempts ${max} for instance ${instanceUuid ?? 'None'}`);
    }
  }

  #subsetSize(available: number): number {
    const configured = this.hostManager.settings.scheduler_host_subset_size;
    return Math.max(1, Math.min(configured, available));
  }

  /**
   * Chooses one host per instance (fewer when the hosts run out), best first. Like Nova it
   * writes the scheduling inputs into `props` (retry, request_spec, instance_type, ...).
   */
  async schedule(
    requestSpec: RequestSpec,
    props: FilterProperties,
    hosts: readonly HostState[],
    instanceUuids?: readonly string[],
  ): Promise<WeighedHost[]> {
    const instance = requestSpec.instance_properties;
    const group = props.scheduler_hints?.group;
    const trackGroup = typeof group === 'string' && group !== '';
    if (trackGroup) {
      props.group_hosts = [...(props.group_hosts ?? [])];
      // A hint the scheduler manager did not resolve to a server group is Grizzly's: keep apart.
      props.group_policies ??= ['anti-affinity'];
    }

    props.config_options = this.#options.getConfiguration();
    this.populateRetry(props, instanceUuids?.[0] ?? null);
    props.request_spec = requestSpec;
    props.instance_type = requestSpec.instance_type;
    props.project_id = instance.project_id ?? null;
    props.os_type = instance.os_type ?? null;

    const count = instanceUuids?.length ?? requestSpec.num_instances ?? 1;
    const selected: WeighedHost[] = [];
    let candidates: HostState[] = [...hosts];
    for (let i = 0; i < count; i += 1) {
      candidates = await this.hostManager.getFilteredHosts(candidates, props);
      if (candidates.length === 0) break;
      const weighed = this.hostManager.getWeighedHosts(candidates, props);
      const subset = weighed.slice(0, this.#subsetSize(weighed.length));
      const chosen = subset[Math.min(subset.length - 1, Math.floor(this.#random() * subset.length))] as WeighedHost;
      log.debug({ host: chosen.host.host, node: chosen.host.nodename, weight: chosen.weight }, 'Choosing host');
      selected.push(chosen);
      chosen.host.consumeFromInstance(instance, this.#now());
      if (trackGroup) props.group_hosts?.push(chosen.host.host);
    }
    return selected;
  }

  /** Records the chosen host in the retry list and hands its limits to the compute claim. */
  #postSelect(props: FilterProperties, chosen: WeighedHost): void {
    props.retry?.hosts.push([chosen.host.host, chosen.host.nodename]);
    props.limits = { ...chosen.host.limits };
  }

  #placement(props: FilterProperties, requestSpec: RequestSpec, chosen: WeighedHost, uuid: string | null, index: number): Placement {
    this.#postSelect(props, chosen);
    const group = props.scheduler_hints?.group;
    return {
      instance_uuid: uuid,
      launch_index: index,
      host: chosen.host.host,
      nodename: chosen.host.nodename,
      weight: chosen.weight,
      limits: { ...chosen.host.limits },
      group: typeof group === 'string' && group !== '' ? group : null,
      request_spec: structuredClone(requestSpec),
      filter_properties: forCompute(props, requestSpec),
    };
  }

  /**
   * Places every instance of a build request. Running out of hosts fails only the
   * instances left over; exceeding the attempts limit fails the whole request (thrown).
   */
  async scheduleRunInstance(requestSpec: RequestSpec, props: FilterProperties, hosts: readonly HostState[]): Promise<PlacementResult[]> {
    const uuids = requestSpec.instance_uuids ?? [];
    const weighed = await this.schedule(requestSpec, props, hosts, uuids.length ? uuids : undefined);
    const spec: RequestSpec = { ...requestSpec };
    delete spec.instance_uuids;
    const slots: Array<string | null> = uuids.length ? [...uuids] : Array.from({ length: requestSpec.num_instances ?? 1 }, () => null);
    const results: PlacementResult[] = [];
    slots.forEach((uuid, index) => {
      const chosen = weighed.shift();
      if (!chosen) {
        results.push({ instance_uuid: uuid, launch_index: index, error: new NoValidHost('') });
      } else {
        const perInstance: RequestSpec = {
          ...spec,
          instance_properties: { ...spec.instance_properties, launch_index: index },
          ...(uuid ? { instance_uuids: [uuid] } : {}),
        };
        results.push(this.#placement(props, perInstance, chosen, uuid, index));
      }
      if (props.retry) props.retry.hosts = [];
    });
    return results;
  }

  /** Chooses the destination of a resize or migration. */
  async schedulePrepResize(requestSpec: RequestSpec, props: FilterProperties, hosts: readonly HostState[]): Promise<Placement> {
    const uuid = requestSpec.instance_properties.uuid ?? requestSpec.instance_uuids?.[0] ?? null;
    const weighed = await this.schedule(requestSpec, props, hosts, uuid ? [uuid] : undefined);
    const chosen = weighed[0];
    if (!chosen) throw new NoValidHost('');
    return this.#placement(props, requestSpec, chosen, uuid, 0);
  }

  /** Host names for the instances of the request (live-migration destination search). */
  async selectHosts(requestSpec: RequestSpec, props: FilterProperties, hosts: readonly HostState[]): Promise<string[]> {
    const weighed = await this.schedule(requestSpec, props, hosts, requestSpec.instance_uuids);
    if (weighed.length === 0) throw new NoValidHost('');
    return weighed.map((w) => w.host.host);
  }
}
