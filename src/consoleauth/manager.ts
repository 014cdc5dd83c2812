import { Manager } from '../service/manager.js';

/** nova-consoleauth: console tokens. Its RPC methods arrive with the console issue. */
export class ConsoleAuthManager extends Manager {
  readonly RPC_API_VERSION = '1.2';
  readonly rpcMethods: readonly string[] = [];
}
