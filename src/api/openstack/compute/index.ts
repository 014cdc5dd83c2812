/**
 * Every OpenStack Compute API resource module. A module is a factory over the services
 * it needs, so that one list can be bound to a process's database and bus at start-up.
 */
import type { Config } from '../../../config/config.js';
import type { Db } from '../../../db/api/common.js';
import { createDbQuotaEngine } from '../../../quota/db-store.js';
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
  readonly db: Db;
  readonly quota: QuotaEngine;
}

export type ComputeResourceFactory = (services: ComputeApiServices) => ResourceModule;

/** The services of an API process that has the database. */
export function createComputeApiServices(conf: Config, db: Db): ComputeApiServices {
  return { conf, db, quota: createDbQuotaEngine(conf, db) };
}

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
