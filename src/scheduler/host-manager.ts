import { getLogger } from '../common/log.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import { availableFilters, chooseFilters, type FilterDefinition, type FilterDeps, type HostFilter } from './filters/index.js';
import { AttestationCache, type AttestationTransport, HttpsAttestationTransport } from './filters/trusted-attestation.js';
import { applyHostRecord, type ComputeNodeRecord, type HostRecord, HostState } from './host-state.js';
import type { SchedulerSettings } from './opts.js';
import type { FilterProperties } from './types.js';
import { type HostWeigher, loadWeighers, type WeighedHost, weighHosts } from './weights/index.js';

const log = getLogger('nova.scheduler.host_manager');

/** A compute_nodes row joined with its service, as the database layer returns it. */
export interface ComputeNodeWithService {
  compute: ComputeNodeRecord;
  service: ServiceRecord | null;
  aggregate_metadata?: Record<string, string[]>;
  instance_type_ids?: number[];
}

export interface HostManagerOptions {
  now?: () => Date;
  /** Replaces the HTTPS client of the TrustedFilter (tests, other attestation services). */
  attestationTransport?: AttestationTransport;
}

function key(host: string, node: string | null | undefined): string {
  return JSON.stringify([host, node ?? null]);
}

/**
 * Keeps the scheduler's view of the compute nodes between requests: the capabilities each
 * node last reported, and one HostState per (host, node) that survives across requests so
 * that a consumption made by one request is seen by the next until the node reports again.
 */
export class HostManager {
  readonly settings: SchedulerSettings;
  readonly #now: () => Date;
  readonly #serviceStates = new Map<string, Record<string, unknown>>();
  readonly #hostStates = new Map<string, HostState>();
  readonly #available: Map<string, FilterDefinition>;
  readonly #filters = new Map<string, HostFilter>();
  readonly #deps: FilterDeps;
  readonly #weighers: HostWeigher[];

  constructor(settings: SchedulerSettings, options: HostManagerOptions = {}) {
    this.settings = settings;
    this.#now = options.now ?? (() => new Date());
    this.#available = availableFilters(settings.scheduler_available_filters);
    const transport = options.attestationTransport ?? new HttpsAttestationTransport(settings.trusted_computing);
    this.#deps = {
      settings,
      now: this.#now,
      attestation: new AttestationCache(settings.trusted_computing.attestation_auth_timeout, transport, this.#now),
    };
    // Unknown default filter names should stop start-up, not the first request.
    chooseFilters(this.#available, settings.scheduler_default_filters);
    this.#weighers = loadWeighers(settings);
  }

  /** Stores what a compute host reported; anything but compute services is ignored. */
  updateServiceCapabilities(
    serviceName: string,
    host: string,
    capabilities: Record<string, unknown> | null | ReadonlyArray<Record<string, unknown> | null>,
  ): void {
    if (serviceName !== 'compute') {
      log.debug({ serviceName, host }, 'ignoring capabilities of a non-compute service');
      return;
    }
    const list = Array.isArray(capabilities) ? capabilities : [capabilities as Record<string, unknown> | null];
    for (const item of list) {
      const caps = item ?? {};
      const node = typeof caps.hypervisor_hostname === 'string' ? caps.hypervisor_hostname : null;
      this.#serviceStates.set(key(host, node), { ...caps, timestamp: this.#now() });
    }
  }

  capabilitiesOf(host: string, node: string | null): Record<string, unknown> | undefined {
    return this.#serviceStates.get(key(host, node));
  }

  /**
   * Refreshes the host states from the compute nodes just read. Nodes without a service
   * are skipped; states of nodes no longer present are dropped.
   */
  getAllHostStates(nodes: readonly ComputeNodeWithService[]): HostState[] {
    const seen = new Set<string>();
    for (const node of nodes) {
      const service = node.service;
      if (!service?.host) {
        log.warn({ node: node.compute.hypervisor_hostname }, 'No service for compute ID');
        continue;
      }
      const host = service.host;
      const nodename = node.compute.hypervisor_hostname;
      const k = key(host, nodename);
      const record: HostRecord = {
        compute: node.compute,
        service,
        capabilities: this.#serviceStates.get(k) ?? null,
        ...(node.aggregate_metadata ? { aggregate_metadata: node.aggregate_metadata } : {}),
        ...(node.instance_type_ids ? { instance_type_ids: node.instance_type_ids } : {}),
      };
      let state = this.#hostStates.get(k);
      if (!state) {
        state = new HostState(host, nodename);
        this.#hostStates.set(k, state);
      }
      applyHostRecord(state, record);
      seen.add(k);
    }
    for (const [k, state] of this.#hostStates) {
      if (!seen.has(k)) {
        log.info({ host: state.host, node: state.nodename }, 'Removing dead compute node from scheduler');
        this.#hostStates.delete(k);
      }
    }
    return [...this.#hostStates.values()];
  }

  #filter(name: string): HostFilter {
    let filter = this.#filters.get(name);
    if (!filter) {
      const [def] = chooseFilters(this.#available, [name]);
      filter = (def as FilterDefinition).create(this.#deps);
      this.#filters.set(name, filter);
    }
    return filter;
  }

  /**
   * ignore_hosts are dropped first; force_hosts that remain are returned without
   * filtering; otherwise every filter must pass, in order.
   */
  async getFilteredHosts(hosts: readonly HostState[], props: FilterProperties, filterClassNames?: readonly string[]): Promise<HostState[]> {
    const names = filterClassNames ?? this.settings.scheduler_default_filters;
    const filters = chooseFilters(this.#available, names).map((def) => this.#filter(def.name));
    const ignore = props.ignore_hosts ?? [];
    const force = props.force_hosts ?? [];
    let candidates = [...hosts];
    if (ignore.length > 0 || force.length > 0) {
      const byName = new Map<string, HostState>();
      for (const h of candidates) byName.set(h.host, h);
      const ignored = ignore.filter((name) => byName.delete(name));
      if (ignored.length > 0) log.debug({ ignored }, 'Host filter ignoring hosts');
      if (byName.size === 0) return [];
      if (force.length > 0) {
        for (const name of [...byName.keys()]) if (!force.includes(name)) byName.delete(name);
        if (byName.size > 0) return [...byName.values()];
        log.debug({ force }, "No hosts matched due to not matching 'force_hosts' value");
      }
      candidates = [...byName.values()];
    }
    for (const filter of filters) {
      if (candidates.length === 0) break;
      if (filter.prepare) await filter.prepare(candidates, props);
      candidates = candidates.filter((h) => filter.hostPasses(h, props));
    }
    return candidates;
  }

  getWeighedHosts(hosts: readonly HostState[], props: FilterProperties): WeighedHost[] {
    return weighHosts(this.#weighers, hosts, props);
  }
}
