import type { AddressInfo } from 'node:net';
import { metadataApiOpts } from '../../config/metadata-api-opts.js';
import type { RunningApi } from '../server.js';
import { buildMetadataApp, type MetadataApiDeps } from './app.js';

/** Starts the metadata service on metadata_listen:metadata_listen_port (port 0 = any free port). */
export async function startMetadataApi(deps: MetadataApiDeps): Promise<RunningApi> {
  const opts = deps.conf.get(metadataApiOpts);
  const { app } = buildMetadataApp(deps);
  const host = opts.metadata_listen ?? '0.0.0.0';
  await app.listen({ host, port: opts.metadata_listen_port });
  const address = app.server.address() as AddressInfo;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const hostPart = reachable.includes(':') ? `[${reachable}]` : reachable;
  return {
    url: `http://${hostPart}:${address.port}`,
    close: () => app.close(),
  };
}
