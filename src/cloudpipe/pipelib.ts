/**
 * Launching a project's cloudpipe VPN instance (Grizzly's nova/cloudpipe/pipelib.py): as
 * the project's `project-vpn` user, a key pair and a security group (OpenVPN's UDP 1194
 * and ICMP from anywhere) named after the project, a server certificate from the
 * project's CA, and one instance of `vpn_image_id` whose user data is the payload the
 * appliance unpacks and runs.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cryptoOpts } from '../cert/opts.js';
import type { CertAPI } from '../cert/rpcapi.js';
import { KeypairNotFound } from '../common/errors.js';
import { zip } from '../common/zip.js';
import type { FlavorInfo } from '../compute/api/deps.js';
import type { ComputeAPI, InstanceRecord } from '../compute/api/index.js';
import type { KeypairAPI } from '../compute/keypairs.js';
import type { SecurityGroupAPI } from '../compute/security-groups.js';
import type { Config } from '../config/config.js';
import { ec2Opts } from '../config/ec2-api-opts.js';
import type { RequestContext } from '../context/context.js';
import { renderBootScript } from './bootscript.js';
import { CloudpipeNotConfigured } from './errors.js';
import { cloudpipeOpts } from './opts.js';

/** The user every project's VPN resources belong to. */
export const VPN_USER = 'project-vpn';

const VPN_RULES = [
  { ip_protocol: 'udp', from_port: 1194, to_port: 1194, cidr: '0.0.0.0/0' },
  { ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '0.0.0.0/0' },
] as const;

export interface CloudpipeDeps {
  conf: Config;
  compute: Pick<ComputeAPI, 'create'>;
  securityGroups: Pick<SecurityGroupAPI, 'list' | 'create' | 'addRule'>;
  keypairs: Pick<KeypairAPI, 'get' | 'create'>;
  cert: Pick<CertAPI, 'generateX509Cert' | 'fetchCa' | 'fetchCrl'>;
  flavorByName(ctx: RequestContext, name: string): Promise<FlavorInfo>;
}

export interface VpnPayloadFiles {
  bootScript: string;
  crl: string;
  serverKey: string;
  caCert: string;
  serverCert: string;
}

/** The zip the appliance unpacks: `autorun.sh` and the OpenVPN server's key material. */
export function vpnPayload(files: VpnPayloadFiles): Buffer {
  return zip([
    { name: 'autorun.sh', data: files.bootScript },
    { name: 'crl.pem', data: files.crl },
    { name: 'server.key', data: files.serverKey },
    { name: 'ca.crt', data: files.caCert },
    { name: 'server.crt', data: files.serverCert },
  ]);
}

/**
 * User data is stored base64 and decoded once by the metadata service; the appliance
 * decodes the second layer itself, so the zip is encoded twice.
 */
export function vpnUserData(payload: Buffer): string {
  return Buffer.from(payload.toString('base64'), 'ascii').toString('base64');
}

export class CloudPipe {
  constructor(private readonly deps: CloudpipeDeps) {}

  /** The context VPN resources are made in: the project's VPN user, no roles, not admin. */
  vpnContext(ctx: RequestContext, projectId: string): RequestContext {
    return ctx.with({ userId: VPN_USER, projectId, isAdmin: false, roles: [] });
  }

  async #ensureKeyPair(ctx: RequestContext, name: string): Promise<void> {
    try {
      await this.deps.keypairs.get(ctx, VPN_USER, name);
      return;
    } catch (err) {
      if (!(err instanceof KeypairNotFound)) throw err;
    }
    const created = await this.deps.keypairs.create(ctx, VPN_USER, name);
    if (created.privateKey === null) return;
    const dir = join(this.deps.conf.get(cryptoOpts).keys_path ?? 'keys', VPN_USER);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${name}.pem`);
    writeFileSync(file, created.privateKey, { mode: 0o600 });
    chmodSync(file, 0o600);
  }

  /** The VPN's group, made with its two rules when missing (an existing one is used as it is). */
  async #ensureSecurityGroup(ctx: RequestContext, name: string): Promise<void> {
    if ((await this.deps.securityGroups.list(ctx)).some((g) => g.name === name)) return;
    const group = await this.deps.securityGroups.create(ctx, name, 'Group for vpn');
    for (const rule of VPN_RULES) await this.deps.securityGroups.addRule(ctx, group.id, { ...rule });
  }

  async launchVpnInstance(ctx: RequestContext, projectId: string): Promise<InstanceRecord> {
    const { conf } = this.deps;
    const cp = conf.get(cloudpipeOpts);
    const imageId = cp.vpn_image_id;
    if (!imageId || imageId === '0') throw new CloudpipeNotConfigured();
    const suffix = conf.get(ec2Opts).vpn_key_suffix ?? '-vpn';
    const name = `${projectId}${suffix}`;
    const vpnCtx = this.vpnContext(ctx, projectId);

    const flavor = await this.deps.flavorByName(vpnCtx, cp.vpn_instance_type ?? 'm1.tiny');
    await this.#ensureKeyPair(vpnCtx, name);
    await this.#ensureSecurityGroup(vpnCtx, name);
    const [serverKey, serverCert] = await this.deps.cert.generateX509Cert(vpnCtx, VPN_USER, projectId);
    const payload = vpnPayload({
      bootScript: renderBootScript(conf),
      crl: await this.deps.cert.fetchCrl(vpnCtx, projectId),
      serverKey,
      caCert: await this.deps.cert.fetchCa(vpnCtx, projectId),
      serverCert,
    });
    const result = await this.deps.compute.create(vpnCtx, {
      flavor,
      imageRef: imageId,
      displayName: name,
      minCount: 1,
      maxCount: 1,
      keyName: name,
      securityGroups: [name],
      userData: vpnUserData(payload),
    });
    return result.instances[0] as InstanceRecord;
  }
}
