/**
 * First start of the embedded cloud: one network, so that a server boots with an address
 * without any operator step. Nothing happens when a network already exists.
 */
import type { Config } from '../config/config.js';
import { adminContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { networkGetAll } from '../db/api/networks.js';
import type { Network } from '../db/types.js';
import { type CreateNetworksArgs, createNetworks } from './create.js';
import { managerKind } from './kinds.js';

export const DEFAULT_NETWORK: Readonly<CreateNetworksArgs> = {
  label: 'private',
  cidr: '10.0.0.0/24',
  bridge: 'br100',
  num_networks: 1,
};

/**
 * Creates the default network (label `private`, 10.0.0.0/24 on bridge br100, or what
 * `overrides` says) when the database has no network; returns the networks created.
 */
export async function ensureDefaultNetwork(db: Db, conf: Config, overrides: CreateNetworksArgs = {}): Promise<Network[]> {
  const ctx = adminContext();
  if ((await networkGetAll(db, ctx)).length > 0) return [];
  return createNetworks(db, ctx, conf, managerKind(conf), { ...DEFAULT_NETWORK, ...overrides });
}
