import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface StateDir {
  root: string;
  configFile: string;
  logDir: string;
  /** True when this start created the configuration (a first start). */
  created: boolean;
}

/**
 * The configuration nova-all writes on first start: everything under the state
 * directory, APIs on loopback, the in-process bus. Defaults cover the rest; the file is
 * the operator's to edit afterwards and is never rewritten.
 */
export function generatedConfig(root: string): string {
  return [
    '# Written by nova-all on first start; edit freely, it is not rewritten.',
    '# Every option, with its default and help: nova-manage config sample',
    '[DEFAULT]',
    `state_path = ${root}`,
    'log_dir = $state_path/logs',
    'transport_url = local://',
    'my_ip = 127.0.0.1',
    'osapi_compute_listen = 127.0.0.1',
    'metadata_listen = 127.0.0.1',
    'ec2_listen = 127.0.0.1',
    's3_listen = 127.0.0.1',
    'compute_driver = fake.FakeDriver',
    '# Nothing leases addresses without real DHCP, so release them as soon as a server is deleted.',
    'force_dhcp_release = true',
    '',
    '[database]',
    'connection = sqlite:///$state_path/nova.sqlite',
    '',
    '[identity]',
    'listen = 127.0.0.1',
    'public_host = 127.0.0.1',
    '',
    '[image]',
    'listen = 127.0.0.1',
    '',
  ].join('\n');
}

/** Creates the state directory and its configuration on first use. */
export function prepareStateDir(dir: string): StateDir {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const configFile = join(root, 'nova.conf');
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  const created = !existsSync(configFile);
  if (created) writeFileSync(configFile, generatedConfig(root), { mode: 0o600 });
  return { root, configFile, logDir, created };
}
