/**
 * Which instance a metadata request is for. By default the requester's address (or, with
 * `use_forwarded_for`, the address a trusted proxy put in X-Forwarded-For) must be a fixed
 * IP of an instance. Behind a network proxy (`service_quantum_metadata_proxy`), the proxy
 * names the instance in X-Instance-ID and X-Tenant-ID and proves it with an HMAC-SHA256 of
 * the instance id, keyed with the shared secret, in X-Instance-ID-Signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequest, Forbidden } from '../../common/errors.js';

export type HeadersDistinct = Readonly<Record<string, readonly string[] | undefined>>;

/** An IPv4 client of a dual-stack socket shows as `::ffff:a.b.c.d`; the fixed IP is the IPv4 form. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/**
 * The address the proxy nearest to us saw: the last entry of X-Forwarded-For. Entries
 * further left came from the client and prove nothing.
 */
export function forwardedFor(headers: HeadersDistinct): string | null {
  const values = headers['x-forwarded-for'];
  const last = values?.[values.length - 1];
  if (last === undefined) return null;
  const parts = last.split(',');
  const address = (parts[parts.length - 1] as string).trim();
  return address === '' ? null : plainAddress(address);
}

/** The address that names the instance in the default mode. */
export function requesterAddress(socketAddress: string | undefined, headers: HeadersDistinct, useForwardedFor: boolean): string | null {
  if (useForwardedFor) {
    const forwarded = forwardedFor(headers);
    if (forwarded !== null) return forwarded;
  }
  return socketAddress ? plainAddress(socketAddress) : null;
}

/** Lowercase hex HMAC-SHA256 of the instance id: what the proxy signs with. */
export function proxySignature(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

export interface ProxyIdentity {
  instanceUuid: string;
  tenantId: string;
  /** The guest's address as the proxy saw it, when it said. */
  address: string | null;
}

function single(headers: HeadersDistinct, name: string, label: string): string {
  const values = headers[name];
  if (values === undefined || values.length === 0) throw new BadRequest(`${label} header is missing from request.`);
  if (values.length > 1) throw new BadRequest(`Multiple ${label} headers found within request.`);
  return values[0] as string;
}

/** Checks the proxy's headers: 400 when one is missing or repeated, 403 when the signature is not the expected one. */
export function verifyProxyHeaders(headers: HeadersDistinct, secret: string): ProxyIdentity {
  const instanceUuid = single(headers, 'x-instance-id', 'X-Instance-ID');
  const tenantId = single(headers, 'x-tenant-id', 'X-Tenant-ID');
  const given = Buffer.from(headers['x-instance-id-signature']?.[0] ?? '');
  const expected = Buffer.from(proxySignature(secret, instanceUuid));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Forbidden('Invalid proxy request signature.');
  return { instanceUuid, tenantId, address: forwardedFor(headers) };
}
