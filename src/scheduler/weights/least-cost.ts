import { getLogger } from '../../common/log.js';
import { SchedulerCostFunctionNotFound } from '../errors.js';
import type { HostState } from '../host-state.js';
import type { SchedulerSettings } from '../opts.js';
import type { HostWeigher, WeighedHost } from './base.js';

const log = getLogger('nova.scheduler.weights.least_cost');

type CostFunction = (host: HostState) => number;

const COST_FUNCTIONS: Record<string, CostFunction> = {
  noop_cost_fn: () => 1,
  compute_fill_first_cost_fn: (host) => -host.free_ram_mb,
};

const DEFAULT_FUNCTION = 'nova.scheduler.least_cost.compute_fill_first_cost_fn';

/** Whether the deprecated least-cost options replace the weighers. */
export function legacyWeighingEnabled(settings: SchedulerSettings): boolean {
  return settings.least_cost_functions !== null || settings.compute_fill_first_cost_fn_weight !== null;
}

/**
 * The pre-Grizzly least-cost weighing kept for old configurations: each host's weight is
 * replaced by the weighted sum of the configured cost functions. Only functions named
 * `compute_*` or `noop*` are honoured; others are skipped as Nova did.
 */
export class LeastCostWeigher implements HostWeigher {
  readonly name = 'LeastCostWeigher';
  readonly functions: ReadonlyArray<{ name: string; weight: number; fn: CostFunction }>;

  constructor(settings: SchedulerSettings) {
    const configured = settings.least_cost_functions ?? [DEFAULT_FUNCTION];
    const functions: Array<{ name: string; weight: number; fn: CostFunction }> = [];
    for (const path of configured) {
      const shortName = path.split('.').pop() ?? path;
      if (!(shortName.startsWith('compute_') || shortName.startsWith('noop'))) {
        log.warn({ function: path }, 'ignoring least-cost function that is not a compute_ or noop function');
        continue;
      }
      const fn = COST_FUNCTIONS[shortName];
      const knownPrefix = ['nova.scheduler.least_cost.', 'nova.scheduler.weights.least_cost.'].some((p) => path === `${p}${shortName}`);
      if (!fn || !knownPrefix) throw new SchedulerCostFunctionNotFound(path);
      const weight =
        shortName === 'compute_fill_first_cost_fn' ? (settings.compute_fill_first_cost_fn_weight ?? -1.0) : settings.noop_cost_fn_weight;
      functions.push({ name: shortName, weight, fn });
    }
    this.functions = functions;
  }

  weighObjects(weighed: WeighedHost[]): void {
    for (const w of weighed) w.weight = this.functions.reduce((sum, f) => sum + f.weight * f.fn(w.host), 0);
  }
}
