/**
 * Security group errors, named as in nova/exception.py so they cross the bus by name. Nova's
 * API answers each of them with 400 (the duplicate default rule with 409 at v2.1).
 */
import { Conflict, Invalid } from './errors.js';

export class SecurityGroupExists extends Invalid {
  constructor(projectId: string, name: string) {
    super(`Security group ${name} already exists`, { kwargs: { project_id: projectId, security_group_name: name } });
  }
}

export class SecurityGroupRuleExists extends Invalid {
  constructor(groupName: string) {
    super(`This rule already exists in group ${groupName}`, { kwargs: { rule: groupName } });
  }
}

export class SecurityGroupDefaultRuleExists extends Conflict {
  constructor() {
    super('This default rule already exists.');
  }
}

export class InvalidIpProtocol extends Invalid {
  constructor(protocol: string) {
    super(`Invalid IP protocol ${protocol}.`, { kwargs: { protocol } });
  }
}

export class InvalidPortRange extends Invalid {
  constructor(fromPort: unknown, toPort: unknown, msg: string) {
    super(`Invalid port range ${String(fromPort)}:${String(toPort)}. ${msg}`, { kwargs: { from_port: fromPort, to_port: toPort } });
  }
}

/** A group in the wrong state for the request: the default group, or one still in use. */
export class InvalidSecurityGroup extends Invalid {}

export class SecurityGroupNotAssociated extends Invalid {
  constructor(name: string, instanceUuid: string) {
    super(`Security group ${name} not associated with the instance ${instanceUuid}`, { kwargs: { name, instance_id: instanceUuid } });
  }
}

export class SecurityGroupAlreadyAssociated extends Invalid {
  constructor(name: string, instanceUuid: string) {
    super(`Security group ${name} is already associated with the instance ${instanceUuid}`, {
      kwargs: { name, instance_id: instanceUuid },
    });
  }
}
