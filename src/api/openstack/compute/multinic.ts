/**
 * The multinic server actions `addFixedIp` and `removeFixedIp` (nova/api/openstack/compute/contrib/multinic.py): one more interface and fixed IP on a network, or one taken away.
 * Served up to microversion 2.43.
 */
import { Type } from 'typebox';
import { InvalidInput, NetworkNotFound, NotFound } from '../../../common/errors.js';
import { NoMoreFixedIps } from '../../../common/network-errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { NetworkAPI } from '../../../network/api.js';
import { defineResource, type ResourceModule } from '../routing.js';

const text = Type.String({ minLength: 1, maxLength: 255 });

const AddBody = Type.Object(
  { addFixedIp: Type.Object({ networkId: Type.Union([text, Type.Integer({ minimum: 0 })]) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const RemoveBody = Type.Object(
  { removeFixedIp: Type.Object({ address: text }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export function multinicResource(deps: {
  compute: ComputeAPI;
  network: Pick<NetworkAPI, 'addFixedIpToInstance' | 'removeFixedIpFromInstance'>;
}): ResourceModule {
  const { compute, network } = deps;
  return defineResource('multinic', (r) => {
    r.action({
      path: '/servers/:server_id/action',
      action: 'addFixedIp',
      maxVersion: '2.43',
      body: AddBody,
      handler: async (req) => {
        req.authorize('compute_extension:multinic');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const networkId = String(req.body.addFixedIp.networkId);
        try {
          await network.addFixedIpToInstance(
            req.ctx,
            { uuid: instance.uuid as string, project_id: instance.project_id, host: instance.host },
            networkId,
          );
        } catch (err) {
          if (err instanceof NetworkNotFound) throw new NotFound(`Network ${networkId} could not be found.`);
          if (err instanceof NoMoreFixedIps) throw new InvalidInput(err.message);
          throw err;
        }
        return undefined;
      },
    });

    r.action({
      path: '/servers/:server_id/action',
      action: 'removeFixedIp',
      maxVersion: '2.43',
      body: RemoveBody,
      handler: async (req) => {
        req.authorize('compute_extension:multinic');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await network.removeFixedIpFromInstance(
          req.ctx,
          { uuid: instance.uuid as string, project_id: instance.project_id, host: instance.host },
          req.body.removeFixedIp.address,
        );
        return undefined;
      },
    });
  });
}
