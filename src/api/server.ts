import type { AddressInfo } from 'node:net';
import { apiOpts } from '../config/api-opts.js';
import type { Config } from '../config/config.js';
import { buildComputeApp, type ComputeApiDeps } from './openstack/app.js';

export interface RunningApi {
  /** Base URL clients use, e.g. `http://127.0.0.1:8774`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the Compute API on osapi_compute_listen:osapi_compute_listen_port (port 0 = any free port). */
export async function startComputeApi(conf: Config, deps: Omit<ComputeApiDeps, 'conf'>): Promise<RunningApi> {
  const opts = conf.get(apiOpts);
  const app = buildComputeApp({ ...deps, conf });
  const host = opts.osapi_compute_listen ?? '0.0.0.0';
  await app.listen({ host, port: opts.osapi_compute_listen_port });
  const address = app.server.address() as AddressInfo;
  // A wildcard listen address is not something a client can connect to; loopback is.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const hostPart = reachable.includes(':') ? `[${reachable}]` : reachable;
  return {
    url: `http://${hostPart}:${address.port}`,
    close: () => app.close(),
  };
}
