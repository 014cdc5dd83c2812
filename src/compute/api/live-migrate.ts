/**
 * compute.api live_migrate (Grizzly's): an ACTIVE instance gets the task `migrating` by
 * compare-and-swap, then the scheduler checks the move and starts it on the source host.
 * The checks are a call, so a refusal (same host, a host down or unknown, too little memory,
 * another hypervisor, the driver's pre-checks) reaches the caller as a 400 after the
 * scheduler has put the instance back as it was.
 */
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { beginAction } from './actions.js';
import type { ComputeApiDeps } from './deps.js';

export interface LiveMigrateRequest {
  host: string;
  blockMigration: boolean;
  diskOverCommit: boolean;
}

export async function liveMigrate(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  request: LiveMigrateRequest,
): Promise<void> {
  // Live migration has no `compute:` rule of its own in Grizzly; the extension rule guards it.
  const started = await beginAction(deps, ctx, instance, 'live_migrate', { policy: 'compute:get' });
  await deps.scheduler.call(ctx, 'live_migration', {
    instance: started,
    dest: request.host,
    block_migration: request.blockMigration,
    disk_over_commit: request.diskOverCommit,
  });
}
