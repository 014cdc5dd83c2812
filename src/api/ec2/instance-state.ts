/**
 * An instance's EC2 state from its vm_state alone, as Grizzly's nova/api/ec2/inst_state.py
 * and cloud.py's _state_description give it: Nova states with no EC2 name keep their
 * own name under the code of the nearest EC2 state.
 */

export const Ec2StateCode = {
  pending: 0,
  running: 16,
  shuttingDown: 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

export interface Ec2InstanceState {
  code: number;
  name: string;
}

const BY_VM_STATE: Readonly<Record<string, Ec2InstanceState>> = {
  building: { code: Ec2StateCode.pending, name: 'pending' },
  active: { code: Ec2StateCode.running, name: 'running' },
  stopped: { code: Ec2StateCode.stopped, name: 'stopped' },
  deleted: { code: Ec2StateCode.terminated, name: 'terminated' },
  'soft-delete': { code: Ec2StateCode.terminated, name: 'terminated' },
  paused: { code: Ec2StateCode.stopped, name: 'pause' },
  suspended: { code: Ec2StateCode.stopped, name: 'suspend' },
  rescued: { code: Ec2StateCode.running, name: 'rescue' },
  resized: { code: Ec2StateCode.running, name: 'resize' },
};

export const TERMINATED: Ec2InstanceState = BY_VM_STATE.deleted as Ec2InstanceState;

export function ec2StateOf(vmState: string | null | undefined): Ec2InstanceState {
  if (vmState === null || vmState === undefined) return { code: Ec2StateCode.pending, name: 'pending' };
  return BY_VM_STATE[vmState] ?? { code: Ec2StateCode.pending, name: vmState };
}
