import { NovaError } from '../../common/errors.js';

/** A build's resource claim did not fit the node's limits; the build goes back to the scheduler. */
export class ComputeResourcesUnavailable extends NovaError {
  static override readonly code = 500;
  constructor(reason: string) {
    super(`Insufficient compute resources: ${reason}`, { kwargs: { reason } });
  }
}

/** A build asked to re-schedule: the request went back to the scheduler, nothing more to do here. */
export class RescheduledException extends NovaError {
  constructor(instanceUuid: string, reason: string) {
    super(`Build of instance ${instanceUuid} was re-scheduled: ${reason}`, { kwargs: { instance_uuid: instanceUuid, reason } });
  }
}

/** The image is bigger than the flavor's root disk. */
export class ImageTooLarge extends NovaError {
  constructor(size: number, rootGb: number) {
    super(`Image is larger than instance type allows (image ${size} bytes, root disk ${rootGb} GB)`, { kwargs: { size, root_gb: rootGb } });
  }
}

/** Evacuate asked a host whose driver cannot re-create a guest that lived elsewhere. */
export class InstanceRecreateNotSupported extends NovaError {
  constructor() {
    super('Instance recreate is not implemented by this virt driver.');
  }
}
