import { createHmac } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { dirname } from 'node:path';
import { getLogger } from '../../common/log.js';
import type { GuestSpec } from '../guest-spec.js';

const log = getLogger('nova.virt.qemu.metadata');

/** Who a guest is, as the metadata service must be told. */
export interface GuestIdentity {
  instanceUuid: string;
  /** The instance's project: X-Tenant-ID. */
  tenantId: string | null;
  /** The instance's first fixed IPv4: X-Forwarded-For (the service's `local-ipv4`, or its key with `use_forwarded_for`). */
  address: string | null;
}

/** Where forwarded requests go, and how they prove whose they are. */
export interface ForwardTarget {
  host: string;
  port: number;
  /**
   * The shared secret of `service_quantum_metadata_proxy`: requests carry X-Instance-ID,
   * X-Tenant-ID and X-Instance-ID-Signature (HMAC-SHA256 of the instance id). Null when the
   * service identifies guests by fixed IP; then X-Forwarded-For alone names the guest.
   */
  secret: string | null;
}

/** Headers a guest may not choose: they say which instance is asking. */
const IDENTITY_HEADERS = new Set(['x-instance-id', 'x-instance-id-signature', 'x-tenant-id', 'x-forwarded-for']);
/** Hop-by-hop headers, which belong to one connection and are not passed on. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/** `host:port`, as metadata_host:metadata_port or qemu_metadata_forward give it. */
export function parseForwardAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`not a host:port: ${address}`);
  return { host, port };
}

/** The headers a guest's request goes on with: the guest's own, minus anything that names an instance, plus its identity. */
export function forwardedHeaders(
  guest: IncomingHttpHeaders,
  identity: GuestIdentity,
  secret: string | null,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(guest)) {
    if (value === undefined || IDENTITY_HEADERS.has(name) || HOP_HEADERS.has(name)) continue;
    out[name] = value;
  }
  if (identity.address) out['x-forwarded-for'] = identity.address;
  if (secret !== null) {
    out['x-instance-id'] = identity.instanceUuid;
    out['x-tenant-id'] = identity.tenantId ?? '';
    out['x-instance-id-signature'] = createHmac('sha256', secret).update(identity.instanceUuid).digest('hex');
  }
  return out;
}

/**
 * The metadata forward of one user-mode guest: an HTTP proxy on a unix socket that only
 * this guest's QEMU reaches (its guestfwd runs `socat - UNIX-CONNECT:<socket>` for each
 * connection to 169.254.169.254:80). Every request goes on to the metadata service
 * stamped with this guest's identity, whatever the guest wrote, so one guest can never
 * ask as another. It lives in nova-compute: a restarted nova-compute listens on the same
 * socket again, and the running guest's next connection finds it.
 */
export class MetadataForwarder {
  readonly #server: Server;

  private constructor(
    readonly socketPath: string,
    server: Server,
  ) {
    this.#server = server;
  }

  static async listen(socketPath: string, target: ForwardTarget, identity: GuestIdentity): Promise<MetadataForwarder> {
    const server = createServer((req, res) => {
      const upstream = httpRequest(
        {
          host: target.host,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: forwardedHeaders(req.headers, identity, target.secret),
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        log.warn({ instance_uuid: identity.instanceUuid, err }, 'the metadata service did not answer a guest request');
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end();
      });
      req.pipe(upstream);
    });
    await mkdir(dirname(socketPath), { recursive: true });
    await rm(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetadataForwarder(socketPath, server);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }
}

/**
 * The metadata forwarders of one compute host's user-mode guests, by instance uuid: both
 * real drivers start one before a guest runs (and for guests they re-adopt), and stop it
 * when the guest leaves the host or nova-compute stops.
 */
export class MetadataForwarders {
  readonly #running = new Map<string, MetadataForwarder>();

  /** `metadataForward` is the service's `host:port` (null: guests get no metadata route). */
  constructor(
    private readonly metadataForward: string | null,
    private readonly secret: string | null,
  ) {}

  /** The socket of the guest's forwarder, started unless it runs; null when the guest has no user-mode NIC or there is no service. */
  async ensure(spec: GuestSpec, socketPath: string): Promise<string | null> {
    if (!this.metadataForward || !spec.nics.some((n) => n.mode === 'user')) return null;
    const running = this.#running.get(spec.uuid);
    if (running) return running.socketPath;
    const forwarder = await MetadataForwarder.listen(
      socketPath,
      { ...parseForwardAddress(this.metadataForward), secret: this.secret },
      { instanceUuid: spec.uuid, tenantId: spec.projectId ?? null, address: spec.fixedIp ?? null },
    );
    this.#running.set(spec.uuid, forwarder);
    return forwarder.socketPath;
  }

  async close(uuid: string): Promise<void> {
    const forwarder = this.#running.get(uuid);
    this.#running.delete(uuid);
    await forwarder?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(all.map((f) => f.close()));
  }
}
