import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fingerprintOfPublicKey, generateKeyPair, InvalidKeypair, validateKeyPairName } from '../../../src/compute/keypairs.js';
import { probeCommand, requireExternal } from '../../support/externals.js';

// Made with `ssh-keygen -t rsa -b 1024`; fingerprint as `ssh-keygen -l -E md5` printed it.
const KNOWN_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCxJRk4VfsQKAqISbpgmDvd3enMASu8ZXgj+M8qfUjKtvbshBANFE5CoRSv4ztdRe/01C+pdrvM9fLqPdZ1Cicy+flBhezgdpI0pAVPzpZQajVxfg+u1G0exAYdZU2xy/93B0MOcZKFl4xHnN8mmd5VTHNGYZHawdy5OVxN6H8+Uw== test';
const KNOWN_FINGERPRINT = 'b8:a2:0b:33:f2:e6:70:3a:fe:aa:b7:67:32:9f:31:c8';

describe('key pair fingerprints and validation', () => {
  test('fingerprint of an imported key equals ssh-keygen -l -E md5', () => {
    assert.equal(fingerprintOfPublicKey(KNOWN_KEY), KNOWN_FINGERPRINT);
    assert.equal(fingerprintOfPublicKey(`  ${KNOWN_KEY.replace(' test', '')}\n`), KNOWN_FINGERPRINT);
  });

  test('rejects malformed public keys', () => {
    const bad = [
      '',
      'ssh-rsa',
      'not-a-key AAAA',
      `ssh-rsa ${'A'.repeat(2000)}`,
      'ssh-rsa !!!notbase64',
      KNOWN_KEY.replace('ssh-rsa', 'ssh-dss'),
      `ssh-rsa ${Buffer.from('short').toString('base64')}`,
    ];
    for (const key of bad) assert.throws(() => fingerprintOfPublicKey(key), InvalidKeypair, JSON.stringify(key));
  });

  test('names are 1-255 characters of letters, digits, space, _ and -', () => {
    validateKeyPairName('my key_1-a');
    for (const name of ['', 'k'.repeat(256), 'key_/.\\@:', 'tab\tkey']) assert.throws(() => validateKeyPairName(name), InvalidKeypair);
  });
});

describe('key pair generation', () => {
  test('generates an RSA 2048 ssh-rsa public key, a PKCS#1 private key, and a matching fingerprint', () => {
    const kp = generateKeyPair();
    assert.match(kp.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ Generated-by-Nova$/);
    assert.match(kp.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.equal(fingerprintOfPublicKey(kp.publicKey), kp.fingerprint);
    assert.notEqual(generateKeyPair().fingerprint, kp.fingerprint);
  });

  test('ssh-keygen agrees: same fingerprint, 2048 bits, and the private key derives the public key', (t) => {
    if (!requireExternal(t, 'ssh-keygen (Debian package openssh-client)', probeCommand('ssh-keygen', ['-?']))) return;
    const kp = generateKeyPair();
    const dir = mkdtempSync(join(tmpdir(), 'nova-keypair-'));
    try {
      writeFileSync(join(dir, 'id.pub'), `${kp.publicKey}\n`);
      writeFileSync(join(dir, 'id'), kp.privateKey, { mode: 0o600 });
      const listed = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'id.pub')], { encoding: 'utf8' });
      assert.match(listed, new RegExp(`^2048 MD5:${kp.fingerprint} `));
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' })
        .trim()
        .split(' ')
        .slice(0, 2)
        .join(' ');
      assert.equal(derived, kp.publicKey.split(' ').slice(0, 2).join(' '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
