/**
 * nova-network's errors, named as in nova/exception.py so they cross the bus by name.
 * Where today's Nova answers a server create with 400 for a bad network request
 * (address in use, address outside the network, unknown network), the class carries 400
 * itself so the API layer needs no translation table.
 */
import { Conflict, Invalid, NetworkNotFound, NotAuthorized, NotFound, NovaError } from './errors.js';

export class NoMoreFixedIps extends NovaError {
  constructor(message = 'Zero fixed ips available.') {
    super(message);
  }
}

export class NoMoreNetworks extends NovaError {
  constructor(message = 'No more available networks.') {
    super(message);
  }
}

export class NetworkNotFoundForUUID extends NetworkNotFound {
  constructor(uuid: string) {
    super(`Network could not be found for uuid ${uuid}`, { kwargs: { uuid } });
  }
}

export class NetworkNotFoundForCidr extends NetworkNotFound {
  constructor(cidr: string) {
    super(`Network could not be found with cidr ${cidr}.`, { kwargs: { cidr } });
  }
}

export class NetworkNotFoundForProject extends NetworkNotFound {
  constructor(networkUuid: string, projectId: string | null) {
    super(`Either Network uuid ${networkUuid} is not present or is not assigned to the project ${projectId}.`, {
      kwargs: { network_uuid: networkUuid, project_id: projectId },
    });
  }
}

/** A server asked for a network that does not exist (or is not the caller's): a bad request. */
export class NetworkNotFoundForRequest extends Invalid {
  constructor(networkUuid: string) {
    super(`Network ${networkUuid} could not be found.`, { kwargs: { network_id: networkUuid } });
  }
}

export class NetworkInUse extends Conflict {
  constructor(networkId: number | string) {
    super(`Network ${networkId} is still in use.`, { kwargs: { network_id: networkId } });
  }
}

export class CidrConflict extends Conflict {
  constructor(message = 'Requested cidr conflicts with an existing network.') {
    super(message);
  }
}

export class DuplicateVlan extends Conflict {
  constructor(vlan: number | null) {
    super(`Detected existing vlan with id ${vlan}`, { kwargs: { vlan } });
  }
}

/** A network create request that cannot be carried out as given (missing or malformed arguments). */
export class InvalidNetworkRequest extends Invalid {}

export class FixedIpNotFound extends NotFound {
  constructor(message = 'No fixed IP associated with id.', options: { kwargs?: Record<string, unknown> } = {}) {
    super(message, options);
  }
}

export class FixedIpNotFoundForAddress extends FixedIpNotFound {
  constructor(address: string) {
    super(`Fixed ip not found for address ${address}.`, { kwargs: { address } });
  }
}

export class FixedIpNotFoundForInstance extends FixedIpNotFound {
  constructor(instanceUuid: string) {
    super(`Instance ${instanceUuid} has zero fixed ips.`, { kwargs: { instance_uuid: instanceUuid } });
  }
}

export class FixedIpNotFoundForNetworkHost extends FixedIpNotFound {
  constructor(networkId: number, host: string) {
    super(`Network host ${host} has zero fixed ips in network ${networkId}.`, { kwargs: { network_id: networkId, host } });
  }
}

/** The requested address is not one of the network's: a bad request. */
export class FixedIpNotFoundForNetwork extends Invalid {
  constructor(address: string, networkUuid: string | number | null) {
    super(`Fixed IP address (${address}) does not exist in network (${networkUuid}).`, {
      kwargs: { address, network_uuid: networkUuid },
    });
  }
}

export class FixedIpAlreadyInUse extends Invalid {
  constructor(address: string, instanceUuid: string | null) {
    super(`Fixed IP address ${address} is already in use on instance ${instanceUuid}.`, {
      kwargs: { address, instance_uuid: instanceUuid },
    });
  }
}

export class FixedIpInvalid extends Invalid {
  constructor(address: string) {
    super(`Fixed IP address ${address} is invalid.`, { kwargs: { address } });
  }
}

export class VirtualInterfaceCreateException extends NovaError {
  constructor(message = 'Virtual Interface creation failed', options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export class VirtualInterfaceMacAddressException extends NovaError {
  constructor(message = 'Creation of virtual interface with unique mac address failed') {
    super(message);
  }
}

export class NetworkNotCreated extends Invalid {
  constructor(req: string) {
    super(`${req} is required to create a network.`, { kwargs: { req } });
  }
}

export class InvalidCidr extends Invalid {
  constructor(cidr: string) {
    super(`${cidr} is not a valid IP network.`, { kwargs: { cidr } });
  }
}

// ---- floating IPs (nova/exception.py) ----------------------------------------

export class FloatingIpNotFound extends NotFound {
  constructor(message = 'Floating ip not found.', options: { kwargs?: Record<string, unknown> } = {}) {
    super(message, options);
  }
}

export class FloatingIpNotFoundForId extends FloatingIpNotFound {
  constructor(id: number | string) {
    super(`Floating ip not found for id ${id}`, { kwargs: { id } });
  }
}

export class FloatingIpNotFoundForAddress extends FloatingIpNotFound {
  constructor(address: string) {
    super(`Floating ip not found for address ${address}.`, { kwargs: { address } });
  }
}

export class FloatingIpNotFoundForHost extends FloatingIpNotFound {
  constructor(host: string) {
    super(`Floating ip not found for host ${host}.`, { kwargs: { host } });
  }
}

/** The pool has no free address left (404, as Nova's API answers it). */
export class NoMoreFloatingIps extends FloatingIpNotFound {
  constructor(pool: string | null) {
    super(pool ? `No more floating ips in pool ${pool}.` : 'No more floating ips available.', { kwargs: { pool } });
  }
}

export class FloatingIpExists extends Conflict {
  constructor(address: string) {
    super(`Floating ip ${address} already exists.`, { kwargs: { address } });
  }
}

/** Releasing an address still bound to an instance. */
export class FloatingIpAssociated extends Conflict {
  constructor(address: string) {
    super(`Floating ip ${address} is associated.`, { kwargs: { address } });
  }
}

export class FloatingIpNotAssociated extends Conflict {
  constructor(address: string) {
    super(`Floating ip ${address} is not associated.`, { kwargs: { address } });
  }
}

/** The address is held by another instance's fixed IP and the request did not allow moving it. */
export class FloatingIpAlreadyAssociated extends Invalid {
  constructor(address: string, instanceUuid: string | null) {
    super(`Floating ip ${address} is already associated with instance ${instanceUuid}.`, {
      kwargs: { address, instance_uuid: instanceUuid },
    });
  }
}

export class CannotDisassociateAutoAssignedFloatingIP extends NotAuthorized {
  constructor() {
    super('Cannot disassociate auto assigned floating ip');
  }
}

/** A floating IP range that cannot be created as given. */
export class InvalidFloatingIpRange extends Invalid {}

export class FloatingIpDNSExists extends Invalid {
  constructor(name: string, domain: string) {
    super(`The DNS entry ${name} already exists in domain ${domain}.`, { kwargs: { name, domain } });
  }
}

/** removeFixedIp named an address the instance does not have: a bad request. */
export class FixedIpNotFoundForSpecificInstance extends Invalid {
  constructor(instanceUuid: string, address: string) {
    super(`Instance ${instanceUuid} doesn't have fixed ip '${address}'.`, { kwargs: { instance_uuid: instanceUuid, ip: address } });
  }
}
