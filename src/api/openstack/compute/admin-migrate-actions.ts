/**
 * The actions that move a server to another compute host while it keeps its identity:
 * `evacuate` (os-evacuate: re-create it elsewhere when its host is down) and `os-migrateLive`
 * (os-admin-actions: move it running). Both are admin actions, authorised by their
 * extension rule before the server is looked up, as Nova's extensions do.
 */
import { Type } from 'typebox';
import { BadRequest, InstanceInvalidState, InvalidInput, NovaError } from '../../../common/errors.js';
import { generatePassword } from '../../../compute/api/create.js';
import { evacuate } from '../../../compute/api/evacuate.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { liveMigrate } from '../../../compute/api/live-migrate.js';
import { computeApiOpts } from '../../../compute/api-opts.js';
import type { Config } from '../../../config/config.js';
import { ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { BOOLEAN_VALUES, parseBoolean } from './parameter-types.js';

const PATH = '/servers/:server_id/action';

const Bool = Type.Unsafe<boolean | string>({ enum: BOOLEAN_VALUES });

const EvacuateBody = Type.Object(
  {
    evacuate: Type.Object(
      { host: Type.String({ minLength: 1, maxLength: 255 }), onSharedStorage: Bool, adminPass: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const MigrateLiveBody = Type.Object(
  {
    'os-migrateLive': Type.Object(
      { host: Type.String({ minLength: 1, maxLength: 255 }), block_migration: Bool, disk_over_commit: Bool },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * A refused check keeps its own 400 message and a wrong state its 409; whatever else went
 * wrong is the generic 400 Nova's extension answers with.
 */
function migrateLiveError(err: unknown, id: string, host: string): unknown {
  if (err instanceof InstanceInvalidState) return err;
  if (err instanceof NovaError && (err.constructor as typeof NovaError).code === 400) return err;
  return new BadRequest(`Live migration of instance ${id} to host ${host} failed`);
}

export function adminMigrateActionsResource(deps: { conf: Config; compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('admin-migrate-actions', (r) => {
    r.action({
      path: PATH,
      action: 'evacuate',
      body: EvacuateBody,
      successStatus: 200,
      handler: async (req) => {
        req.authorize('compute_extension:evacuate');
        const body = req.body.evacuate;
        const onSharedStorage = parseBoolean(body.onSharedStorage);
        // A disk found on shared storage keeps the password it has.
        if (onSharedStorage && body.adminPass !== undefined) throw new InvalidInput("admin password can't be changed on existing disk");
        const length = deps.conf.get(computeApiOpts).password_length ?? 12;
        const adminPassword = onSharedStorage ? null : (body.adminPass ?? generatePassword(length));
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await evacuate(compute.deps, req.ctx, instance, { host: body.host, onSharedStorage, adminPassword });
        return new ComputeResponse(adminPassword === null ? {} : { adminPass: adminPassword });
      },
    });
    r.action({
      path: PATH,
      action: 'os-migrateLive',
      body: MigrateLiveBody,
      handler: async (req) => {
        req.authorize('compute_extension:admin_actions:migrateLive');
        const body = req.body['os-migrateLive'];
        const blockMigration = parseBoolean(body.block_migration);
        const diskOverCommit = parseBoolean(body.disk_over_commit);
        const id = req.params.server_id as string;
        const instance = await compute.get(req.ctx, id);
        try {
          await liveMigrate(compute.deps, req.ctx, instance, { host: body.host, blockMigration, diskOverCommit });
        } catch (err) {
          throw migrateLiveError(err, id, body.host);
        }
        return undefined;
      },
    });
  });
}
