/** Volume and snapshot actions: nova-ts has no block storage service to carry them out. */
import { Ec2Error } from '../errors.js';
import { defineEc2Actions, type Ec2Action } from './registry.js';

const unsupported: Ec2Action = async () => {
  throw new Ec2Error('UnsupportedOperation', 'The volume service is not available in this cloud: volumes and snapshots are not supported.');
};

export const volumeActions = defineEc2Actions('volumes', {
  DescribeVolumes: unsupported,
  CreateVolume: unsupported,
  DeleteVolume: unsupported,
  AttachVolume: unsupported,
  DetachVolume: unsupported,
  DescribeSnapshots: unsupported,
  CreateSnapshot: unsupported,
  DeleteSnapshot: unsupported,
});
