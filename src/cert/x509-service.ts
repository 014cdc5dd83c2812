/**
 * What nova-cert does with its CAs (Grizzly's nova/crypto.py): the root CA under
 * `ca_path`, one CA per project under `ca_path/projects/<id>` when `use_project_ca`, user
 * certificates signed by the right one, revocation, CRLs and decryption of bundle keys.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedLocks } from '../compute/async-lock.js';
import type { Config } from '../config/config.js';
import { CertificateAuthority, type IssuedCertificate, KEY_BITS } from './authority.js';
import { CryptoCAFileNotFound, CryptoCRLFileNotFound, DecryptionFailure, ProjectNotFound } from './errors.js';
import { cryptoOpts } from './opts.js';
import { RsaDecryptionError } from './rsa.js';
import { formatPercent, isoTime, parseSlashSubject, type SubjectPart } from './subject.js';

/** The root CA's subject: the `req` defaults of the CA's openssl.cnf, as genrootca.sh made it. */
const ROOT_SUBJECT: SubjectPart[] = [
  { type: 'O', value: 'NOVA ROOT' },
  { type: 'L', value: 'Mountain View' },
  { type: 'ST', value: 'California' },
  { type: 'C', value: 'US' },
];

export interface X509Settings {
  caPath: string;
  caFile: string;
  keyFile: string;
  crlFile: string;
  useProjectCa: boolean;
  userCertSubject: string;
  projectCertSubject: string;
}

export function x509SettingsFromConf(conf: Config): X509Settings {
  const o = conf.get(cryptoOpts);
  return {
    caPath: o.ca_path ?? 'CA',
    caFile: o.ca_file ?? 'cacert.pem',
    keyFile: o.key_file ?? 'private/cakey.pem',
    crlFile: o.crl_file ?? 'crl.pem',
    useProjectCa: o.use_project_ca,
    userCertSubject: o.user_cert_subject ?? '/C=US/ST=California/O=OpenStack/OU=NovaDev/CN=%.16s-%.16s-%s',
    projectCertSubject: o.project_cert_subject ?? '/C=US/ST=California/O=OpenStack/OU=NovaDev/CN=project-ca-%.16s-%s',
  };
}

export interface GeneratedCertificate extends IssuedCertificate {
  /** PKCS#1 PEM, handed to the caller and not kept. */
  privateKey: string;
}

/** Project ids become directory names: anything that could leave `projects/` is refused. */
function safeProjectId(projectId: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(projectId) || projectId === '.' || projectId === '..') throw new ProjectNotFound(projectId);
  return projectId;
}

export class X509Service {
  readonly #locks = new KeyedLocks();

  constructor(
    private readonly settings: X509Settings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #authority(dir: string): CertificateAuthority {
    return new CertificateAuthority(dir, { caFile: this.settings.caFile, keyFile: this.settings.keyFile, crlFile: this.settings.crlFile });
  }

  /** The CA a project's certificates belong to: its own with `use_project_ca`, else the root. */
  authorityFor(projectId: string | null): CertificateAuthority {
    if (this.settings.useProjectCa && projectId) {
      return this.#authority(join(this.settings.caPath, 'projects', safeProjectId(projectId)));
    }
    return this.#authority(this.settings.caPath);
  }

  /** Creates the root CA on first start (`ensure_ca_filesystem`). */
  async ensureRootCa(): Promise<void> {
    const root = this.#authority(this.settings.caPath);
    await this.#locks.run(root.dir, async () => {
      if (!root.exists()) await root.create('ROOT', ROOT_SUBJECT, this.now());
    });
  }

  async #ensureProjectCa(projectId: string): Promise<CertificateAuthority> {
    const ca = this.authorityFor(projectId);
    if (!ca.exists()) {
      const subject = parseSlashSubject(formatPercent(this.settings.projectCertSubject, [projectId, isoTime(this.now())]));
      await ca.create(projectId, subject, this.now());
    }
    return ca;
  }

  async fetchCa(projectId: string | null): Promise<string> {
    const ca = this.authorityFor(projectId);
    if (!ca.exists()) throw new CryptoCAFileNotFound(this.settings.useProjectCa ? projectId : null);
    return ca.certificatePem();
  }

  async fetchCrl(projectId: string | null): Promise<string> {
    const ca = this.authorityFor(projectId);
    if (!existsSync(ca.crlPath)) throw new CryptoCRLFileNotFound(this.settings.useProjectCa ? projectId : null);
    return ca.crlPem();
  }

  /** A new RSA key and a certificate for it, signed by the project's CA (created on first use). */
  async generateX509Cert(userId: string, projectId: string): Promise<GeneratedCertificate> {
    const ca = this.authorityFor(projectId);
    return this.#locks.run(ca.dir, async () => {
      const authority = this.settings.useProjectCa ? await this.#ensureProjectCa(projectId) : ca;
      if (!authority.exists()) throw new CryptoCAFileNotFound(null);
      const keys = generateKeyPairSync('rsa', { modulusLength: KEY_BITS });
      const subject = parseSlashSubject(formatPercent(this.settings.userCertSubject, [projectId, userId, isoTime(this.now())]));
      const issued = await authority.issue(subject, keys.publicKey.export({ type: 'spki', format: 'pem' }) as string, this.now());
      return { ...issued, privateKey: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string };
    });
  }

  /** Revokes the certificate stored in `fileName` with the CA of `projectId`, and rewrites that CA's CRL. */
  async revokeCert(projectId: string | null, fileName: string): Promise<void> {
    const ca = this.authorityFor(projectId);
    await this.#locks.run(ca.dir, () => ca.revoke(fileName, this.now()));
  }

  /** Decrypts base64 text with the project's CA key (`openssl rsautl -decrypt`). */
  async decryptText(projectId: string | null, text: string): Promise<string> {
    const ca = this.authorityFor(projectId);
    if (!existsSync(ca.keyPath)) throw new ProjectNotFound(projectId);
    const data = Buffer.from(text, 'base64');
    try {
      return (await ca.decrypt(data)).toString('utf8');
    } catch (err) {
      if (err instanceof RsaDecryptionError) throw new DecryptionFailure(err.message);
      throw err;
    }
  }
}
