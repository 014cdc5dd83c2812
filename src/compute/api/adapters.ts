/**
 * The compute API's lookups bound to the modules that own them: flavors and key pairs
 * from the database, network validation through the network API.
 */
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { type FlavorRecord, flavorGet, flavorGetByFlavorId, flavorGetByName } from '../../db/api/flavors.js';
import { keyPairGet } from '../../db/api/keypairs.js';
import type { NetworkAPI } from '../../network/api.js';
import type { FlavorInfo, FlavorLookup, KeypairLookup, NetworkValidator, RequestedNetwork } from './deps.js';

function flavorInfo(f: FlavorRecord): FlavorInfo {
  return {
    id: f.id,
    flavorid: f.flavorid ?? '',
    name: f.name ?? '',
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb ?? 0,
    ephemeral_gb: f.ephemeral_gb ?? 0,
    swap: f.swap,
    rxtx_factor: f.rxtx_factor ?? 1,
    vcpu_weight: f.vcpu_weight,
    disabled: !!f.disabled,
    is_public: f.is_public !== false,
  };
}

export function dbFlavorLookup(db: Db): FlavorLookup {
  return {
    getByFlavorId: async (ctx: RequestContext, flavorId: string, options = {}) =>
      flavorInfo(await flavorGetByFlavorId(db, ctx, flavorId, options.readDeleted)),
    getById: async (ctx: RequestContext, id: number) => flavorInfo(await flavorGet(db, ctx.with({ readDeleted: 'yes' }), id)),
  };
}

/** The live flavor of that name (what the EC2 API's InstanceType and cloudpipe's vpn_instance_type name); FlavorNotFound. */
export function dbFlavorByName(db: Db): (ctx: RequestContext, name: string) => Promise<FlavorInfo> {
  return async (ctx, name) => flavorInfo(await flavorGetByName(db, ctx, name));
}

export function dbKeypairLookup(db: Db): KeypairLookup {
  return {
    get: async (ctx: RequestContext, userId: string, name: string) => {
      const kp = await keyPairGet(db, ctx, userId, name);
      return { name: kp.name ?? name, public_key: kp.public_key };
    },
  };
}

export function networkApiValidator(network: Pick<NetworkAPI, 'validateNetworks'>): NetworkValidator {
  return {
    validateNetworks: (ctx: RequestContext, requested: readonly RequestedNetwork[]) =>
      network.validateNetworks(
        ctx,
        requested.map(([uuid, fixed_ip]) => ({ uuid, fixed_ip })),
      ),
  };
}
