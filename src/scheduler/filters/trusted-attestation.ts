import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { getLogger } from '../../common/log.js';
import type { TrustedComputingSettings } from '../opts.js';

const log = getLogger('nova.scheduler.filters.trusted_filter');

/** One host's answer from the attestation server's PollHosts call. */
export interface AttestationState {
  host_name: string;
  trust_lvl: string;
  vtime: string;
}

export interface AttestationTransport {
  /** Asks the attestation server about these hosts; null when the server cannot be reached or refuses. */
  pollHosts(hosts: readonly string[]): Promise<AttestationState[] | null>;
}

/** OpenAttestation over HTTPS: `POST <api_url>/PollHosts` with `{count, hosts}`. */
export class HttpsAttestationTransport implements AttestationTransport {
  constructor(private readonly settings: TrustedComputingSettings) {}

  pollHosts(hosts: readonly string[]): Promise<AttestationState[] | null> {
    const { attestation_server: server, attestation_port: port, attestation_api_url: apiUrl } = this.settings;
    if (!server) {
      log.error('TrustedFilter is enabled but [trusted_computing] attestation_server is not set');
      return Promise.resolve(null);
    }
    const body = JSON.stringify({ count: hosts.length, hosts });
    const headers: Record<string, string> = { 'content-type': 'application/json', Accept: 'application/json' };
    if (this.settings.attestation_auth_blob) headers['x-auth-blob'] = this.settings.attestation_auth_blob;
    let ca: Buffer | undefined;
    try {
      ca = this.settings.attestation_server_ca_file ? readFileSync(this.settings.attestation_server_ca_file) : undefined;
    } catch (err) {
      log.error({ err }, 'cannot read attestation_server_ca_file');
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const req = request(
        { host: server, port: Number(port), method: 'POST', path: `${apiUrl}/PollHosts`, headers, ...(ca ? { ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (![200, 201, 202, 204].includes(status)) {
              log.warn({ status }, 'attestation server refused PollHosts');
              resolve(null);
              return;
            }
            try {
              const data = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { hosts?: AttestationState[] };
              resolve(Array.isArray(data.hosts) ? data.hosts : null);
            } catch {
              resolve(null);
            }
          });
        },
      );
      req.on('error', (err) => {
        log.warn({ err }, 'attestation server unreachable');
        resolve(null);
      });
      req.end(body);
    });
  }
}

interface CacheEntry {
  level: string;
  vtime: Date;
}

const NEVER = new Date(0);

/**
 * Trust levels per host, valid for attestation_auth_timeout seconds after the server's
 * own validation time. One stale host refreshes every known host in a single call.
 */
export class AttestationCache {
  readonly #entries = new Map<string, CacheEntry>();

  constructor(
    private readonly timeoutSeconds: number,
    private readonly transport: AttestationTransport,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #valid(host: string): boolean {
    const entry = this.#entries.get(host);
    return entry !== undefined && this.now().getTime() - entry.vtime.getTime() <= this.timeoutSeconds * 1000;
  }

  async refresh(hosts: readonly string[]): Promise<void> {
    for (const host of hosts) if (!this.#entries.has(host)) this.#entries.set(host, { level: 'unknown', vtime: NEVER });
    if (hosts.every((h) => this.#valid(h))) return;
    const known = [...this.#entries.keys()];
    for (const host of known) this.#entries.set(host, { level: 'unknown', vtime: NEVER });
    const states = await this.transport.pollHosts(known);
    for (const state of states ?? []) {
      const vtime = new Date(state.vtime);
      this.#entries.set(
        state.host_name,
        Number.isNaN(vtime.getTime()) ? { level: 'unknown', vtime: this.now() } : { level: String(state.trust_lvl), vtime },
      );
    }
  }

  levelOf(host: string): string {
    return this.#entries.get(host)?.level ?? 'unknown';
  }
}
