/** The client side of nova-cert's RPC API (Grizzly's nova/cert/rpcapi.py): topic `cert`, every method a call. */
import type { RequestContext } from '../context/context.js';
import { RpcClient } from '../rpc/client.js';
import type { Transport } from '../rpc/transport.js';

export const CERT_TOPIC = 'cert';
export const CERT_RPC_BASE_VERSION = '1.0';

export class CertAPI {
  readonly client: RpcClient;

  constructor(transport: Transport, topic: string = CERT_TOPIC) {
    this.client = new RpcClient(transport, topic, CERT_RPC_BASE_VERSION);
  }

  revokeCertsByUser(ctx: RequestContext, userId: string): Promise<void> {
    return this.client.call(ctx, 'revoke_certs_by_user', { user_id: userId });
  }

  revokeCertsByProject(ctx: RequestContext, projectId: string): Promise<void> {
    return this.client.call(ctx, 'revoke_certs_by_project', { project_id: projectId });
  }

  revokeCertsByUserAndProject(ctx: RequestContext, userId: string, projectId: string): Promise<void> {
    return this.client.call(ctx, 'revoke_certs_by_user_and_project', { user_id: userId, project_id: projectId });
  }

  /** `[private_key_pem, certificate_pem]` for the user in the project. */
  generateX509Cert(ctx: RequestContext, userId: string, projectId: string): Promise<[string, string]> {
    return this.client.call<[string, string]>(ctx, 'generate_x509_cert', { user_id: userId, project_id: projectId });
  }

  fetchCa(ctx: RequestContext, projectId: string | null): Promise<string> {
    return this.client.call<string>(ctx, 'fetch_ca', { project_id: projectId });
  }

  fetchCrl(ctx: RequestContext, projectId: string | null): Promise<string> {
    return this.client.call<string>(ctx, 'fetch_crl', { project_id: projectId });
  }

  /** Decrypts base64 text with the project's CA key. */
  decryptText(ctx: RequestContext, projectId: string | null, text: string): Promise<string> {
    return this.client.call<string>(ctx, 'decrypt_text', { project_id: projectId, text });
  }
}
