import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidConfig } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import { amqpOptionsFrom, createTransport, effectiveTransportUrl } from '../../../src/rpc/factory.js';
import { LocalTransport } from '../../../src/rpc/local-transport.js';
import { formatTransportUrl, parseTransportUrl, redact } from '../../../src/rpc/transport-url.js';

test('parses local:// and rabbit:// URLs with several brokers and a vhost', () => {
  assert.deepEqual(parseTransportUrl('local://'), { scheme: 'local' });
  assert.deepEqual(parseTransportUrl('rabbit://nova:s%40cret@mq1:5673,nova:s%40cret@mq2/prod'), {
    scheme: 'rabbit',
    brokers: [
      { host: 'mq1', port: 5673, username: 'nova', password: 's@cret' },
      { host: 'mq2', port: 5672, username: 'nova', password: 's@cret' },
    ],
    virtualHost: 'prod',
  });
});

test('an empty path is the / vhost and %2F decodes to /', () => {
  const a = parseTransportUrl('rabbit://guest:guest@localhost:5672/');
  const b = parseTransportUrl('rabbit://guest:guest@localhost:5672/%2F');
  assert.ok(a.scheme === 'rabbit' && b.scheme === 'rabbit');
  assert.equal(a.virtualHost, '/');
  assert.equal(b.virtualHost, '/');
});

test('rejects unknown schemes and non-URLs', () => {
  assert.throws(() => parseTransportUrl('kafka://x'), InvalidConfig);
  assert.throws(() => parseTransportUrl('not a url'), InvalidConfig);
});

test('redact hides passwords', () => {
  assert.equal(redact('rabbit://u:pw@h:1,u2:pw2@h2:2/v'), 'rabbit://u:****@h:1,u2:****@h2:2/v');
});

test('format and parse round-trip', () => {
  const brokers = [{ host: '::1', port: 5672, username: 'a b', password: 'p/w' }];
  const parsed = parseTransportUrl(formatTransportUrl(brokers, 'v h'));
  assert.deepEqual(parsed, { scheme: 'rabbit', brokers, virtualHost: 'v h' });
});

test('without transport_url or rabbit options the transport is local', async () => {
  const conf = Config.load();
  assert.equal(effectiveTransportUrl(conf), 'local://');
  const transport = await createTransport(conf);
  assert.ok(transport instanceof LocalTransport);
  assert.equal(transport.responseTimeout, 60);
  await transport.close();
});

test('the deprecated rabbit options build a rabbit URL when transport_url is unset', () => {
  const conf = Config.load({
    overrides: { DEFAULT: { rabbit_host: 'mq', rabbit_userid: 'nova', rabbit_password: 'pw', rabbit_virtual_host: 'vh' } },
  });
  assert.equal(effectiveTransportUrl(conf), 'rabbit://nova:pw@mq:5672/vh');
  const hosts = Config.load({ overrides: { DEFAULT: { rabbit_hosts: ['a:1', 'b'] } } });
  assert.equal(effectiveTransportUrl(hosts), 'rabbit://guest:guest@a:1,guest:guest@b:5672/');
});

test('transport_url wins and the AMQP options come from nova.conf', () => {
  const conf = Config.load({
    overrides: {
      DEFAULT: {
        transport_url: 'rabbit://u:p@h:1/v',
        rabbit_host: 'ignored',
        control_exchange: 'cx',
        rpc_response_timeout: 5,
        rabbit_ha_queues: true,
      },
    },
  });
  const url = effectiveTransportUrl(conf);
  assert.equal(url, 'rabbit://u:p@h:1/v');
  const o = amqpOptionsFrom(conf, url);
  assert.equal(o.controlExchange, 'cx');
  assert.equal(o.responseTimeout, 5);
  assert.equal(o.haQueues, true);
  assert.equal(o.retryInterval, 1);
  assert.equal(o.retryBackoff, 2);
  assert.equal(o.maxRetries, 0);
  assert.deepEqual(o.brokers, [{ host: 'h', port: 1, username: 'u', password: 'p' }]);
});
