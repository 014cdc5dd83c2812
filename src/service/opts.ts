import { defineGroup, opt } from '../config/registry.js';

export const serviceOpts = defineGroup('DEFAULT', {
  report_interval: opt.int(10, 'Seconds between service heartbeats (0 disables them, so the service is soon reported down).', { min: 0 }),
  service_down_time: opt.int(60, 'A service whose last heartbeat is older than this many seconds is down.', { min: 1 }),
  periodic_enable: opt.bool(true, 'Run periodic tasks.'),
  periodic_fuzzy_delay: opt.int(60, 'Random delay (0..N seconds) before the first periodic tasks run, to spread load; 0 disables.', {
    min: 0,
  }),
  periodic_interval_max: opt.int(null, 'Upper bound on the sleep between periodic task passes.'),
  run_external_periodic_tasks: opt.bool(true, 'Run tasks marked external_process_ok; turn off for extra API workers.'),
  servicegroup_driver: opt.str('db', 'How service liveness is tracked: db (heartbeats in the services table) or mc (memcached).', {
    choices: ['db', 'mc', 'zk'],
  }),
  memcached_servers: opt.list([], 'host:port of the memcached servers (the mc service group driver needs them).'),
  graceful_shutdown_timeout: opt.int(60, 'Seconds a stopping service waits for in-flight RPC calls before exiting anyway.', { min: 0 }),
});

export const conductorOpts = defineGroup('conductor', {
  use_local: opt.bool(false, 'Run conductor calls in-process instead of over RPC (every service but nova-compute always does).'),
  topic: opt.str('conductor', 'RPC topic the conductor listens on.'),
  manager: opt.str('nova.conductor.manager.ConductorManager', 'Accepted for Grizzly compatibility; nova-ts has one conductor manager.'),
});

export const topicOpts = defineGroup('DEFAULT', {
  compute_topic: opt.str('compute', 'RPC topic of compute hosts.'),
  scheduler_topic: opt.str('scheduler', 'RPC topic of schedulers.'),
  network_topic: opt.str('network', 'RPC topic of network hosts.'),
  cert_topic: opt.str('cert', 'RPC topic of the cert service.'),
  consoleauth_topic: opt.str('consoleauth', 'RPC topic of the console auth service.'),
  console_topic: opt.str('console', 'RPC topic of console proxies.'),
});
