/** `os-flavor-extra-specs`: `/flavors/{id}/os-extra_specs[/{key}]`; writes are for admins. */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

const KEY_PATTERN = '^[a-zA-Z0-9-_:. ]{1,255}$';
const specValue = Type.Unsafe<string | number | boolean>({ type: ['string', 'number', 'boolean'], maxLength: 255 });
const specMap = Type.Unsafe<Record<string, string | number | boolean>>({
  type: 'object',
  patternProperties: { [KEY_PATTERN]: specValue },
  additionalProperties: false,
});

const CreateBody = Type.Object({ extra_specs: specMap }, { additionalProperties: false });
const UpdateBody = Type.Unsafe<Record<string, string | number | boolean>>({
  type: 'object',
  patternProperties: { [KEY_PATTERN]: specValue },
  additionalProperties: false,
  minProperties: 1,
});

/** Numbers and booleans are stored as text, the way Nova's 2.1 API converts them. */
function asStored(specs: Readonly<Record<string, string | number | boolean>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) out[k] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
  return out;
}

export function flavorExtraSpecsResource(services: ComputeApiServices): ResourceModule {
  const flavorId = (req: ComputeRequest): string => req.params.flavor_id as string;
  /** 404 for a flavor the caller cannot see, before anything else happens. */
  const requireFlavor = async (req: ComputeRequest): Promise<void> => {
    await services.flavors.get(req.ctx, flavorId(req), 'no');
  };

  return defineResource('os-flavor-extra-specs', (r) => {
    r.route({
      method: 'GET',
      path: '/flavors/:flavor_id/os-extra_specs',
      handler: async (req) => {
        req.authorize('compute_extension:flavorextraspecs:index');
        await requireFlavor(req);
        return { extra_specs: await services.flavors.getExtraSpecs(null, flavorId(req)) };
      },
    });
    r.route({
      method: 'POST',
      path: '/flavors/:flavor_id/os-extra_specs',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:flavorextraspecs:create');
        await requireFlavor(req);
        await services.flavors.updateExtraSpecs(req.ctx, flavorId(req), asStored(req.body.extra_specs));
        return { extra_specs: req.body.extra_specs };
      },
    });
    r.route({
      method: 'GET',
      path: '/flavors/:flavor_id/os-extra_specs/:key',
      handler: async (req) => {
        req.authorize('compute_extension:flavorextraspecs:show');
        await requireFlavor(req);
        const key = req.params.key as string;
        return { [key]: await services.flavors.getExtraSpec(null, flavorId(req), key) };
      },
    });
    r.route({
      method: 'PUT',
      path: '/flavors/:flavor_id/os-extra_specs/:key',
      body: UpdateBody,
      handler: async (req) => {
        req.authorize('compute_extension:flavorextraspecs:update');
        const key = req.params.key as string;
        const keys = Object.keys(req.body);
        if (keys.length > 1) throw new InvalidInput('Request body contains too many items');
        if (keys[0] !== key) throw new InvalidInput('Request body and URI mismatch');
        await requireFlavor(req);
        await services.flavors.updateExtraSpecs(req.ctx, flavorId(req), asStored(req.body));
        return req.body;
      },
    });
    r.route({
      method: 'DELETE',
      path: '/flavors/:flavor_id/os-extra_specs/:key',
      handler: async (req) => {
        req.authorize('compute_extension:flavorextraspecs:delete');
        await requireFlavor(req);
        await services.flavors.deleteExtraSpec(req.ctx, flavorId(req), req.params.key as string);
        return undefined;
      },
    });
  });
}
