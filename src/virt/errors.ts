import { Invalid, InvalidConfig, NotFound, NovaError } from '../common/errors.js';

/**
 * The driver cannot do this at all (Python's NotImplementedError, which callers in the
 * compute manager test for by name: soft_delete falls back to power_off, and so on).
 * Reaching the API it is a 501.
 */
export class NotImplementedError extends NovaError {
  static override readonly code = 501;
  static override readonly safe = true;
  constructor(driver: string, method: string) {
    super(`The ${driver} driver does not support ${method}.`, { kwargs: { driver, method } });
  }
}

export class InstanceNotRunning extends Invalid {
  constructor(instanceId: string) {
    super(`Instance ${instanceId} is not running.`, { kwargs: { instance_id: instanceId } });
  }
}

export class InstanceNotInRescueMode extends Invalid {
  constructor(instanceId: string) {
    super(`Instance ${instanceId} is not in rescue mode`, { kwargs: { instance_id: instanceId } });
  }
}

export class InstanceNotRescuable extends Invalid {
  constructor(instanceId: string, reason: string) {
    super(`Instance ${instanceId} cannot be rescued: ${reason}`, { kwargs: { instance_id: instanceId, reason } });
  }
}

/** A guest refused a power transition; `reason` says what state it was in. */
class InstanceOperationFailure extends Invalid {
  constructor(what: string, reason: string) {
    super(`Failed to ${what} instance: ${reason}`, { kwargs: { reason } });
  }
}
export class InstancePowerOnFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('power on', reason);
  }
}
export class InstancePowerOffFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('power off', reason);
  }
}
export class InstanceRebootFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('reboot', reason);
  }
}
export class InstanceSuspendFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('suspend', reason);
  }
}
export class InstanceResumeFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('resume', reason);
  }
}
export class InstanceUnpauseFailure extends InstanceOperationFailure {
  constructor(reason: string) {
    super('unpause', reason);
  }
}

export class InterfaceAttachFailed extends Invalid {
  constructor(instanceUuid: string) {
    super(`Failed to attach network adapter device to ${instanceUuid}`, { kwargs: { instance: instanceUuid } });
  }
}

export class InterfaceDetachFailed extends Invalid {
  constructor(instanceUuid: string) {
    super(`Failed to detach network adapter device from ${instanceUuid}`, { kwargs: { instance: instanceUuid } });
  }
}

export class DevicePathInUse extends Invalid {
  constructor(path: string) {
    super(`The supplied device path (${path}) is in use.`, { kwargs: { path } });
  }
}

export class DiskNotFound extends NotFound {
  constructor(location: string) {
    super(`No disk at ${location}`, { kwargs: { location } });
  }
}

export class InstancePasswordSetFailed extends NovaError {
  static override readonly code = 409;
  constructor(instance: string, reason: string) {
    super(`Failed to set admin password on ${instance} because ${reason}`, { kwargs: { instance, reason } });
  }
}

export class MigrationPreCheckError extends Invalid {
  constructor(reason: string) {
    super(`Migration pre-check error: ${reason}`, { kwargs: { reason } });
  }
}

/** A migration that had started failed (the hypervisor's reason in the message). */
export class MigrationError extends NovaError {
  constructor(reason: string) {
    super(`Migration error: ${reason}`, { kwargs: { reason } });
  }
}

/** `compute_driver` names no driver nova-ts has; start-up stops with this. */
export class ComputeDriverNotFound extends InvalidConfig {
  constructor(name: string | null, known: readonly string[]) {
    super(
      name
        ? `compute_driver = ${name} is not a driver nova-ts knows; use one of: ${known.join(', ')}`
        : `compute_driver is not set; use one of: ${known.join(', ')}`,
      { kwargs: { compute_driver: name } },
    );
  }
}
