import { Invalid, NotFound, NovaError } from '../common/errors.js';

export class SchedulerHostFilterNotFound extends NotFound {
  constructor(filterName: string) {
    super(`Scheduler Host Filter ${filterName} could not be found.`, { kwargs: { filter_name: filterName } });
  }
}

export class SchedulerWeightClassNotFound extends NotFound {
  constructor(className: string) {
    super(`Scheduler weight class ${className} could not be found.`, { kwargs: { class_name: className } });
  }
}

export class SchedulerCostFunctionNotFound extends NotFound {
  constructor(costFnStr: string) {
    super(`Scheduler cost function ${costFnStr} could not be found.`, { kwargs: { cost_fn_str: costFnStr } });
  }
}

export class ClassNotFound extends NotFound {
  constructor(className: string, reason: string) {
    super(`Class ${className} could not be found: ${reason}`, { kwargs: { class_name: className, exception: reason } });
  }
}

/** A configuration value the scheduler cannot work with, noticed while scheduling. */
export class SchedulerConfigError extends NovaError {}

// ---- live migration checks (nova/scheduler/driver.py, Grizzly) ----

export class UnableToMigrateToSelf extends Invalid {
  constructor(instanceId: string, host: string) {
    super(`Unable to migrate instance (${instanceId}) to current host (${host}).`, { kwargs: { instance_id: instanceId, host } });
  }
}

export class ComputeServiceUnavailable extends Invalid {
  constructor(host: string) {
    super(`Compute service of ${host} is unavailable at this time.`, { kwargs: { host } });
  }
}

export class InvalidHypervisorType extends Invalid {
  constructor() {
    super('The supplied hypervisor type of is invalid.');
  }
}

export class DestinationHypervisorTooOld extends Invalid {
  constructor() {
    super('The instance requires a newer hypervisor version than has been provided.');
  }
}

/** The destination has too little free memory for the instance. */
export class LiveMigrationLackOfMemory extends Invalid {
  constructor(instanceUuid: string, dest: string, avail: number, memInst: number) {
    super(`Migration error: Unable to migrate ${instanceUuid} to ${dest}: Lack of memory(host:${avail} <= instance:${memInst})`, {
      kwargs: { instance_uuid: instanceUuid, dest },
    });
  }
}
