/** The caller's side of nova-cert: named methods over the typed client of the cert contract. */
import type { RequestContext } from '../context/context.js';
import { ContractClient } from '../rpc/contract-client.js';
import type { Transport } from '../rpc/transport.js';
import { type CertClient, certContract } from './contract.js';

export class CertAPI {
  readonly client: CertClient;

  constructor(transport: Transport, topic: string = certContract.topic) {
    this.client = new ContractClient(transport, certContract, topic);
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
    return this.client.call(ctx, 'generate_x509_cert', { user_id: userId, project_id: projectId });
  }

  fetchCa(ctx: RequestContext, projectId: string | null): Promise<string> {
    return this.client.call(ctx, 'fetch_ca', { project_id: projectId });
  }

  fetchCrl(ctx: RequestContext, projectId: string | null): Promise<string> {
    return this.client.call(ctx, 'fetch_crl', { project_id: projectId });
  }

  /** Decrypts base64 text with the project's CA key. */
  decryptText(ctx: RequestContext, projectId: string | null, text: string): Promise<string> {
    return this.client.call(ctx, 'decrypt_text', { project_id: projectId, text });
  }
}
