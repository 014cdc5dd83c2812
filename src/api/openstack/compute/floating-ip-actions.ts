/**
 * The server actions `addFloatingIp` and `removeFloatingIp` (nova/api/openstack/compute/contrib/floating_ips.py FloatingIPActionController), served up to microversion 2.43.
 */
import { Type } from 'typebox';
import { Conflict, InvalidInput } from '../../../common/errors.js';
import { FloatingIpAlreadyAssociated } from '../../../common/network-errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { NetworkAPI } from '../../../network/api.js';
import { NoFloatingIpInterface } from '../../../network/linux-net/errors.js';
import { allFixedIps, hydrateNetworkInfo } from '../../../virt/network-model.js';
import { defineResource, type ResourceModule } from '../routing.js';

const ACTIONS_MAX_VERSION = '2.43';

const address = Type.String({ minLength: 1, maxLength: 255 });

const AddBody = Type.Object(
  {
    addFloatingIp: Type.Object({ address, fixed_address: Type.Optional(address) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const RemoveBody = Type.Object(
  { removeFloatingIp: Type.Object({ address }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** The instance's fixed IPv4 addresses, from its cached network info. */
function cachedFixedV4(networkInfo: string | null | undefined): string[] {
  try {
    return allFixedIps(hydrateNetworkInfo(networkInfo ?? '[]'))
      .filter((ip) => ip.version === 4)
      .map((ip) => ip.address);
  } catch {
    return [];
  }
}

export function floatingIpActionsResource(deps: {
  compute: ComputeAPI;
  network: Pick<NetworkAPI, 'getFloatingIpByAddress' | 'associateFloatingIp' | 'disassociateFloatingIp'>;
}): ResourceModule {
  const { compute, network } = deps;
  return defineResource('floating-ip-actions', (r) => {
    r.action({
      path: '/servers/:server_id/action',
      action: 'addFloatingIp',
      maxVersion: ACTIONS_MAX_VERSION,
      body: AddBody,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        const { address: floating, fixed_address: wanted } = req.body.addFloatingIp;
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const fixed = cachedFixedV4(instance.info_cache?.network_info);
        if (fixed.length === 0) throw new InvalidInput('No fixed ips associated to instance');
        if (wanted !== undefined && !fixed.includes(wanted)) throw new InvalidInput('Specified fixed address not assigned to instance');
        const fixedAddress = wanted ?? (fixed[0] as string);
        const found = await network.getFloatingIpByAddress(req.ctx, floating);
        if (found.fixed_address) {
          // Already where it was asked to go: nothing to do. Elsewhere: today's Nova refuses
          // instead of moving it silently as Grizzly did.
          if (found.instance_uuid === instance.uuid && found.fixed_address === fixedAddress) return undefined;
          throw new FloatingIpAlreadyAssociated(found.address, found.instance_uuid);
        }
        try {
          await network.associateFloatingIp(req.ctx, found.address, fixedAddress);
        } catch (err) {
          if (err instanceof NoFloatingIpInterface) throw new InvalidInput('l3driver call to add floating ip failed');
          throw err;
        }
        return undefined;
      },
    });

    r.action({
      path: '/servers/:server_id/action',
      action: 'removeFloatingIp',
      maxVersion: ACTIONS_MAX_VERSION,
      body: RemoveBody,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        const floating = req.body.removeFloatingIp.address;
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const found = await network.getFloatingIpByAddress(req.ctx, floating);
        if (!found.fixed_address || found.instance_uuid !== instance.uuid) {
          throw new Conflict(`Floating ip ${floating} is not associated with instance ${instance.uuid}.`);
        }
        await network.disassociateFloatingIp(req.ctx, found.address);
        return undefined;
      },
    });
  });
}
