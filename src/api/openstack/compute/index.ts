/**
 * Every OpenStack Compute API resource module. A module is a factory over the
 * compute-side services it needs, so that one list can be bound to a process's services
 * at start-up.
 */
import type { AvailabilityZoneAPI } from '../../../compute/availability-zones.js';
import type { FlavorAPI } from '../../../compute/flavors.js';
import type { KeypairAPI } from '../../../compute/keypairs.js';
import type { Config } from '../../../config/config.js';
import type { QuotaEngine } from '../../../quota/engine.js';
import type { ResourceModule } from '../routing.js';
import { availabilityZoneResource } from './availability-zone.js';
import { extensionsResource } from './extensions.js';
import { flavorAccessResource } from './flavor-access.js';
import { flavorExtraSpecsResource } from './flavor-extra-specs.js';
import { flavorManageResource } from './flavor-manage.js';
import { flavorsResource } from './flavors.js';
import { keypairsResource } from './keypairs.js';
import { limitsResource } from './limits.js';
import { quotaClassSetsResource } from './quota-class-sets.js';
import { quotaSetsResource } from './quota-sets.js';

/** What resource modules are built from. */
export interface ComputeApiServices {
  readonly conf: Config;
  readonly quota: QuotaEngine;
  readonly flavors: FlavorAPI;
  readonly keypairs: KeypairAPI;
  readonly zones: AvailabilityZoneAPI;
}

export type ComputeResourceFactory = (services: ComputeApiServices) => ResourceModule;

export const computeResources: ComputeResourceFactory[] = [
  flavorsResource,
  flavorManageResource,
  flavorExtraSpecsResource,
  flavorAccessResource,
  keypairsResource,
  limitsResource,
  extensionsResource,
  availabilityZoneResource,
  quotaSetsResource,
  quotaClassSetsResource,
];

/** Every resource module, bound to the given services. */
export function computeResourceModules(services: ComputeApiServices): ResourceModule[] {
  return computeResources.map((factory) => factory(services));
}
