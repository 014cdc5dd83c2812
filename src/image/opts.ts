import { defineGroup, opt } from '../config/registry.js';

/**
 * The embedded image service (a Glance v2 subset). nova-all serves it on port 9292; a
 * deployment with a real Glance turns it off and points `[glance] api_servers` there.
 */
export const imageOpts = defineGroup('image', {
  enabled: opt.bool(true, 'Serve the embedded image service from nova-all (turn off when a real Glance is used).'),
  listen: opt.str('0.0.0.0', 'Address the embedded image service listens on.'),
  listen_port: opt.port(9292, 'Port the embedded image service listens on (0 picks a free port).'),
  connection: opt.str(null, 'Database URL of the image tables; unset means the same database as [database] connection.', {
    secret: true,
  }),
  filesystem_store_datadir: opt.str('$state_path/images', 'Directory where the filesystem store keeps image data.'),
  image_size_cap: opt.int(1099511627776, 'Largest image, in bytes, that may be uploaded; a larger upload fails with 413.', { min: 1 }),
  limit_param_default: opt.int(25, 'Images returned by one list request when the client gives no limit.', { min: 1 }),
  api_limit_max: opt.int(1000, 'Most images one list request returns, whatever limit the client asks for.', { min: 1 }),
});

/** How Nova reaches the image service (its `[glance]` group). */
export const glanceOpts = defineGroup('glance', {
  api_servers: opt.list([], 'Image service endpoints (http://host:9292), tried in turn; empty means the embedded image service.', {
    deprecatedNames: [{ name: 'glance_api_servers' }],
  }),
  num_retries: opt.int(0, 'Extra attempts, across api_servers, when the image service cannot be reached or answers 5xx.', {
    min: 0,
    deprecatedNames: [{ name: 'glance_num_retries' }],
  }),
  timeout: opt.int(60, 'Seconds to wait for the image service to start answering a request.', { min: 1 }),
});

/** How image registration reaches the object store holding EC2 bundles (Grizzly's nova/image/s3.py options). */
export const s3ImageOpts = defineGroup('DEFAULT', {
  image_decryption_dir: opt.str('/tmp', 'Where bundles are downloaded, decrypted and unpacked while an image is registered.'),
  s3_host: opt.str('$my_ip', 'Host of the object store (nova-objectstore) holding image bundles.'),
  s3_port: opt.port(3333, 'Port of the object store holding image bundles.'),
  s3_use_ssl: opt.bool(false, 'Reach the object store over HTTPS.'),
  s3_access_key: opt.str('notchecked', "Accepted for Grizzly compatibility; nova-ts reaches the object store with the caller's token."),
  s3_secret_key: opt.str('notchecked', 'Accepted for Grizzly compatibility; see s3_access_key.', { secret: true }),
  s3_affix_tenant: opt.bool(false, 'Accepted for Grizzly compatibility; see s3_access_key.'),
});
