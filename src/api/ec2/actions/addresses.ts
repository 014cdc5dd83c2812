/**
 * Elastic IPs as EC2-Classic has them, over nova-network's floating IPs: DescribeAddresses,
 * AllocateAddress, ReleaseAddress, AssociateAddress, DisassociateAddress.
 */
import { FloatingIpNotFound } from '../../../common/network-errors.js';
import { formatEc2Id } from '../../../compute/ec2-ids.js';
import type { RequestContext } from '../../../context/context.js';
import { Ec2Error } from '../errors.js';
import { applyFilters } from '../filters.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import { findInstance, instanceAddresses } from './instance-view.js';
import { defineEc2Actions } from './registry.js';

function addressNotFound(address: string): Ec2Error {
  return new Ec2Error('InvalidAddress.NotFound', `Address '${address}' not found.`);
}

function publicIpOf(params: Ec2Params): string {
  if (params.get('AllocationId') !== undefined) {
    throw new Ec2Error('UnsupportedOperation', 'This cloud has no VPCs: name the address by PublicIp.');
  }
  const ip = params.get('PublicIp');
  if (ip === undefined || ip === '') throw new Ec2Error('MissingParameter', 'The request must contain the parameter PublicIp');
  return ip;
}

async function findAddress(ctx: RequestContext, services: Ec2Services, address: string) {
  try {
    const found = await services.addresses.getFloatingIpByAddress(ctx, address);
    if (!ctx.isAdmin && found.project_id !== ctx.projectId) throw addressNotFound(address);
    return found;
  } catch (err) {
    if (err instanceof FloatingIpNotFound) throw addressNotFound(address);
    throw err;
  }
}

export const addressActions = defineEc2Actions('addresses', {
  async DescribeAddresses({ ctx, params, services }) {
    const all = await services.addresses.getFloatingIpsByProject(ctx);
    const wanted = params.list('PublicIp');
    for (const ip of wanted) if (!all.some((f) => f.address === ip)) throw addressNotFound(ip);
    const listed = wanted.length > 0 ? all.filter((f) => wanted.includes(f.address)) : all;
    const uuids = listed.map((f) => f.instance_uuid).filter((u): u is string => !!u);
    const ids = await services.ids.idsFor('instance', uuids);
    const items = listed.map((f) => ({
      publicIp: f.address,
      domain: 'standard',
      instanceId: f.instance_uuid ? formatEc2Id('i', ids.get(f.instance_uuid) ?? 0) : '',
    }));
    const kept = applyFilters(items, params.filters(), {
      'public-ip': (i) => i.publicIp,
      'instance-id': (i) => i.instanceId,
      domain: (i) => i.domain,
    });
    return { addressesSet: kept };
  },

  async AllocateAddress({ ctx, params, services }) {
    if (params.get('Domain') === 'vpc') throw new Ec2Error('UnsupportedOperation', 'This cloud has no VPCs: only standard addresses.');
    const address = await services.addresses.allocateFloatingIp(ctx, null);
    return { publicIp: address, domain: 'standard' };
  },

  async ReleaseAddress({ ctx, params, services }) {
    const found = await findAddress(ctx, services, publicIpOf(params));
    if (found.fixed_address) {
      throw new Ec2Error('InvalidIPAddress.InUse', `Address ${found.address} is associated with an instance; disassociate it first.`);
    }
    await services.addresses.releaseFloatingIp(ctx, found.address);
    return { return: true };
  },

  async AssociateAddress({ ctx, params, services }) {
    const address = publicIpOf(params);
    const instance = await findInstance(ctx, services, params.require('InstanceId'));
    const found = await findAddress(ctx, services, address);
    const fixed = instanceAddresses(instance).fixedV4[0];
    if (fixed === undefined) {
      throw new Ec2Error('IncorrectInstanceState', `Instance ${params.require('InstanceId')} has no fixed address yet.`);
    }
    if (found.fixed_address === fixed) return { return: true };
    // EC2-Classic moves an address that is elsewhere, as Grizzly did.
    if (found.fixed_address) await services.addresses.disassociateFloatingIp(ctx, found.address);
    await services.addresses.associateFloatingIp(ctx, found.address, fixed);
    return { return: true };
  },

  async DisassociateAddress({ ctx, params, services }) {
    const found = await findAddress(ctx, services, publicIpOf(params));
    if (found.fixed_address) await services.addresses.disassociateFloatingIp(ctx, found.address);
    return { return: true };
  },
});
