import { defineGroup, opt } from '../config/registry.js';

/**
 * The embedded identity service (a Keystone v3 subset). nova-all serves it on port 5000;
 * a deployment with its own Keystone turns it off and points `[keystone_authtoken]` there.
 */
export const identityOpts = defineGroup('identity', {
  enabled: opt.bool(true, 'Serve the embedded identity service from nova-all (turn off when a real Keystone is used).'),
  listen: opt.str('0.0.0.0', 'Address the embedded identity service listens on.'),
  listen_port: opt.port(5000, 'Port the embedded identity service listens on (0 picks a free port).'),
  connection: opt.str(null, 'Database URL of the identity tables; unset means the same database as [database] connection.', {
    secret: true,
  }),
  token_expiration: opt.int(3600, 'Seconds a newly issued token stays valid.', { min: 1 }),
  admin_password: opt.str(
    null,
    'Password of the bootstrap `admin` user; unset means a random one, generated on first start and printed once.',
    {
      secret: true,
    },
  ),
  demo_password: opt.str(
    null,
    'Password of the bootstrap `demo` user; unset means a random one, generated on first start and printed once.',
    {
      secret: true,
    },
  ),
  region: opt.str('RegionOne', 'Region every catalog endpoint belongs to.'),
  public_host: opt.str(null, "Host name or address put into catalog URLs; unset means this host's name.", {
    sampleDefault: 'the host name',
  }),
  identity_endpoint: opt.str(null, 'Identity URL in the catalog; unset means http://<public_host>:<listen_port>/v3.'),
  compute_endpoint: opt.str(null, 'Compute URL in the catalog; unset means http://<public_host>:8774/v2.1.'),
  image_endpoint: opt.str(null, 'Image URL in the catalog; unset means http://<public_host>:9292.'),
  ec2_endpoint: opt.str(null, 'EC2 URL in the catalog; unset leaves EC2 out of the catalog.'),
});

/**
 * How the compute API validates `X-Auth-Token` (keystonemiddleware's options). With
 * `auth_url` unset, nova-all validates tokens in-process against the embedded service.
 */
export const keystoneAuthtokenOpts = defineGroup('keystone_authtoken', {
  auth_url: opt.str(null, 'Identity URL the service user authenticates against (e.g. http://keystone:5000/v3).'),
  www_authenticate_uri: opt.str(null, 'Identity URL clients are sent to in WWW-Authenticate; unset means auth_url.', {
    deprecatedNames: [{ group: 'keystone_authtoken', name: 'auth_uri' }],
  }),
  auth_type: opt.str('password', 'How the service user authenticates; only password is supported.', { choices: ['password'] }),
  username: opt.str('nova', 'Service user that validates tokens.'),
  password: opt.str(null, 'Password of the service user.', { secret: true }),
  user_domain_name: opt.str('Default', 'Domain of the service user.'),
  project_name: opt.str('service', 'Project the service user scopes its token to.'),
  project_domain_name: opt.str('Default', 'Domain of that project.'),
  region_name: opt.str(null, 'Region of the identity endpoint; informational.'),
  token_cache_time: opt.int(
    300,
    'Seconds a validated token is remembered before asking Keystone again (0 disables the cache; -1 is treated as 0).',
  ),
  http_connect_timeout: opt.int(10, 'Seconds to wait for Keystone to answer a validation request.', { min: 1 }),
  service_token_roles_required: opt.bool(false, 'Accepted for compatibility; nova-ts does not use service tokens.'),
});

/** Keystone's `[credential]` options that the EC2 and S3 token endpoints use. */
export const credentialOpts = defineGroup('credential', {
  auth_ttl: opt.int(15, 'Minutes a signed EC2 or S3 request stays acceptable to /v3/ec2tokens after the time it names.', { min: 1 }),
});
