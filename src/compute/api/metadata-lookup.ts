/**
 * What the metadata service needs from the compute side: which live instance a fixed IP
 * belongs to, everything the metadata of an instance is made from, and storing the
 * password its guest posts. The metadata service runs in the API layer and reads nothing
 * from the database itself.
 */

import { InstanceNotFound } from '../../common/errors.js';
import { FixedIpInvalid, FixedIpNotFound } from '../../common/network-errors.js';
import type { Config } from '../../config/config.js';
import { adminContext } from '../../context/context.js';
import { aggregateZonesByHost } from '../../db/api/aggregates.js';
import { blockDeviceMappingGetAllByInstance } from '../../db/api/block-device-mappings.js';
import type { Db } from '../../db/api/common.js';
import { dbEc2IdLookup } from '../../db/api/ec2-id-mappings.js';
import { fixedIpGetByAddress } from '../../db/api/fixed-ips.js';
import { type InstanceRecord, instanceGetByUuid } from '../../db/api/instances.js';
import { ec2IdsFor, type InstanceMetadataSource, metadataSourceFromInstance } from '../../metadata/source.js';
import { networkManagerOpts } from '../../network/opts.js';
import { availabilityZoneOpts } from '../availability-zones.js';
import { setPasswordFromGuest } from './server-password.js';

export class InstanceMetadataLookup {
  readonly #db: Db;
  readonly #conf: Config;

  constructor(db: Db, conf: Config) {
    this.#db = db;
    this.#conf = conf;
  }

  /** The uuid of the instance a fixed IP is associated with, or null (no such address, or no instance on it). */
  async instanceUuidForAddress(address: string): Promise<string | null> {
    try {
      return (await fixedIpGetByAddress(this.#db, adminContext(), address)).instance_uuid ?? null;
    } catch (err) {
      if (err instanceof FixedIpNotFound || err instanceof FixedIpInvalid) return null;
      throw err;
    }
  }

  /** The metadata source of a live instance, or null when there is none with this uuid. */
  async source(instanceUuid: string): Promise<InstanceMetadataSource | null> {
    let instance: InstanceRecord;
    try {
      instance = await instanceGetByUuid(this.#db, adminContext(), instanceUuid);
    } catch (err) {
      if (err instanceof InstanceNotFound) return null;
      throw err;
    }
    const network = this.#conf.get(networkManagerOpts);
    const zones = this.#conf.get(availabilityZoneOpts);
    const byHost = await aggregateZonesByHost(this.#db, null);
    const uuid = instance.uuid as string;
    return metadataSourceFromInstance(instance, {
      blockDeviceMappings: await blockDeviceMappingGetAllByInstance(this.#db, null, uuid),
      availabilityZone: (instance.host ? byHost.get(instance.host) : undefined) ?? zones.default_availability_zone ?? null,
      ec2Ids: await ec2IdsFor(dbEc2IdLookup(this.#db), {
        uuid,
        imageRef: instance.image_ref || null,
        kernelId: instance.kernel_id || null,
        ramdiskId: instance.ramdisk_id || null,
      }),
      dhcpDomain: network.dhcp_domain ?? '',
      useIpv6: network.use_ipv6,
    });
  }

  /** Stores what the guest posted; PasswordAlreadySet (409) when a password is stored. */
  setPasswordFromGuest(instanceUuid: string, password: string): Promise<void> {
    return setPasswordFromGuest(this.#db, instanceUuid, password);
  }
}
