import { defineGroup, opt } from '../config/registry.js';

export const databaseOpts = defineGroup('database', {
  connection: opt.str(
    'sqlite:///$state_path/nova.sqlite',
    'SQLAlchemy-style URL of the database: sqlite:///relative, sqlite:////absolute, postgresql://user:pass@host/db or mysql://user:pass@host/db.',
    {
      secret: true,
      deprecatedNames: [{ name: 'sql_connection' }, { group: 'DATABASE', name: 'sql_connection' }, { group: 'sql', name: 'connection' }],
    },
  ),
  idle_timeout: opt.int(3600, 'Seconds an idle pooled connection is kept before it is closed.', {
    min: 1,
    deprecatedNames: [{ name: 'sql_idle_timeout' }, { group: 'DATABASE', name: 'sql_idle_timeout' }],
  }),
  min_pool_size: opt.int(1, 'Accepted for compatibility: connections are opened on demand.', {
    min: 0,
    deprecatedNames: [{ name: 'sql_min_pool_size' }, { group: 'DATABASE', name: 'sql_min_pool_size' }],
  }),
  max_pool_size: opt.int(5, 'Most connections one process keeps to a PostgreSQL or MySQL server.', {
    min: 1,
    deprecatedNames: [{ name: 'sql_max_pool_size' }, { group: 'DATABASE', name: 'sql_max_pool_size' }],
  }),
  max_retries: opt.int(10, 'Attempts to reach the database server at start-up (-1 retries forever).', {
    min: -1,
    deprecatedNames: [{ name: 'sql_max_retries' }, { group: 'DATABASE', name: 'sql_max_retries' }],
  }),
  retry_interval: opt.int(10, 'Seconds between those attempts.', {
    min: 0,
    deprecatedNames: [{ name: 'sql_retry_interval' }, { group: 'DATABASE', name: 'reconnect_interval' }],
  }),
  connection_debug: opt.int(0, 'Verbosity of SQL logging: 0 none, 50 and above logs every statement at debug level.', {
    min: 0,
    max: 100,
    deprecatedNames: [{ name: 'sql_connection_debug' }],
  }),
});

export const serviceRecordOpts = defineGroup('DEFAULT', {
  enable_new_services: opt.bool(true, 'Services that register themselves for the first time start enabled.'),
});
