/**
 * Every EC2 action module; a new family of actions is one more module and its line here.
 */
import { addressActions } from './addresses.js';
import { imageAttributeActions } from './image-attributes.js';
import { imageActions } from './images.js';
import { instanceAttributeActions } from './instance-attributes.js';
import { instancePowerActions } from './instance-power.js';
import { instanceActions } from './instances.js';
import { keyPairActions } from './key-pairs.js';
import { regionActions } from './regions.js';
import type { Ec2ActionModule } from './registry.js';
import { securityGroupActions } from './security-groups.js';
import { tagActions } from './tags.js';
import { volumeActions } from './volumes.js';

export const ec2ActionModules: readonly Ec2ActionModule[] = [
  regionActions,
  keyPairActions,
  imageActions,
  imageAttributeActions,
  volumeActions,
  instanceActions,
  instanceAttributeActions,
  instancePowerActions,
  tagActions,
  securityGroupActions,
  addressActions,
];
