/** Picks and builds the transport nova.conf asks for. */
import type { Config } from '../config/config.js';
import type { AmqpTransportOptions } from './amqp-transport.js';
import { LocalTransport } from './local-transport.js';
import { rpcOpts } from './opts.js';
import type { Transport } from './transport.js';
import { formatTransportUrl, parseTransportUrl, splitHostPort } from './transport-url.js';

/** The rabbit_* options whose presence in nova.conf means "use RabbitMQ" when transport_url is unset. */
const LEGACY_BROKER_OPTS = ['rabbit_host', 'rabbit_port', 'rabbit_hosts', 'rabbit_userid', 'rabbit_password', 'rabbit_virtual_host'];

/** The effective transport_url: the option itself, else one built from the Grizzly rabbit_* options, else local://. */
export function effectiveTransportUrl(conf: Config): string {
  const o = conf.get(rpcOpts);
  if (o.transport_url) return o.transport_url;
  if (!LEGACY_BROKER_OPTS.some((name) => conf.isSet(rpcOpts.group, name))) return 'local://';
  const username = o.rabbit_userid ?? 'guest';
  const password = o.rabbit_password ?? 'guest';
  const hostPorts = conf.isSet(rpcOpts.group, 'rabbit_hosts') ? o.rabbit_hosts : [`${o.rabbit_host ?? 'localhost'}:${o.rabbit_port}`];
  const brokers = hostPorts.map((hp) => ({ ...splitHostPort(hp, o.rabbit_port), username, password }));
  return formatTransportUrl(brokers, o.rabbit_virtual_host ?? '/');
}

/** AMQP settings from nova.conf, for a rabbit:// URL. */
export function amqpOptionsFrom(conf: Config, url: string): AmqpTransportOptions {
  const parsed = parseTransportUrl(url);
  if (parsed.scheme !== 'rabbit') throw new Error(`not a rabbit:// transport_url`);
  const o = conf.get(rpcOpts);
  return {
    brokers: parsed.brokers,
    virtualHost: parsed.virtualHost,
    controlExchange: o.control_exchange ?? 'nova',
    responseTimeout: o.rpc_response_timeout ?? 60,
    retryInterval: o.rabbit_retry_interval ?? 1,
    retryBackoff: o.rabbit_retry_backoff ?? 2,
    maxRetries: o.rabbit_max_retries ?? 0,
    durableQueues: o.rabbit_durable_queues,
    haQueues: o.rabbit_ha_queues,
  };
}

/** Builds the transport; for RabbitMQ it resolves once the first connection is up (retrying per rabbit_retry_*). */
export async function createTransport(conf: Config): Promise<Transport> {
  const url = effectiveTransportUrl(conf);
  if (parseTransportUrl(url).scheme === 'local') {
    return new LocalTransport({ responseTimeout: conf.get(rpcOpts).rpc_response_timeout ?? 60 });
  }
  // amqplib is loaded only for a RabbitMQ transport: the embedded cloud starts faster without it.
  const { AmqpTransport } = await import('./amqp-transport.js');
  return AmqpTransport.connect(amqpOptionsFrom(conf, url));
}
