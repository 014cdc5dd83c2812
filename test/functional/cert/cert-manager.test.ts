import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { certContract } from '../../../src/cert/contract.js';
import { CertManager } from '../../../src/cert/manager.js';
import { CertAPI } from '../../../src/cert/rpcapi.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import { RequestContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { probe, requireExternal } from '../../support/externals.js';

const opensslProblem = await probe(async () => execFileSync('openssl', ['version']));

interface CertCloud {
  dir: string;
  db: Db;
  cert: CertAPI;
  close(): Promise<void>;
}

async function startCert(overrides: Record<string, unknown> = {}): Promise<CertCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-cert-'));
  const db = await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`);
  await migrate(db, NOVA_REPOSITORY, novaMigrations);
  const conf = Config.load({ overrides: { DEFAULT: { state_path: dir, ...overrides } } });
  const transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 30 });
  const manager = new CertManager('ctl', { db, conf });
  await manager.initHost();
  const server = new RpcServer(transport, 'cert', 'ctl', contractEndpoint(certContract, manager));
  await server.start();
  return {
    dir,
    db,
    cert: new CertAPI(transport),
    async close() {
      await server.stop();
      await transport.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function openssl(args: string[], cwd?: string): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const ctx = new RequestContext({ userId: 'u1', projectId: 'p1', isAdmin: true });

describe('nova-cert with the root CA', () => {
  let c: CertCloud;
  before(async () => {
    c = await startCert();
  });
  after(async () => {
    await c.close();
  });

  it('creates the root CA files as openssl ca expects them on start', () => {
    const ca = join(c.dir, 'CA');
    for (const f of ['cacert.pem', 'private/cakey.pem', 'index.txt', 'serial', 'crl.pem', 'openssl.cnf']) {
      assert.ok(readFileSync(join(ca, f)).length >= 0, f);
    }
    assert.equal(readFileSync(join(ca, 'serial'), 'utf8').trim(), '10');
    const root = new X509Certificate(readFileSync(join(ca, 'cacert.pem')));
    assert.equal(root.ca, true);
    assert.match(root.subject, /O=NOVA ROOT/);
  });

  it('fetch_ca returns the root CA and generate_x509_cert a certificate that openssl verify accepts', async (t) => {
    if (!requireExternal(t, 'openssl', opensslProblem)) return;
    const root = await c.cert.fetchCa(ctx, 'p1');
    assert.equal(root, readFileSync(join(c.dir, 'CA', 'cacert.pem'), 'utf8'));
    const [privateKey, certPem] = await c.cert.generateX509Cert(ctx, 'u1', 'p1');
    assert.match(privateKey, /BEGIN RSA PRIVATE KEY/);
    const work = mkdtempSync(join(tmpdir(), 'nova-cert-check-'));
    writeFileSync(join(work, 'root.pem'), root);
    writeFileSync(join(work, 'cert.pem'), certPem);
    const verified = openssl(['verify', '-CAfile', join(work, 'root.pem'), join(work, 'cert.pem')]);
    assert.equal(verified.status, 0, verified.out);
    const cert = new X509Certificate(certPem);
    assert.match(cert.subject, /CN=p1-u1-\d{4}-\d\d-\d\dT/);
    assert.equal(cert.serialNumber, '10');
    assert.ok(cert.checkPrivateKey(createPrivateKey(privateKey)));
    const rows = await c.db.kysely.selectFrom('certificates').selectAll().execute();
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.project_id, r.file_name]),
      [['u1', 'p1', join(c.dir, 'CA', 'newcerts', '10.pem')]],
    );
    assert.equal(readFileSync(join(c.dir, 'CA', 'serial'), 'utf8').trim(), '11');
    rmSync(work, { recursive: true, force: true });
  });

  it('revoke_certs_by_user revokes in index.txt and the CRL, which openssl then enforces', async (t) => {
    if (!requireExternal(t, 'openssl', opensslProblem)) return;
    const [, certPem] = await c.cert.generateX509Cert(ctx, 'u2', 'p1');
    const [, keptPem] = await c.cert.generateX509Cert(ctx, 'u3', 'p1');
    await c.cert.revokeCertsByUser(ctx, 'u2');
    const index = readFileSync(join(c.dir, 'CA', 'index.txt'), 'utf8');
    assert.match(index, /^R\t\d{12}Z\t\d{12}Z\t11\tunknown\t.*CN=p1-u2-/m);
    assert.match(index, /^V\t\d{12}Z\t\t12\tunknown\t.*CN=p1-u3-/m);
    const work = mkdtempSync(join(tmpdir(), 'nova-cert-crl-'));
    writeFileSync(join(work, 'chain.pem'), `${await c.cert.fetchCa(ctx, 'p1')}${await c.cert.fetchCrl(ctx, 'p1')}`);
    writeFileSync(join(work, 'revoked.pem'), certPem);
    writeFileSync(join(work, 'kept.pem'), keptPem);
    const revoked = openssl(['verify', '-crl_check', '-CAfile', join(work, 'chain.pem'), join(work, 'revoked.pem')]);
    assert.notEqual(revoked.status, 0);
    assert.match(revoked.out, /certificate revoked/);
    const kept = openssl(['verify', '-crl_check', '-CAfile', join(work, 'chain.pem'), join(work, 'kept.pem')]);
    assert.equal(kept.status, 0, kept.out);
    rmSync(work, { recursive: true, force: true });
  });

  it('revoke_certs_by_project and by_user_and_project revoke only what they name', async () => {
    await c.cert.generateX509Cert(ctx, 'u4', 'p4');
    await c.cert.generateX509Cert(ctx, 'u5', 'p5');
    await c.cert.generateX509Cert(ctx, 'u5', 'p6');
    await c.cert.revokeCertsByProject(ctx, 'p4');
    await c.cert.revokeCertsByUserAndProject(ctx, 'u5', 'p5');
    const index = readFileSync(join(c.dir, 'CA', 'index.txt'), 'utf8');
    assert.match(index, /^R\t.*CN=p4-u4-/m);
    assert.match(index, /^R\t.*CN=p5-u5-/m);
    assert.match(index, /^V\t.*CN=p6-u5-/m);
  });

  it('the CA directory stays usable by openssl ca itself', async (t) => {
    if (!requireExternal(t, 'openssl', opensslProblem)) return;
    const ca = join(c.dir, 'CA');
    const r = openssl(['ca', '-gencrl', '-config', './openssl.cnf', '-out', 'crl-by-openssl.pem'], ca);
    assert.equal(r.status, 0, r.out);
    const crl = openssl(['crl', '-in', 'crl-by-openssl.pem', '-noout', '-text'], ca);
    assert.match(crl.out, /Serial Number: 11/);
  });

  it('decrypt_text undoes a PKCS#1 v1.5 encryption with the CA certificate', async () => {
    const root = createPublicKey(await c.cert.fetchCa(ctx, 'p1'));
    const secret = randomBytes(16).toString('hex');
    const sealed = publicEncrypt({ key: root, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(secret));
    assert.equal(await c.cert.decryptText(ctx, 'p1', sealed.toString('base64')), secret);
  });

  it('decrypt_text answers a wrongly padded block without telling, and refuses a block of the wrong size', async () => {
    const garbage = randomBytes(256);
    garbage[0] = 0x01;
    const answer = await c.cert.decryptText(ctx, 'p1', garbage.toString('base64'));
    assert.equal(await c.cert.decryptText(ctx, 'p1', garbage.toString('base64')), answer);
    await assert.rejects(c.cert.decryptText(ctx, 'p1', Buffer.from('short').toString('base64')), { name: 'DecryptionFailure' });
  });
});

describe('nova-cert with use_project_ca', () => {
  let c: CertCloud;
  before(async () => {
    c = await startCert({ use_project_ca: true });
  });
  after(async () => {
    await c.close();
  });

  it('signs with a project CA created on first use, which is not the root', async (t) => {
    if (!requireExternal(t, 'openssl', opensslProblem)) return;
    await assert.rejects(c.cert.fetchCa(ctx, 'proj'), { name: 'CryptoCAFileNotFound' });
    const [, certPem] = await c.cert.generateX509Cert(ctx, 'u1', 'proj');
    const projectCa = await c.cert.fetchCa(ctx, 'proj');
    assert.equal(projectCa, readFileSync(join(c.dir, 'CA', 'projects', 'proj', 'cacert.pem'), 'utf8'));
    assert.match(new X509Certificate(projectCa).subject, /CN=project-ca-proj-/);
    const work = mkdtempSync(join(tmpdir(), 'nova-cert-project-'));
    writeFileSync(join(work, 'project.pem'), projectCa);
    writeFileSync(join(work, 'root.pem'), await c.cert.fetchCa(ctx, null));
    writeFileSync(join(work, 'cert.pem'), certPem);
    assert.equal(openssl(['verify', '-CAfile', join(work, 'project.pem'), join(work, 'cert.pem')]).status, 0);
    assert.notEqual(openssl(['verify', '-CAfile', join(work, 'root.pem'), join(work, 'cert.pem')]).status, 0);
    const sealed = publicEncrypt(
      { key: createPublicKey(projectCa), padding: constants.RSA_PKCS1_PADDING },
      Buffer.from('0123456789abcdef'),
    );
    assert.equal(await c.cert.decryptText(ctx, 'proj', sealed.toString('base64')), '0123456789abcdef');
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses project ids that would leave the CA directory', async () => {
    await assert.rejects(c.cert.generateX509Cert(ctx, 'u1', '../escape'), { name: 'ProjectNotFound' });
    await assert.rejects(c.cert.decryptText(ctx, 'nobody', 'AAAA'), { name: 'ProjectNotFound' });
  });
});
