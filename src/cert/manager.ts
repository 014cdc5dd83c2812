import { NotImplementedYet } from '../common/errors.js';
import type { RequestContext } from '../context/context.js';
import type { ArgsOf } from '../rpc/contract.js';
import { Manager } from '../service/manager.js';
import type { CertContract, CertEndpoint } from './contract.js';

type Args<N extends keyof CertEndpoint & string> = ArgsOf<CertContract, N>;

function notYet(method: string): never {
  throw new NotImplementedYet(`nova-cert does not implement ${method} yet.`);
}

/** nova-cert: the x509 authority (contract.ts). The CA itself is not built yet: every method says so. */
export class CertManager extends Manager implements CertEndpoint {
  async revoke_certs_by_user(_ctx: RequestContext, _args: Args<'revoke_certs_by_user'>): Promise<void> {
    notYet('revoke_certs_by_user');
  }
  async revoke_certs_by_project(_ctx: RequestContext, _args: Args<'revoke_certs_by_project'>): Promise<void> {
    notYet('revoke_certs_by_project');
  }
  async revoke_certs_by_user_and_project(_ctx: RequestContext, _args: Args<'revoke_certs_by_user_and_project'>): Promise<void> {
    notYet('revoke_certs_by_user_and_project');
  }
  async generate_x509_cert(_ctx: RequestContext, _args: Args<'generate_x509_cert'>): Promise<[string, string]> {
    return notYet('generate_x509_cert');
  }
  async fetch_ca(_ctx: RequestContext, _args: Args<'fetch_ca'>): Promise<string> {
    return notYet('fetch_ca');
  }
  async fetch_crl(_ctx: RequestContext, _args: Args<'fetch_crl'>): Promise<string> {
    return notYet('fetch_crl');
  }
  async decrypt_text(_ctx: RequestContext, _args: Args<'decrypt_text'>): Promise<string> {
    return notYet('decrypt_text');
  }
}
