/**
 * One certificate authority directory (the root CA, or a project's): creating it, issuing
 * certificates, revoking them, its CRL and decryption with its key. Callers serialise
 * the operations on one directory (index.txt and serial are read-modify-write).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { derSerialHex, formatIndexLine, type IndexEntry, nextSerial, opensslConfig, parseIndex } from './ca-files.js';
import { rsaPkcs1Decrypt } from './rsa.js';
import { jsonName, type SubjectPart, slashSubject } from './subject.js';
import { type CryptoKey, importRsaKey, RSA_SHA256, x509 } from './x509.js';

const DAY_MS = 86_400_000;
/** A CA lives ten years: far longer than the certificates it signs, unlike Grizzly's one-year CAs. */
const CA_DAYS = 3650;
/** `default_days` and `default_crl_days` of the CA's openssl.cnf. */
const CERT_DAYS = 365;
const FIRST_SERIAL = '10';
export const KEY_BITS = 2048;

export interface CaFileNames {
  caFile: string;
  keyFile: string;
  crlFile: string;
}

export interface IssuedCertificate {
  serial: string;
  pem: string;
  /** `<CA dir>/newcerts/<SERIAL>.pem`, what the certificates table records. */
  fileName: string;
}

/** PEM text as openssl writes it, ending in a newline, so that files can be concatenated. */
function pemFile(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

async function writeAtomically(path: string, data: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export class CertificateAuthority {
  constructor(
    readonly dir: string,
    private readonly files: CaFileNames,
  ) {}

  get certPath(): string {
    return join(this.dir, this.files.caFile);
  }

  get keyPath(): string {
    return join(this.dir, this.files.keyFile);
  }

  get crlPath(): string {
    return join(this.dir, this.files.crlFile);
  }

  exists(): boolean {
    return existsSync(this.certPath);
  }

  /** Creates the directory with a new self-signed CA, as genrootca.sh/geninter.sh did. */
  async create(name: string, subject: readonly SubjectPart[], now = new Date()): Promise<void> {
    for (const sub of ['certs', 'crl', 'newcerts', 'private']) await mkdir(join(this.dir, sub), { recursive: true });
    const keys = generateKeyPairSync('rsa', { modulusLength: KEY_BITS });
    const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const publicKey = await importRsaKey(publicPem, 'spki');
    const signingKey = await importRsaKey(privatePem, 'pkcs8');
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: derSerialHex(randomBytes(8).toString('hex').toUpperCase()),
      name: jsonName(subject),
      notBefore: now,
      notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
      keys: { privateKey: signingKey, publicKey },
      signingAlgorithm: RSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(publicKey),
      ],
    });
    await writeFile(join(this.dir, 'openssl.cnf'), opensslConfig(name));
    await mkdir(dirname(this.keyPath), { recursive: true, mode: 0o700 });
    await writeAtomically(this.keyPath, privatePem, 0o600);
    await writeFile(join(this.dir, 'index.txt'), '');
    await writeFile(join(this.dir, 'index.txt.attr'), 'unique_subject = no\n');
    await writeFile(join(this.dir, 'serial'), `${FIRST_SERIAL}\n`);
    await this.#writeCrl(now, cert.subject);
    // The certificate last: its presence is what marks the CA as created.
    await writeAtomically(this.certPath, pemFile(cert.toString('pem')));
  }

  async #signingKey(): Promise<CryptoKey> {
    return importRsaKey(await readFile(this.keyPath, 'utf8'), 'pkcs8');
  }

  async #caCertificate(): Promise<InstanceType<typeof x509.X509Certificate>> {
    return new x509.X509Certificate(await readFile(this.certPath, 'utf8'));
  }

  async #index(): Promise<IndexEntry[]> {
    const path = join(this.dir, 'index.txt');
    return existsSync(path) ? parseIndex(await readFile(path, 'utf8')) : [];
  }

  /** Signs a certificate for a public key, as `openssl ca -batch` does with a CSR. */
  async issue(subject: readonly SubjectPart[], publicKeyPem: string, now = new Date()): Promise<IssuedCertificate> {
    const ca = await this.#caCertificate();
    const serial = (await readFile(join(this.dir, 'serial'), 'utf8')).trim();
    const publicKey = await importRsaKey(publicKeyPem, 'spki');
    const notAfter = new Date(now.getTime() + CERT_DAYS * DAY_MS);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: derSerialHex(serial),
      subject: jsonName(subject),
      issuer: ca.subject,
      notBefore: now,
      notAfter,
      publicKey,
      signingKey: await this.#signingKey(),
      signingAlgorithm: RSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, false),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca),
      ],
    });
    const pem = pemFile(cert.toString('pem'));
    const fileName = join(this.dir, 'newcerts', `${serial}.pem`);
    await writeFile(fileName, pem);
    await appendFile(
      join(this.dir, 'index.txt'),
      `${formatIndexLine({ status: 'V', expires: notAfter, revoked: null, serial, subject: slashSubject(subject) })}\n`,
    );
    await writeAtomically(join(this.dir, 'serial'), `${nextSerial(serial)}\n`);
    return { serial, pem, fileName };
  }

  /** Marks a certificate of this CA revoked (by its newcerts file) and rewrites the CRL. */
  async revoke(certFile: string, now = new Date()): Promise<void> {
    const cert = new x509.X509Certificate(await readFile(certFile, 'utf8'));
    const serial = cert.serialNumber.toUpperCase().replace(/^00(?=[89A-F])/, '');
    const entries = await this.#index();
    const entry = entries.find((e) => e.serial === serial);
    if (!entry) throw new Error(`certificate ${serial} is not in ${this.dir}/index.txt`);
    if (entry.status !== 'R') {
      entry.status = 'R';
      entry.revoked = now;
      await writeAtomically(join(this.dir, 'index.txt'), entries.map((e) => `${formatIndexLine(e)}\n`).join(''));
    }
    await this.#writeCrl(now, (await this.#caCertificate()).subject);
  }

  /** Regenerates the CRL from index.txt (`openssl ca -gencrl`). */
  async #writeCrl(now: Date, issuer: string): Promise<void> {
    const revoked = (await this.#index()).filter((e) => e.status === 'R');
    const signingKey = await this.#signingKey();
    const crl = await x509.X509CrlGenerator.create({
      issuer,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + CERT_DAYS * DAY_MS),
      // An entry carries its invalidity date: the library writes an empty, and so invalid,
      // extension list for an entry without any.
      entries: revoked.map((e) => ({
        serialNumber: derSerialHex(e.serial),
        revocationDate: e.revoked ?? now,
        invalidity: e.revoked ?? now,
      })),
      signingKey,
      signingAlgorithm: RSA_SHA256,
    });
    await writeAtomically(this.crlPath, pemFile(x509.PemConverter.encode(crl.rawData, 'X509 CRL')));
  }

  /** Decrypts RSA PKCS#1 v1.5 data with the CA's private key. */
  async decrypt(data: Buffer): Promise<Buffer> {
    const key = createPrivateKey(await readFile(this.keyPath, 'utf8'));
    return rsaPkcs1Decrypt(key, data);
  }

  async certificatePem(): Promise<string> {
    return readFile(this.certPath, 'utf8');
  }

  async crlPem(): Promise<string> {
    return readFile(this.crlPath, 'utf8');
  }
}
