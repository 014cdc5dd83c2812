import { defineGroup, opt } from '../config/registry.js';

/** nova-objectstore's options (Grizzly's nova/objectstore/s3server.py). */
export const objectstoreOpts = defineGroup('DEFAULT', {
  buckets_path: opt.str('$state_path/buckets', 'Directory where nova-objectstore keeps buckets and objects.'),
  s3_listen: opt.str('0.0.0.0', 'Address nova-objectstore listens on.'),
  s3_listen_port: opt.port(3333, 'Port nova-objectstore listens on (0 picks a free port).'),
  s3_signature_skew: opt.int(900, 'Seconds a signed S3 request may be older or newer than the server clock.', { min: 1 }),
});
