import { NotFound, NovaError } from '../common/errors.js';

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
