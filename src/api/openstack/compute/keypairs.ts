/** `os-keypairs`: a user's SSH key pairs (generate, import, list, show, delete). */
import { Type } from 'typebox';
import { KeypairLimitExceeded, NotAuthorized } from '../../../common/errors.js';
import type { KeyPair, KeypairAPI } from '../../../compute/keypairs.js';
import { naiveIsoTime } from '../common.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

const CreateBody = Type.Object(
  {
    keypair: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9 _-]+$', format: 'name' }),
        public_key: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function userOf(req: ComputeRequest): string {
  if (req.ctx.userId === null) throw new NotAuthorized('Key pairs belong to a user; this request has none.');
  return req.ctx.userId;
}

function showView(k: KeyPair): Record<string, unknown> {
  return {
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    user_id: k.user_id,
    id: k.id,
    created_at: naiveIsoTime(k.created_at),
    updated_at: naiveIsoTime(k.updated_at),
    deleted: k.deleted !== 0,
    deleted_at: naiveIsoTime(k.deleted_at),
  };
}

export function keypairsResource(services: ComputeApiServices): ResourceModule {
  const api = services.keypairs;

  return defineResource('os-keypairs', (r) => {
    r.route({
      method: 'GET',
      path: '/os-keypairs',
      handler: async (req) => {
        req.authorize('compute_extension:keypairs');
        const rows = await api.getAll(req.ctx, userOf(req));
        return { keypairs: rows.map((k) => ({ keypair: { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint } })) };
      },
    });
    r.route({
      method: 'POST',
      path: '/os-keypairs',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:keypairs');
        const userId = userOf(req);
        const { name, public_key: publicKey } = req.body.keypair;
        let created: Awaited<ReturnType<KeypairAPI['create']>>;
        try {
          created = await api.create(req.ctx, userId, name, publicKey);
        } catch (err) {
          if (err instanceof KeypairLimitExceeded) throw new KeypairLimitExceeded('Quota exceeded, too many key pairs.');
          throw err;
        }
        const k = created.keypair;
        const view: Record<string, unknown> = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, user_id: k.user_id };
        if (created.privateKey !== null) view.private_key = created.privateKey;
        return { keypair: view };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-keypairs/:keypair_name',
      handler: async (req) => {
        req.authorize('compute_extension:keypairs');
        return { keypair: showView(await api.get(req.ctx, userOf(req), req.params.keypair_name as string)) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/os-keypairs/:keypair_name',
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:keypairs');
        await api.delete(req.ctx, userOf(req), req.params.keypair_name as string);
        return undefined;
      },
    });
  });
}
