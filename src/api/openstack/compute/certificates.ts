/**
 * `os-certificates`: an x509 certificate and key for the caller (POST), and the CA that
 * signs them (`GET root`), for euca-bundle-image's --cert/--privatekey/--ec2cert. Both go
 * to nova-cert over RPC.
 */

import type { CertAPI } from '../../../cert/rpcapi.js';
import { NotImplementedYet } from '../../../common/errors.js';
import { defineResource, type ResourceModule } from '../routing.js';

export type CertificateClient = Pick<CertAPI, 'generateX509Cert' | 'fetchCa'>;

export function certificatesResource(cert: CertificateClient): ResourceModule {
  return defineResource('os-certificates', (r) => {
    r.route({
      method: 'POST',
      path: '/os-certificates',
      handler: async (req) => {
        req.authorize('compute_extension:certificates');
        const [privateKey, data] = await cert.generateX509Cert(req.ctx, req.ctx.userId ?? '', req.ctx.projectId ?? '');
        return { certificate: { data, private_key: privateKey } };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-certificates/:id',
      handler: async (req) => {
        req.authorize('compute_extension:certificates');
        if (req.params.id !== 'root') throw new NotImplementedYet('Only root certificate can be retrieved.');
        return { certificate: { data: await cert.fetchCa(req.ctx, req.ctx.projectId), private_key: null } };
      },
    });
  });
}
