import { listen } from '../../common/http-listen.js';
import { metadataApiOpts } from '../../config/metadata-api-opts.js';
import type { RunningApi } from '../server.js';
import { buildMetadataApp, type MetadataApiDeps } from './app.js';

/** Starts the metadata service on metadata_listen:metadata_listen_port (port 0 = any free port). */
export async function startMetadataApi(deps: MetadataApiDeps): Promise<RunningApi> {
  const opts = deps.conf.get(metadataApiOpts);
  const { app } = buildMetadataApp(deps);
  const host = opts.metadata_listen ?? '0.0.0.0';
  return listen(app, host, opts.metadata_listen_port);
}
