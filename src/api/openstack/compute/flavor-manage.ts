/** `os-flavor-manage`: admins create and delete flavors. */
import { Type } from 'typebox';
import { defineResource, type ResourceModule } from '../routing.js';
import { flavorDetailView } from './flavors.js';
import type { ComputeApiServices } from './index.js';
import { BOOLEAN_VALUES, Name, NonNegativeInteger, PositiveInteger, parseBoolean } from './parameter-types.js';

const CreateBody = Type.Object(
  {
    flavor: Type.Object(
      {
        name: Name,
        id: Type.Optional(
          Type.Unsafe<string | number | null>({
            type: ['string', 'integer', 'null'],
            minLength: 1,
            maxLength: 255,
            pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
          }),
        ),
        ram: PositiveInteger,
        vcpus: PositiveInteger,
        disk: NonNegativeInteger,
        'OS-FLV-EXT-DATA:ephemeral': Type.Optional(NonNegativeInteger),
        swap: Type.Optional(NonNegativeInteger),
        rxtx_factor: Type.Optional(
          Type.Unsafe<number | string>({ type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', exclusiveMinimum: 0, minLength: 1 }),
        ),
        'os-flavor-access:is_public': Type.Optional(Type.Unsafe<boolean | string>({ enum: BOOLEAN_VALUES })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function flavorManageResource(services: ComputeApiServices): ResourceModule {
  return defineResource('os-flavor-manage', (r) => {
    r.route({
      method: 'POST',
      path: '/flavors',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:flavormanage');
        const f = req.body.flavor;
        const isPublic = f['os-flavor-access:is_public'];
        const flavor = await services.flavors.create(req.ctx, {
          name: f.name,
          flavorId: f.id ?? null,
          memoryMb: f.ram,
          vcpus: f.vcpus,
          rootGb: f.disk,
          ephemeralGb: f['OS-FLV-EXT-DATA:ephemeral'] ?? null,
          swap: f.swap ?? null,
          rxtxFactor: f.rxtx_factor ?? null,
          isPublic: isPublic === undefined ? true : parseBoolean(isPublic),
        });
        return { flavor: flavorDetailView(req, flavor) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/flavors/:flavor_id',
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:flavormanage');
        await services.flavors.delete(req.ctx, req.params.flavor_id as string);
        return undefined;
      },
    });
  });
}
