import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import '../../../src/cmd/all-opts.js';
import { forwardGuestMetadataTo, signedGuestMetadata } from '../../../src/cmd/guest-metadata.js';
import { Config } from '../../../src/config/config.js';
import { metadataApiOpts } from '../../../src/config/metadata-api-opts.js';
import { qemuOpts } from '../../../src/virt/qemu/opts.js';

describe('the embedded cloud’s metadata set-up for user-mode QEMU guests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-metadata-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('identifies QEMU guests by signed forwarder headers, with a secret kept in the state directory', () => {
    const conf = Config.load({ overrides: { DEFAULT: { compute_driver: 'qemu.QemuDriver' } } });
    signedGuestMetadata(conf, dir);
    const md = conf.get(metadataApiOpts);
    assert.equal(md.service_quantum_metadata_proxy, true);
    const secret = readFileSync(join(dir, 'metadata-proxy.secret'), 'utf8').trim();
    assert.match(secret, /^[0-9a-f]{48}$/);
    assert.equal(md.quantum_metadata_proxy_shared_secret, secret);
    assert.equal(statSync(join(dir, 'metadata-proxy.secret')).mode & 0o077, 0, 'only the owner reads the secret');

    const again = Config.load({ overrides: { DEFAULT: { compute_driver: 'qemu' } } });
    signedGuestMetadata(again, dir);
    assert.equal(again.get(metadataApiOpts).quantum_metadata_proxy_shared_secret, secret, 'the next start uses the same secret');

    forwardGuestMetadataTo(conf, 'http://127.0.0.1:40123');
    assert.equal(conf.get(qemuOpts).qemu_metadata_forward, '127.0.0.1:40123');
  });

  it('leaves what nova.conf says, and clouds without user-mode QEMU guests, alone', () => {
    const explicit = Config.load({
      overrides: { DEFAULT: { compute_driver: 'qemu', service_quantum_metadata_proxy: false, qemu_metadata_forward: '10.0.0.1:8775' } },
    });
    signedGuestMetadata(explicit, dir);
    forwardGuestMetadataTo(explicit, 'http://127.0.0.1:40123');
    assert.equal(explicit.get(metadataApiOpts).service_quantum_metadata_proxy, false);
    assert.equal(explicit.get(qemuOpts).qemu_metadata_forward, '10.0.0.1:8775');

    for (const DEFAULT of [{ compute_driver: 'fake.FakeDriver' }, { compute_driver: 'qemu', qemu_vif_type: 'bridge' }]) {
      const conf = Config.load({ overrides: { DEFAULT } });
      signedGuestMetadata(conf, dir);
      forwardGuestMetadataTo(conf, 'http://127.0.0.1:40123');
      assert.equal(conf.get(metadataApiOpts).service_quantum_metadata_proxy, false);
      assert.equal(conf.get(qemuOpts).qemu_metadata_forward, null);
    }
  });
});
