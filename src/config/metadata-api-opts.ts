import { defineGroup, opt } from './registry.js';

/**
 * Options of the metadata service (nova-api's `metadata` API and nova-api-metadata).
 * Guests reach it at 169.254.169.254:80 through nova-network's DNAT to `metadata_host`:
 * `metadata_port` (src/network/opts.ts), or through the QEMU driver's user-mode forward;
 * either must end at `metadata_listen`:`metadata_listen_port`.
 */
export const metadataApiOpts = defineGroup('DEFAULT', {
  metadata_listen: opt.str('0.0.0.0', 'Address the metadata service listens on.'),
  metadata_listen_port: opt.port(8775, 'Port the metadata service listens on (0 picks a free port).'),
  metadata_workers: opt.int(null, 'Number of metadata service worker processes; nova-ts serves from one.', { min: 1 }),
  metadata_cache_expiration: opt.int(15, 'Seconds the metadata of an instance is kept before it is gathered again; 0 disables the cache.', {
    min: 0,
  }),
  service_quantum_metadata_proxy: opt.bool(
    false,
    'Requests come through a network proxy that names the instance in signed X-Instance-ID headers, instead of from the guest address.',
  ),
  quantum_metadata_proxy_shared_secret: opt.str('', 'Key of the HMAC-SHA256 signature the proxy puts in X-Instance-ID-Signature.', {
    secret: true,
  }),
});
