/**
 * @peculiar/x509 set up for Node: its dependency injection needs the Reflect metadata
 * polyfill loaded first, and it signs through WebCrypto. Import x509 from here only.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;

export { x509 };

/** RSA with SHA-256, for every certificate and CRL nova-cert signs. */
export const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export const subtle = webcrypto.subtle;

/** A PEM key as a WebCrypto key for signing (`pkcs8`) or for the certificate's subject (`spki`). */
export async function importRsaKey(pem: string, kind: 'pkcs8' | 'spki'): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return subtle.importKey(kind, der, RSA_SHA256, true, kind === 'pkcs8' ? ['sign'] : ['verify']);
}
