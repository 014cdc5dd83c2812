/**
 * Every EC2 action module. Security group and address actions join here as their own
 * modules.
 */
import { imageAttributeActions } from './image-attributes.js';
import { imageActions } from './images.js';
import { instanceAttributeActions } from './instance-attributes.js';
import { instanceActions } from './instances.js';
import { keyPairActions } from './key-pairs.js';
import { regionActions } from './regions.js';
import type { Ec2ActionModule } from './registry.js';
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
  tagActions,
];
