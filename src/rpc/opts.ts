import { defineGroup, opt } from '../config/registry.js';

/** Message bus options (Grizzly's nova/openstack/common/rpc/__init__.py and impl_kombu.py). The rabbit_* ones are Grizzly's; transport_url is today's. */
export const rpcOpts = defineGroup('DEFAULT', {
  transport_url: opt.str(
    null,
    'Message bus: local:// (in-process) or rabbit://user:pass@host:port[,user:pass@host2:port]/vhost. Unset: built from the rabbit_* options when any is set, else local://.',
    { secret: true },
  ),
  rpc_response_timeout: opt.int(60, 'Seconds to wait for a response from a call.', { min: 1 }),
  control_exchange: opt.str('nova', 'AMQP topic exchange that RPC requests are published to.'),
  rabbit_host: opt.str('localhost', 'RabbitMQ host (deprecated by transport_url).'),
  rabbit_port: opt.port(5672, 'RabbitMQ port (deprecated by transport_url).'),
  rabbit_hosts: opt.list(
    ['$rabbit_host:$rabbit_port'],
    'RabbitMQ host:port pairs, tried in turn on reconnect (deprecated by transport_url).',
  ),
  rabbit_userid: opt.str('guest', 'RabbitMQ user (deprecated by transport_url).'),
  rabbit_password: opt.str('guest', 'RabbitMQ password (deprecated by transport_url).', { secret: true }),
  rabbit_virtual_host: opt.str('/', 'RabbitMQ virtual host (deprecated by transport_url).'),
  rabbit_retry_interval: opt.int(1, 'Seconds before the first reconnect attempt to RabbitMQ.', { min: 0 }),
  rabbit_retry_backoff: opt.int(2, 'Seconds added to the reconnect delay after each failed attempt (the delay is capped at 30 s).', {
    min: 0,
  }),
  rabbit_max_retries: opt.int(0, 'Reconnect attempts before giving up; 0 retries forever.', { min: 0 }),
  rabbit_durable_queues: opt.bool(false, 'Declare the topic exchange and topic queues durable.'),
  rabbit_ha_queues: opt.bool(false, 'Declare queues with x-ha-policy=all (mirrored on RabbitMQ 2.x).'),
});
