/**
 * nova-cert's RPC contract (topic `cert`, Grizzly's cert API 1.1, every method a call): the
 * x509 authority the EC2 API and nova-manage use for per-project CAs, user certificates
 * and decrypting EC2 image bundles.
 */
import { nothing, plain } from '../rpc/codec.js';
import { call, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import * as certErrors from './errors.js';

const project = plain<{ project_id: string }>();

export const certContract = defineContract({
  topic: 'cert',
  baseVersion: '1.0',
  version: '1.1',
  errors: errorTable(certErrors),
  methods: {
    revoke_certs_by_user: call('1.0', plain<{ user_id: string }>(), nothing),
    revoke_certs_by_project: call('1.0', project, nothing),
    revoke_certs_by_user_and_project: call('1.0', plain<{ user_id: string; project_id: string }>(), nothing),
    /** A new key and a certificate signed by the project's CA: `[private key PEM, certificate PEM]`. */
    generate_x509_cert: call('1.0', plain<{ user_id: string; project_id: string }>(), plain<[string, string]>()),
    /** The CA certificate (PEM) of the project, or the root CA's when project_id is null. */
    fetch_ca: call('1.0', plain<{ project_id: string | null }>(), plain<string>()),
    /** The certificate revocation list (PEM) of the project, or the root CA's when project_id is null. */
    fetch_crl: call('1.0', plain<{ project_id: string | null }>(), plain<string>()),
    /** `text` (base64) decrypted with the project's private key (the root CA's when project_id is null). */
    decrypt_text: call('1.0', plain<{ project_id: string | null; text: string }>(), plain<string>()),
  },
});

export type CertContract = typeof certContract;
export type CertClient = ContractClient<CertContract>;
export type CertEndpoint = Endpoint<CertContract>;
