/**
 * The manifest of an EC2 image bundle (euca-bundle-image / ec2-bundle-image format):
 * what the image is (machine, kernel, ramdisk), its parts and their SHA-1 digests, the
 * SHA-1 of the tar stream, and the AES key and IV wrapped with the cloud's certificate.
 */
import { XMLParser } from 'fast-xml-parser';

export type BundleImageType = 'ami' | 'aki' | 'ari';

export interface BundlePart {
  filename: string;
  /** Hex SHA-1 of the part's bytes, when the manifest gives one. */
  sha1: string | null;
}

export interface BundleManifest {
  type: BundleImageType;
  /** EC2 ids of the kernel and ramdisk a machine image names, if any. */
  kernelId: string | null;
  ramdiskId: string | null;
  architecture: string;
  /** `machine_configuration/block_device_mapping`: virtual name → device. */
  mappings: { virtual: string; device: string }[];
  name: string | null;
  /** Hex SHA-1 of the uncompressed tar stream. */
  sha1: string | null;
  parts: BundlePart[];
  /** Hex RSA-encrypted AES key and IV (their plaintexts are hex too). */
  encryptedKey: string;
  encryptedIv: string;
}

export class InvalidBundleManifest extends Error {}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

type Node = Record<string, unknown>;

function node(v: unknown): Node | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  const n = node(v);
  return n && typeof n['#text'] === 'string' ? (n['#text'] as string).trim() : null;
}

/** Every `filename` under a node, in document order (as Grizzly's getiterator does). */
function filenames(v: unknown, out: BundlePart[]): void {
  if (Array.isArray(v)) {
    for (const item of v) filenames(item, out);
    return;
  }
  const n = node(v);
  if (!n) return;
  for (const [key, value] of Object.entries(n)) {
    if (key === 'filename') {
      for (const f of Array.isArray(value) ? value : [value]) {
        const name = text(f);
        if (name) out.push({ filename: name, sha1: text(n.digest)?.toLowerCase() ?? null });
      }
    } else {
      filenames(value, out);
    }
  }
}

export function parseBundleManifest(xml: string): BundleManifest {
  let doc: Node;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      parseTagValue: false,
      isArray: (name) => name === 'mapping',
    }).parse(xml) as Node;
  } catch (err) {
    throw new InvalidBundleManifest(`the manifest is not XML: ${(err as Error).message}`);
  }
  const manifest = node(doc.manifest);
  const image = node(manifest?.image);
  if (!manifest || !image) throw new InvalidBundleManifest('the manifest has no <manifest><image> element');
  const machine = node(manifest.machine_configuration) ?? {};
  let type: BundleImageType = 'ami';
  let kernelId = text(machine.kernel_id);
  let ramdiskId = text(machine.ramdisk_id);
  if (kernelId === 'true') {
    type = 'aki';
    kernelId = null;
  }
  if (ramdiskId === 'true') {
    type = 'ari';
    ramdiskId = null;
  }
  const mappingList = node(machine.block_device_mapping)?.mapping;
  const mappings = (Array.isArray(mappingList) ? mappingList : [])
    .map((m) => ({ virtual: text(node(m)?.virtual) ?? '', device: text(node(m)?.device) ?? '' }))
    .filter((m) => m.virtual !== '' && m.device !== '');
  const parts: BundlePart[] = [];
  filenames(image, parts);
  const encryptedKey = text(image.ec2_encrypted_key);
  const encryptedIv = text(image.ec2_encrypted_iv);
  if (!encryptedKey || !encryptedIv) throw new InvalidBundleManifest('the manifest has no ec2_encrypted_key or ec2_encrypted_iv');
  if (parts.length === 0) throw new InvalidBundleManifest('the manifest names no parts');
  return {
    type,
    kernelId: kernelId || null,
    ramdiskId: ramdiskId || null,
    architecture: text(machine.architecture) || 'x86_64',
    mappings,
    name: text(image.name),
    sha1: text(image.digest)?.toLowerCase() ?? null,
    parts,
    encryptedKey,
    encryptedIv,
  };
}

export interface ManifestInput {
  name: string;
  user: string;
  type: BundleImageType;
  architecture: string;
  /** An EC2 id for a machine image's kernel/ramdisk; ignored for kernels and ramdisks themselves. */
  kernelId?: string;
  ramdiskId?: string;
  mappings: { virtual: string; device: string }[];
  sha1: string;
  size: number;
  bundledSize: number;
  ec2EncryptedKey: string;
  ec2EncryptedIv: string;
  userEncryptedKey?: string;
  userEncryptedIv?: string;
  parts: { filename: string; sha1: string }[];
}

const DISPLAY_TYPES = { ami: 'machine', aki: 'kernel', ari: 'ramdisk' } as const;

/** The `<machine_configuration>` and `<image>` elements, which the manifest signature covers. */
export function manifestSignedPart(m: ManifestInput): string {
  const e = escapeXml;
  const kernel = m.type === 'aki' ? 'true' : m.kernelId;
  const ramdisk = m.type === 'ari' ? 'true' : m.ramdiskId;
  const machine = [
    `<architecture>${e(m.architecture)}</architecture>`,
    kernel ? `<kernel_id>${e(kernel)}</kernel_id>` : '',
    ramdisk ? `<ramdisk_id>${e(ramdisk)}</ramdisk_id>` : '',
    m.mappings.length
      ? `<block_device_mapping>${m.mappings.map((x) => `<mapping><virtual>${e(x.virtual)}</virtual><device>${e(x.device)}</device></mapping>`).join('')}</block_device_mapping>`
      : '',
  ].join('');
  const parts = m.parts
    .map((p, i) => `<part index="${i}"><filename>${e(p.filename)}</filename><digest algorithm="SHA1">${p.sha1}</digest></part>`)
    .join('');
  const image = [
    `<name>${e(m.name)}</name>`,
    `<user>${e(m.user)}</user>`,
    `<type>${DISPLAY_TYPES[m.type]}</type>`,
    `<digest algorithm="SHA1">${m.sha1}</digest>`,
    `<size>${m.size}</size>`,
    `<bundled_size>${m.bundledSize}</bundled_size>`,
    `<ec2_encrypted_key algorithm="AES-128-CBC">${m.ec2EncryptedKey}</ec2_encrypted_key>`,
    m.userEncryptedKey ? `<user_encrypted_key algorithm="AES-128-CBC">${m.userEncryptedKey}</user_encrypted_key>` : '',
    `<ec2_encrypted_iv>${m.ec2EncryptedIv}</ec2_encrypted_iv>`,
    m.userEncryptedIv ? `<user_encrypted_iv>${m.userEncryptedIv}</user_encrypted_iv>` : '',
    `<parts count="${m.parts.length}">${parts}</parts>`,
  ].join('');
  return `<machine_configuration>${machine}</machine_configuration><image>${image}</image>`;
}

export function buildBundleManifest(m: ManifestInput, signatureHex: string | null): string {
  const signature = signatureHex ? `<signature>${signatureHex}</signature>` : '';
  return `<?xml version="1.0" ?>\n<manifest><version>2007-10-10</version><bundler><name>nova-ts</name><version>1</version><release>1</release></bundler>${manifestSignedPart(m)}${signature}</manifest>\n`;
}
