import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../../src/cmd/all-opts.js';
import { InvalidConfig } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import { serviceGroupFromConf } from '../../../src/servicegroup/factory.js';

const conf = (DEFAULT: Record<string, unknown>) => Config.load({ overrides: { DEFAULT } });

test('zk is refused with a message that names the option and what to use instead', () => {
  assert.throws(
    () => serviceGroupFromConf(conf({ servicegroup_driver: 'zk' })),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfig);
      assert.match((err as Error).message, /servicegroup_driver = zk is not supported by nova-ts .* use db or mc/);
      return true;
    },
  );
});

test('mc without memcached_servers is a configuration error', () => {
  assert.throws(() => serviceGroupFromConf(conf({ servicegroup_driver: 'mc' })), /needs memcached_servers/);
});

test('db liveness is the heartbeat age rule', async () => {
  const group = serviceGroupFromConf(conf({ service_down_time: 60 }));
  const now = new Date('2013-01-01T00:01:00Z');
  const row = { id: 1, host: 'h', binary: 'b', topic: 't', report_count: 1, disabled: false, created_at: null };
  assert.equal(await group.liveness.isUp({ ...row, updated_at: new Date('2013-01-01T00:00:30Z') }, now), true);
  assert.equal(await group.liveness.isUp({ ...row, updated_at: new Date('2012-12-31T23:59:00Z') }, now), false);
});
