/**
 * Live migration on the compute hosts (Grizzly's nova/compute/manager.py): the
 * destination's check (which asks the source's), then on the source the destination's
 * preparation (pre_live_migration: its networks and the driver's), the driver's migration,
 * and either the destination taking the instance over (post_live_migration_at_destination:
 * host and node rewritten, ACTIVE) or a roll-back (the destination's leftovers removed,
 * the instance ACTIVE on the source with a fault). A failure after the driver has moved the
 * guest is not rolled back: the instance goes to ERROR with a fault.
 */
import { UnexpectedTaskStateError } from '../../common/errors.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { MigrationError } from '../../virt/errors.js';
import type {
  ComputeClient,
  LiveMigrationCheckRequest,
  LiveMigrationRequest,
  LiveMigrationSourceCheckRequest,
  PostLiveMigrationRequest,
  PreLiveMigrationRequest,
} from '../contract.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';
import { nodeHere, setupNetworkHere } from './host-move.js';

export type ComputePeers = Pick<ComputeClient, 'call' | 'cast'>;

function peersOf(peers: ComputePeers | undefined): ComputePeers {
  if (!peers) throw new MigrationError('this compute host has no RPC client for other compute hosts');
  return peers;
}

/** On the destination: can the guest come here? The source's own check runs before the driver cleans up. */
export async function checkCanLiveMigrateDestination(
  h: ComputeHost,
  peers: ComputePeers | undefined,
  ctx: RequestContext,
  args: LiveMigrationCheckRequest,
): Promise<Record<string, unknown>> {
  const compute = peersOf(peers);
  const destCheckData = await h.driver.checkCanLiveMigrateDestination(
    h.virt(args.instance),
    {},
    {},
    args.block_migration,
    args.disk_over_commit,
  );
  try {
    return await compute.call(
      ctx,
      'check_can_live_migrate_source',
      { instance: args.instance, dest_check_data: destCheckData },
      { server: args.instance.host as string },
    );
  } finally {
    await h.driver.checkCanLiveMigrateDestinationCleanup(destCheckData);
  }
}

export function checkCanLiveMigrateSource(h: ComputeHost, args: LiveMigrationSourceCheckRequest): Promise<Record<string, unknown>> {
  return h.driver.checkCanLiveMigrateSource(h.virt(args.instance), args.dest_check_data);
}

/** On the destination, before the move: the instance's networks served here and the driver ready for it. */
export async function preLiveMigration(h: ComputeHost, ctx: RequestContext, args: PreLiveMigrationRequest): Promise<void> {
  const networkInfo = await setupNetworkHere(h, ctx, args.instance);
  const virt = h.virt(args.instance);
  await h.driver.preLiveMigration(virt, null, networkInfo, args.disk, args.migrate_data);
  await h.driver.ensureFilteringRulesForInstance(virt, networkInfo);
}

/** On the destination, after the move: the instance is this host's, running. */
export async function postLiveMigrationAtDestination(h: ComputeHost, ctx: RequestContext, args: PostLiveMigrationRequest): Promise<void> {
  await h.notifyUsage(ctx, args.instance, 'live_migration.post.dest.start');
  const networkInfo = await setupNetworkHere(h, ctx, args.instance);
  await h.driver.postLiveMigrationAtDestination(h.virt(args.instance), networkInfo, args.block_migration, null);
  const instance = await transitionWithPower(h, ctx, args.instance, 'live_migrate', 'success', { host: h.host, node: await nodeHere(h) });
  await h.notifyUsage(ctx, instance, 'live_migration.post.dest.end', { networkInfo });
}

/** On the destination, after a failed move: whatever the preparation left here goes. */
export async function rollbackLiveMigrationAtDestination(h: ComputeHost, instance: ConductorInstance): Promise<void> {
  await h.driver.destroy(h.virt(instance), cachedNetworkInfo(instance), null, true);
}

/**
 * On the source: prepares the destination, has the driver move the guest, and lets the
 * destination take the instance over. A failure at any point rolls the destination back
 * and leaves the instance ACTIVE here, with a fault.
 */
export async function liveMigration(
  h: ComputeHost,
  peers: ComputePeers | undefined,
  ctx: RequestContext,
  args: LiveMigrationRequest,
): Promise<void> {
  const { dest, block_migration: blockMigration } = args;
  let instance = args.instance;
  let rolledBack = false;
  let guestLeft = false;
  const rollback = async (): Promise<void> => {
    if (rolledBack) return;
    rolledBack = true;
    await peersOf(peers)
      .cast(ctx, 'rollback_live_migration_at_destination', { instance }, { server: dest })
      .catch((err: unknown) => ctx.log.warn({ err, dest }, 'could not ask the destination to roll back'));
  };
  await runAction(
    h,
    ctx,
    instance,
    {
      method: 'live_migration',
      action: 'live_migrate',
      event: false,
      args: { dest, block_migration: blockMigration },
      // Once the guest has left, neither host can be trusted to hold it: ERROR for an operator to look at.
      failureOutcome: () => (guestLeft ? 'error' : 'failure'),
    },
    async () => {
      const compute = peersOf(peers);
      try {
        const disk = blockMigration ? await h.driver.getInstanceDiskInfo(h.virt(instance).name) : null;
        await compute.call(
          ctx,
          'pre_live_migration',
          { instance, block_migration: blockMigration, disk, migrate_data: args.migrate_data },
          { server: dest },
        );
        let arrived = false;
        await h.driver.liveMigration(
          h.virt(instance),
          dest,
          {
            postMethod: async () => {
              guestLeft = true;
              await h.driver.unfilterInstance(h.virt(instance), cachedNetworkInfo(instance));
              await compute.call(
                ctx,
                'post_live_migration_at_destination',
                { instance, block_migration: blockMigration },
                { server: dest },
              );
              arrived = true;
            },
            recoverMethod: rollback,
          },
          blockMigration,
          args.migrate_data,
        );
        if (!arrived) throw new MigrationError(`the guest did not arrive on ${dest}`);
      } catch (err) {
        if (!(err instanceof UnexpectedTaskStateError) && !guestLeft) await rollback();
        throw err;
      }
      // The destination wrote the success state; the source reads the row it left.
      instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: instance.uuid as string });
      return instance;
    },
  );
}
