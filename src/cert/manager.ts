/**
 * nova-cert: the x509 authority behind EC2 bundles and cloudpipe. Its RPC methods carry
 * Grizzly's names and argument keys (nova/cert/manager.py, RPC API 1.1).
 */
import type { Config } from '../config/config.js';
import { adminContext, type RequestContext } from '../context/context.js';
import {
  certificateCreate,
  certificateGetAllByProject,
  certificateGetAllByUser,
  certificateGetAllByUserAndProject,
} from '../db/api/certificates.js';
import type { Db } from '../db/api/common.js';
import type { Certificate } from '../db/types.js';
import { Manager } from '../service/manager.js';
import { X509Service, x509SettingsFromConf } from './x509-service.js';

export class CertManager extends Manager {
  readonly RPC_API_VERSION = '1.1';
  readonly rpcMethods: readonly string[] = [
    'revoke_certs_by_user',
    'revoke_certs_by_project',
    'revoke_certs_by_user_and_project',
    'generate_x509_cert',
    'fetch_ca',
    'fetch_crl',
    'decrypt_text',
    'get_backdoor_port',
  ];

  readonly x509: X509Service;
  readonly #db: Db;

  constructor(host: string, deps: { db: Db; conf: Config; x509?: X509Service }) {
    super(host);
    this.#db = deps.db;
    this.x509 = deps.x509 ?? new X509Service(x509SettingsFromConf(deps.conf));
  }

  override async initHost(): Promise<void> {
    await this.x509.ensureRootCa();
  }

  async #revokeAll(certs: Certificate[]): Promise<null> {
    for (const cert of certs) {
      if (cert.file_name) await this.x509.revokeCert(cert.project_id, cert.file_name);
    }
    return null;
  }

  async revoke_certs_by_user(_ctx: RequestContext, args: { user_id: string }): Promise<null> {
    return this.#revokeAll(await certificateGetAllByUser(this.#db, adminContext(), args.user_id));
  }

  async revoke_certs_by_project(_ctx: RequestContext, args: { project_id: string }): Promise<null> {
    return this.#revokeAll(await certificateGetAllByProject(this.#db, adminContext(), args.project_id));
  }

  async revoke_certs_by_user_and_project(_ctx: RequestContext, args: { user_id: string; project_id: string }): Promise<null> {
    return this.#revokeAll(await certificateGetAllByUserAndProject(this.#db, adminContext(), args.user_id, args.project_id));
  }

  /** `[private_key_pem, certificate_pem]`, the pair Grizzly returns. */
  async generate_x509_cert(_ctx: RequestContext, args: { user_id: string; project_id: string }): Promise<[string, string]> {
    const generated = await this.x509.generateX509Cert(args.user_id, args.project_id);
    await certificateCreate(this.#db, adminContext(), {
      user_id: args.user_id,
      project_id: args.project_id,
      file_name: generated.fileName,
    });
    return [generated.privateKey, generated.pem];
  }

  async fetch_ca(_ctx: RequestContext, args: { project_id?: string | null }): Promise<string> {
    return this.x509.fetchCa(args.project_id ?? null);
  }

  async fetch_crl(_ctx: RequestContext, args: { project_id?: string | null }): Promise<string> {
    return this.x509.fetchCrl(args.project_id ?? null);
  }

  async decrypt_text(_ctx: RequestContext, args: { project_id?: string | null; text: string }): Promise<string> {
    return this.x509.decryptText(args.project_id ?? null, args.text);
  }

  /** nova-ts runs no eventlet backdoor. */
  async get_backdoor_port(): Promise<null> {
    return null;
  }
}
