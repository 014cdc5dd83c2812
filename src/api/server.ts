import { type ListeningServer, listen } from '../common/http-listen.js';
import { apiOpts } from '../config/api-opts.js';
import type { Config } from '../config/config.js';
import { buildComputeApp, type ComputeApiDeps } from './openstack/app.js';

/** Base URL clients use, e.g. `http://127.0.0.1:8774`, and how to stop the server. */
export type RunningApi = ListeningServer;

/** Starts the Compute API on osapi_compute_listen:osapi_compute_listen_port (port 0 = any free port). */
export async function startComputeApi(conf: Config, deps: Omit<ComputeApiDeps, 'conf'>): Promise<RunningApi> {
  const opts = conf.get(apiOpts);
  const app = buildComputeApp({ ...deps, conf });
  const host = opts.osapi_compute_listen ?? '0.0.0.0';
  return listen(app, host, opts.osapi_compute_listen_port);
}
