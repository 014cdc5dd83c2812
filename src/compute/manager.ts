import { Manager } from '../service/manager.js';

/**
 * The compute host: drives a virt driver through the instance lifecycle. Its RPC methods
 * (run_instance, terminate_instance, …) arrive with the boot issue; today it registers,
 * heartbeats and answers the compute topic at Grizzly's API version.
 */
export class ComputeManager extends Manager {
  readonly RPC_API_VERSION = '2.27';
  readonly rpcMethods: readonly string[] = [];
}
