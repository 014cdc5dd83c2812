/**
 * The embedded cloud with the QEMU driver on its user-mode network: every guest's metadata
 * requests arrive through that guest's forwarder in nova-compute, from loopback, so the
 * metadata service cannot tell guests apart by address. The forwarder signs for its guest
 * instead, and the service checks the signature (`service_quantum_metadata_proxy`), with a
 * secret kept in the state directory; and the forwarders send to wherever the embedded
 * service really listens. What nova.conf sets explicitly is left alone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { virtOpts } from '../virt/opts.js';
import { qemuOpts } from '../virt/qemu/opts.js';

const QEMU_DRIVER_NAMES = new Set(['qemu', 'qemu.QemuDriver', 'nova.virt.qemu.QemuDriver']);
const SECRET_FILE = 'metadata-proxy.secret';

/** The secret in `<state>/metadata-proxy.secret`, made on first use. */
function stateSecret(stateRoot: string): string {
  const file = join(stateRoot, SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Whether nova-compute runs QEMU guests on the user-mode network. */
export function userModeQemu(conf: Config): boolean {
  const driver = conf.get(virtOpts).compute_driver?.trim() ?? '';
  return QEMU_DRIVER_NAMES.has(driver) && conf.get(qemuOpts).qemu_vif_type === 'user';
}

/** Before the metadata service starts: identify guests by their forwarders' signatures. */
export function signedGuestMetadata(conf: Config, stateRoot: string): void {
  if (!userModeQemu(conf) || conf.isSet('DEFAULT', 'service_quantum_metadata_proxy')) return;
  conf.set('DEFAULT', 'service_quantum_metadata_proxy', true);
  if (!conf.isSet('DEFAULT', 'quantum_metadata_proxy_shared_secret')) {
    conf.set('DEFAULT', 'quantum_metadata_proxy_shared_secret', stateSecret(stateRoot));
  }
}

/** Once the metadata service listens at `url`, before nova-compute starts: forward guests there. */
export function forwardGuestMetadataTo(conf: Config, url: string): void {
  if (!userModeQemu(conf) || conf.isSet('DEFAULT', 'qemu_metadata_forward')) return;
  conf.set('DEFAULT', 'qemu_metadata_forward', new URL(url).host);
}
