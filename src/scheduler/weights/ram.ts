import type { HostState } from '../host-state.js';
import type { HostWeigher, WeighedHost } from './base.js';

/** Free RAM times ram_weight_multiplier: positive spreads instances over hosts, negative stacks them. */
export class RamWeigher implements HostWeigher {
  readonly name = 'RAMWeigher';
  constructor(readonly multiplier: number) {}

  weighHost(host: HostState): number {
    return host.free_ram_mb;
  }

  weighObjects(weighed: WeighedHost[]): void {
    for (const w of weighed) w.weight += this.multiplier * this.weighHost(w.host);
  }
}

export const RAM_WEIGHER_PATH = 'nova.scheduler.weights.ram.RAMWeigher';
