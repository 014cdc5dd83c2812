/**
 * Every EC2 action module. Instance, security group and address actions join here as
 * their own modules.
 */
import { imageAttributeActions } from './image-attributes.js';
import { imageActions } from './images.js';
import { keyPairActions } from './key-pairs.js';
import { regionActions } from './regions.js';
import type { Ec2ActionModule } from './registry.js';
import { volumeActions } from './volumes.js';

export const ec2ActionModules: readonly Ec2ActionModule[] = [
  regionActions,
  keyPairActions,
  imageActions,
  imageAttributeActions,
  volumeActions,
];
