/**
 * The metadata of one instance, both trees (`nova/api/metadata/base.py` in Grizzly): the
 * EC2-compatible tree under `/ec2/<version>` (and `/<version>`), the OpenStack tree under
 * `/openstack/<version>`, the injected content under `/openstack/content`, and the same
 * data laid out as the config drive's files. Built once from plain data; every lookup
 * after that is computation only.
 */
import { randomBytes } from 'node:crypto';
import { instanceBlockMapping } from './block-devices.js';
import { injectedNetworkConfig, ipInfo } from './network-config.js';
import { pythonJsonDumps } from './python-json.js';
import type { InstanceMetadataSource } from './source.js';
import { findPath, MdDir, type MdNode, MdPassword, toPlain } from './tree.js';
import {
  EC2_VERSIONS,
  ec2VersionList,
  GRIZZLY,
  LATEST,
  OPENSTACK_VERSIONS,
  openstackVersionList,
  resolveEc2Version,
  resolveOpenstackVersion,
  versionAtLeast,
} from './versions.js';

export const CONTENT_DIR = 'content';
export const MD_JSON_NAME = 'meta_data.json';
export const UD_NAME = 'user_data';
export const PASS_NAME = 'password';

export interface InjectedContent {
  path: string;
  contents: Buffer;
}

export interface InstanceMetadataOptions {
  /** The address the guest asked from (EC2 `local-ipv4`); defaults to its first fixed IPv4. */
  address?: string | null;
  /** Personality files given at create: only the config drive has them (they are not stored). */
  files?: readonly InjectedContent[];
  /** The admin password given at create: only the config drive carries it. */
  adminPass?: string | null;
  now?: () => Date;
  random?: (size: number) => Buffer;
}

/**
 * Splits a request path into its segments the way posixpath.normpath would read it:
 * empty and `.` segments vanish, `..` climbs (never above the root).
 */
export function normalizePath(path: string): string[] {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out;
}

export class InstanceMetadata {
  readonly source: InstanceMetadataSource;
  readonly address: string | null;
  readonly floatingIp: string;
  /** Injected content by key (`0000`, `0001`, …): the network config first, then the files. */
  readonly content: ReadonlyMap<string, Buffer>;
  readonly files: readonly { path: string; content_path: string }[];
  readonly networkConfig: { name: string; content_path: string } | null;
  readonly #adminPass: string | null;
  readonly #mappings: Record<string, string>;
  readonly #now: () => Date;
  readonly #random: (size: number) => Buffer;

  constructor(source: InstanceMetadataSource, options: InstanceMetadataOptions = {}) {
    this.source = source;
    const ips = ipInfo(source.networkInfo);
    this.address = options.address ?? ips.fixedIps[0] ?? null;
    this.floatingIp = ips.floatingIps[0] ?? '';
    this.#adminPass = options.adminPass ?? null;
    this.#mappings = instanceBlockMapping(source, source.blockDeviceMappings);
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? randomBytes;

    const content = new Map<string, Buffer>();
    const key = (): string => String(content.size).padStart(4, '0');
    const netConfig = injectedNetworkConfig(source.networkInfo, source.useIpv6);
    let networkConfig: InstanceMetadata['networkConfig'] = null;
    if (netConfig !== null) {
      networkConfig = { name: 'network_config', content_path: `/${CONTENT_DIR}/${key()}` };
      content.set(key(), Buffer.from(netConfig));
    }
    const files: { path: string; content_path: string }[] = [];
    for (const file of options.files ?? []) {
      files.push({ path: file.path, content_path: `/${CONTENT_DIR}/${key()}` });
      content.set(key(), file.contents);
    }
    this.content = content;
    this.files = files;
    this.networkConfig = networkConfig;
  }

  /** `<hostname>.<dhcp_domain>`, or the bare hostname when there is no domain. */
  get hostname(): string {
    const host = this.source.hostname ?? '';
    return this.source.dhcpDomain ? `${host}.${this.source.dhcpDomain}` : host;
  }

  /** The EC2 tree of a version: `meta-data/` and, when the server has user data, `user-data`. */
  ec2Metadata(version: string): MdDir | null {
    const v = resolveEc2Version(version);
    if (v === null) return null;
    const at = (required: string): boolean => versionAtLeast(EC2_VERSIONS, required, v);
    const s = this.source;
    const hostname = this.hostname;
    const md: Record<string, MdNode> = {
      'ami-id': s.ec2Ids.amiId,
      'ami-launch-index': s.launchIndex,
      'ami-manifest-path': 'FIXME',
      'instance-id': s.ec2Ids.instanceId,
      hostname,
      'local-ipv4': this.address,
      'reservation-id': s.reservationId,
      'security-groups': [...s.securityGroups],
    };
    if (s.keyName) {
      md['public-keys'] = new MdDir({ '0': new MdDir({ 'openssh-key': s.keyData }, `0=${s.keyName}`) });
    }
    if (at('2007-01-19')) {
      md['local-hostname'] = hostname;
      md['public-hostname'] = hostname;
      md['public-ipv4'] = this.floatingIp;
    }
    if (at('2007-08-29')) md['instance-type'] = s.instanceTypeName;
    if (at('2007-12-15')) {
      md['block-device-mapping'] = new MdDir({ ...this.#mappings });
      if (s.ec2Ids.kernelId) md['kernel-id'] = s.ec2Ids.kernelId;
      if (s.ec2Ids.ramdiskId) md['ramdisk-id'] = s.ec2Ids.ramdiskId;
    }
    if (at('2008-02-01')) md.placement = new MdDir({ 'availability-zone': s.availabilityZone });
    if (at('2008-09-01')) md['instance-action'] = 'none';
    const tree: Record<string, MdNode> = { 'meta-data': new MdDir(md) };
    if (s.userData !== null) tree['user-data'] = s.userData;
    return new MdDir(tree);
  }

  /** `meta_data.json` of an OpenStack version (already resolved). */
  metaDataJson(version: string): string {
    const s = this.source;
    const md: Record<string, unknown> = { uuid: s.uuid };
    if (Object.keys(s.metadata).length > 0) md.meta = { ...s.metadata };
    if (this.files.length > 0) md.files = this.files.map((f) => ({ ...f }));
    if (this.#adminPass) md.admin_pass = this.#adminPass;
    if (this.networkConfig) md.network_config = { ...this.networkConfig };
    if (s.keyName) md.public_keys = { [s.keyName]: s.keyData };
    md.hostname = this.hostname;
    md.name = s.displayName;
    md.launch_index = s.launchIndex;
    md.availability_zone = s.availabilityZone;
    if (versionAtLeast(OPENSTACK_VERSIONS, GRIZZLY, version)) md.random_seed = this.#random(512).toString('base64');
    return pythonJsonDumps(md);
  }

  /** A node of the OpenStack tree, below `/openstack`; undefined when there is none. */
  openstackItem(tokens: readonly string[]): MdNode | undefined {
    const [first, ...rest] = tokens;
    if (first === undefined) return undefined;
    if (first === CONTENT_DIR) return rest.length === 1 ? this.content.get(rest[0] as string) : undefined;
    const version = resolveOpenstackVersion(first);
    if (version === null) return undefined;
    const withPassword = versionAtLeast(OPENSTACK_VERSIONS, GRIZZLY, version);
    if (rest.length === 0) {
      const names = [MD_JSON_NAME];
      if (this.source.userData !== null) names.push(UD_NAME);
      if (withPassword) names.push(PASS_NAME);
      return names;
    }
    const path = rest.join('/');
    if (path === MD_JSON_NAME) return this.metaDataJson(version);
    if (path === UD_NAME) return this.source.userData ?? undefined;
    if (path === PASS_NAME && withPassword) return new MdPassword(this.source.password);
    return undefined;
  }

  /**
   * The node a request path names, or undefined (404). A first segment other than `ec2`
   * or `openstack` is an EC2 version: `/2009-04-04/meta-data` is `/ec2/2009-04-04/meta-data`.
   */
  lookup(path: string): MdNode | undefined {
    let tokens = normalizePath(path);
    if (tokens[0] !== 'ec2' && tokens[0] !== 'openstack') tokens = ['ec2', ...tokens];
    const [tree, ...rest] = tokens;
    if (rest.length === 0) return tree === 'openstack' ? openstackVersionList(this.#now()) : ec2VersionList();
    if (tree === 'openstack') return this.openstackItem(rest);
    const data = this.ec2Metadata(rest[0] as string);
    return data === null ? undefined : findPath(data, rest.slice(1));
  }

  /**
   * The config drive's files, path → bytes: `ec2/<version>/meta-data.json` and
   * `user-data` for each EC2 version not skipped, `openstack/<version>/meta_data.json` and
   * `user_data` for each OpenStack version, and `openstack/content/<key>`. No password.
   */
  configDriveFiles(skipVersions: readonly string[]): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (const version of [...EC2_VERSIONS, LATEST]) {
      if (skipVersions.includes(version)) continue;
      const data = this.ec2Metadata(version) as MdDir;
      const userData = data.children['user-data'];
      if (Buffer.isBuffer(userData)) files.set(`ec2/${version}/user-data`, userData);
      files.set(`ec2/${version}/meta-data.json`, Buffer.from(pythonJsonDumps(toPlain(data.children['meta-data'] as MdDir))));
    }
    for (const version of [...OPENSTACK_VERSIONS, LATEST]) {
      files.set(`openstack/${version}/${MD_JSON_NAME}`, Buffer.from(this.metaDataJson(resolveOpenstackVersion(version) as string)));
      if (this.source.userData !== null) files.set(`openstack/${version}/${UD_NAME}`, this.source.userData);
    }
    for (const [key, contents] of this.content) files.set(`openstack/${CONTENT_DIR}/${key}`, contents);
    return files;
  }
}
