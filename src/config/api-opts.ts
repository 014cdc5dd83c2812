import { defineGroup, opt } from './registry.js';

/** Options of the OpenStack Compute API service (nova-api's osapi_compute application). */
export const apiOpts = defineGroup('DEFAULT', {
  osapi_compute_listen: opt.str('0.0.0.0', 'Address the OpenStack Compute API listens on.'),
  osapi_compute_listen_port: opt.port(8774, 'Port the OpenStack Compute API listens on (0 picks a free port).'),
  osapi_compute_workers: opt.int(null, 'Number of OpenStack Compute API worker processes; unset means one per CPU.', { min: 1 }),
  osapi_max_request_body_size: opt.int(114688, 'Largest request body, in bytes, the API accepts before answering 413.', { min: 1 }),
  osapi_compute_link_prefix: opt.str(
    null,
    'Base URL (scheme, host and optional path) put in links instead of the one the request arrived on; for deployments behind a proxy.',
  ),
  osapi_max_limit: opt.int(1000, 'Most items a collection request returns in one response.', { min: 1 }),
  auth_strategy: opt.str(
    'keystone',
    "How API requests are authenticated: Keystone tokens, or the development-only noauth2 scheme (Grizzly's noauth is the same).",
    { choices: ['keystone', 'noauth2', 'noauth'] },
  ),
  enabled_apis: opt.list(['ec2', 'osapi_compute', 'metadata'], 'APIs nova-api serves.'),
  use_forwarded_for: opt.bool(
    false,
    'Take the client address from X-Forwarded-For (the metadata service identifies guests by it). Only behind a proxy that sets it.',
  ),
  api_rate_limit: opt.bool(false, 'Accepted for Grizzly compatibility; nova-ts does not rate-limit the API.'),
});
