import { Manager } from '../service/manager.js';

/** nova-network: fixed and floating IPs, bridges, DHCP. Its RPC methods arrive with the network issues. */
export class NetworkManager extends Manager {
  readonly RPC_API_VERSION = '1.9';
  readonly rpcMethods: readonly string[] = [];
}
