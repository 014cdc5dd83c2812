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
import type { ArgsOf } from '../rpc/contract.js';
import { Manager } from '../service/manager.js';
import type { CertContract, CertEndpoint } from './contract.js';
import { X509Service, x509SettingsFromConf } from './x509-service.js';

type Args<N extends keyof CertEndpoint & string> = ArgsOf<CertContract, N>;

export class CertManager extends Manager implements CertEndpoint {
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

  async #revokeAll(certs: Certificate[]): Promise<void> {
    for (const cert of certs) {
      if (cert.file_name) await this.x509.revokeCert(cert.project_id, cert.file_name);
    }
  }

  async revoke_certs_by_user(_ctx: RequestContext, args: Args<'revoke_certs_by_user'>): Promise<void> {
    return this.#revokeAll(await certificateGetAllByUser(this.#db, adminContext(), args.user_id));
  }

  async revoke_certs_by_project(_ctx: RequestContext, args: Args<'revoke_certs_by_project'>): Promise<void> {
    return this.#revokeAll(await certificateGetAllByProject(this.#db, adminContext(), args.project_id));
  }

  async revoke_certs_by_user_and_project(_ctx: RequestContext, args: Args<'revoke_certs_by_user_and_project'>): Promise<void> {
    return this.#revokeAll(await certificateGetAllByUserAndProject(this.#db, adminContext(), args.user_id, args.project_id));
  }

  /** `[private_key_pem, certificate_pem]`, the pair Grizzly returns. */
  async generate_x509_cert(_ctx: RequestContext, args: Args<'generate_x509_cert'>): Promise<[string, string]> {
    const generated = await this.x509.generateX509Cert(args.user_id, args.project_id);
    await certificateCreate(this.#db, adminContext(), {
      user_id: args.user_id,
      project_id: args.project_id,
      file_name: generated.fileName,
    });
    return [generated.privateKey, generated.pem];
  }

  async fetch_ca(_ctx: RequestContext, args: Args<'fetch_ca'>): Promise<string> {
    return this.x509.fetchCa(args.project_id ?? null);
  }

  async fetch_crl(_ctx: RequestContext, args: Args<'fetch_crl'>): Promise<string> {
    return this.x509.fetchCrl(args.project_id ?? null);
  }

  async decrypt_text(_ctx: RequestContext, args: Args<'decrypt_text'>): Promise<string> {
    return this.x509.decryptText(args.project_id ?? null, args.text);
  }
}
