/** The `rebuild` server action (nova/api/openstack/compute/servers.py and its contrib/ actions). */
import { type Static, Type } from 'typebox';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { rebuild } from '../../../compute/api/rebuild.js';
import { computeApiOpts } from '../../../compute/api-opts.js';
import type { AvailabilityZoneAPI } from '../../../compute/availability-zones.js';
import type { Config } from '../../../config/config.js';
import { ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { BOOLEAN_VALUES, metadata, Name, parseBoolean } from './parameter-types.js';
import { asBadRequest, canonicalIpv6, parsePersonality, serverViewOptions } from './servers.js';
import { serverHref, serverUpdateView } from './views/servers.js';

const RebuildBody = Type.Object(
  {
    rebuild: Type.Object(
      {
        imageRef: Type.String({ minLength: 1 }),
        name: Type.Optional(Name),
        adminPass: Type.Optional(Type.String()),
        metadata: Type.Optional(metadata()),
        personality: Type.Optional(
          Type.Array(Type.Object({ path: Type.String(), contents: Type.String() }, { additionalProperties: false })),
        ),
        accessIPv4: Type.Optional(Type.Union([Type.String({ format: 'ipv4' }), Type.String({ maxLength: 0 }), Type.Null()])),
        accessIPv6: Type.Optional(Type.Union([Type.String({ format: 'ipv6' }), Type.String({ maxLength: 0 }), Type.Null()])),
        'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
        preserve_ephemeral: Type.Optional(Type.Unsafe<boolean | string>({ enum: BOOLEAN_VALUES })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function lastSegment(ref: string): string {
  const trimmed = ref.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function serverRebuildResource(deps: { conf: Config; compute: ComputeAPI; zones: AvailabilityZoneAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-rebuild', (r) => {
    r.action({
      path: '/servers/:server_id/action',
      action: 'rebuild',
      body: RebuildBody,
      handler: async (req) => {
        const b: Static<typeof RebuildBody>['rebuild'] = req.body.rebuild;
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        let result: Awaited<ReturnType<typeof rebuild>>;
        try {
          result = await rebuild(compute.deps, req.ctx, instance, {
            imageRef: lastSegment(b.imageRef),
            ...(b.name !== undefined ? { displayName: b.name } : {}),
            ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
            injectedFiles: parsePersonality(b.personality),
            adminPassword: b.adminPass ?? null,
            ...(b.accessIPv4 !== undefined ? { accessIpV4: b.accessIPv4 || null } : {}),
            ...(b.accessIPv6 !== undefined ? { accessIpV6: b.accessIPv6 ? canonicalIpv6(b.accessIPv6) : null } : {}),
            ...(b['OS-DCF:diskConfig'] !== undefined ? { autoDiskConfig: b['OS-DCF:diskConfig'] === 'AUTO' } : {}),
            preserveEphemeral: b.preserve_ephemeral === undefined ? false : parseBoolean(b.preserve_ephemeral),
          });
        } catch (err) {
          throw asBadRequest(err);
        }
        // Nova's rebuild answers with the same trimmed view as an update, not the detail view.
        const server = serverUpdateView(result.instance, await serverViewOptions(deps, req));
        if (deps.conf.get(computeApiOpts).enable_instance_password ?? true) server.adminPass = result.adminPassword;
        return new ComputeResponse({ server }, { headers: { Location: serverHref(req.urls, result.instance.uuid as string) } });
      },
    });
  });
}
