/**
 * EC2 key pairs are credentials of type `ec2` whose blob is `{"access", "secret"}`; the
 * credential id is the SHA-256 of the access key, so that the EC2 API finds a key pair
 * by its access key without scanning (Keystone stores them the same way).
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Ec2Blob {
  access: string;
  secret: string;
  trust_id?: string | null;
}

export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access).digest('hex');
}

export function newEc2KeyPair(): Ec2Blob {
  return { access: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex') };
}

export function readEc2Blob(blob: string): Ec2Blob | undefined {
  try {
    const value = JSON.parse(blob) as Partial<Ec2Blob> | null;
    if (value && typeof value.access === 'string' && typeof value.secret === 'string') return value as Ec2Blob;
  } catch {
    return undefined;
  }
  return undefined;
}
