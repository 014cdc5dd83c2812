import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface CloudCredentials {
  username: string;
  password: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
}

export interface CloudsYamlOptions {
  /** The identity URL clients start from, e.g. http://host:5000/v3. */
  authUrl: string;
  region: string;
  admin: CloudCredentials;
  demo: CloudCredentials;
}

function cloud(authUrl: string, region: string, c: CloudCredentials): Record<string, unknown> {
  return {
    auth: {
      auth_url: authUrl,
      username: c.username,
      password: c.password,
      project_name: c.projectName,
      user_domain_name: c.userDomainName ?? 'Default',
      project_domain_name: c.projectDomainName ?? 'Default',
    },
    region_name: region,
    interface: 'public',
    identity_api_version: 3,
  };
}

/**
 * Writes clouds `nova-ts` (admin) and `nova-ts-demo` for openstackclient / openstacksdk.
 * The file holds passwords, so it is readable by its owner only, and replaced atomically.
 */
export async function writeCloudsYaml(path: string, options: CloudsYamlOptions): Promise<void> {
  const document = {
    clouds: {
      'nova-ts': cloud(options.authUrl, options.region, options.admin),
      'nova-ts-demo': cloud(options.authUrl, options.region, options.demo),
    },
  };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, stringify(document), { mode: 0o600 });
  await rename(temporary, path);
}
