import { commonOpts } from '../config/common-opts.js';
import type { Config } from '../config/config.js';
import { glanceOpts } from '../image/opts.js';
import type { Transport } from '../rpc/transport.js';
import { driverByName, type MemoryNotificationDriver } from './drivers.js';
import { Notifier } from './notifier.js';
import { notificationOpts, rpcNotifier2Opts } from './opts.js';

/** The notifier a service builds from nova.conf (drivers, state-change switches, image URL base). */
export function notifierFromConf(conf: Config, transport: Transport | null, memory?: MemoryNotificationDriver): Notifier {
  const o = conf.get(notificationOpts);
  const common = conf.get(commonOpts);
  const deps = {
    transport,
    notificationTopics: o.notification_topics,
    rpc2Topics: conf.get(rpcNotifier2Opts).topics,
    ...(memory ? { memory } : {}),
  };
  const drivers = [...new Set(o.notification_driver)].map((name) => driverByName(name, deps));
  const glance = conf.get(glanceOpts).api_servers[0];
  return new Notifier(drivers, {
    notifyOnStateChange: o.notify_on_state_change,
    notifyOnAnyChange: o.notify_on_any_change,
    imageServiceUrl: glance ?? `http://${common.my_ip ?? '127.0.0.1'}:9292`,
  });
}

/** `<service>.<host>`, the publisher of notifications a service emits about its own work. */
export function publisherId(service: string, host: string): string {
  return `${service}.${host}`;
}
