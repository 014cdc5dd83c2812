/** RabbitMQ helpers for the bus tests: reachability, throwaway vhosts, broker restarts. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AmqpTransport, type AmqpTransportOptions } from '../../../src/rpc/amqp-transport.js';
import { newId } from '../../../src/rpc/wire.js';
import { probe } from '../../support/externals.js';

const run = promisify(execFile);

export const RABBIT = { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' };

export function rabbitOptions(virtualHost: string, extra: Partial<AmqpTransportOptions> = {}): AmqpTransportOptions {
  return { brokers: [RABBIT], virtualHost, controlExchange: 'nova', retryInterval: 1, retryBackoff: 1, ...extra };
}

/** null when the broker answers on 127.0.0.1:5672, else what went wrong. */
export function probeRabbit(): Promise<string | null> {
  return probe(async () => {
    const t = await AmqpTransport.connect(rabbitOptions('/', { maxRetries: 1 }));
    await t.close();
  });
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/** A vhost of its own for one test file, so concurrent files never share queues. */
export async function createVhost(): Promise<string> {
  const vhost = `nova-test-${newId().slice(0, 12)}`;
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, RABBIT.username, '.*', '.*', '.*');
  return vhost;
}

export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
}
