import { Manager } from '../service/manager.js';

/** nova-cert: the x509 authority. Its RPC methods arrive with the cert issue. */
export class CertManager extends Manager {
  readonly RPC_API_VERSION = '1.1';
  readonly rpcMethods: readonly string[] = [];
}
