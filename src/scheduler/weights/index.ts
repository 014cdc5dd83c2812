import { getLogger } from '../../common/log.js';
import { SchedulerWeightClassNotFound } from '../errors.js';
import type { SchedulerSettings } from '../opts.js';
import type { HostWeigher } from './base.js';
import { LeastCostWeigher, legacyWeighingEnabled } from './least-cost.js';
import { RAM_WEIGHER_PATH, RamWeigher } from './ram.js';

export { type HostWeigher, type WeighedHost, weighHosts } from './base.js';
export { LeastCostWeigher, legacyWeighingEnabled } from './least-cost.js';
export { RamWeigher } from './ram.js';

const log = getLogger('nova.scheduler.weights');

/** Stands for every built-in weigher (or the legacy least-cost one when its options are set). */
export const ALL_WEIGHERS_PATH = 'nova.scheduler.weights.all_weighers';

function weigherByName(name: string, settings: SchedulerSettings): HostWeigher {
  if (name === RAM_WEIGHER_PATH || name === 'RAMWeigher' || name === 'RamWeigher') return new RamWeigher(settings.ram_weight_multiplier);
  throw new SchedulerWeightClassNotFound(name);
}

/** The weighers scheduler_weight_classes names, in order. */
export function loadWeighers(settings: SchedulerSettings): HostWeigher[] {
  const out: HostWeigher[] = [];
  for (const name of settings.scheduler_weight_classes) {
    if (name !== ALL_WEIGHERS_PATH) {
      out.push(weigherByName(name, settings));
    } else if (legacyWeighingEnabled(settings)) {
      log.warn('least_cost_functions and compute_fill_first_cost_fn_weight are deprecated; use scheduler_weight_classes');
      out.push(new LeastCostWeigher(settings));
    } else {
      out.push(new RamWeigher(settings.ram_weight_multiplier));
    }
  }
  return out;
}
