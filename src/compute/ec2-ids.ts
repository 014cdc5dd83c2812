/**
 * EC2 ids (`i-`, `ami-`/`aki-`/`ari-`, `vol-`, `snap-` followed by at least eight hex
 * digits) and their translation to and from uuids through the mapping tables. A mapping
 * never changes once made, so both directions are remembered in-process.
 */
import type { Db } from '../db/api/common.js';
import { type Ec2MappingTable, ec2IdsGetOrCreate, ec2IdToUuid } from '../db/api/ec2-id-mappings.js';

export type Ec2IdKind = 'image' | 'instance' | 'volume' | 'snapshot';
export type ImagePrefix = 'ami' | 'aki' | 'ari';

const TABLES: Record<Ec2IdKind, Ec2MappingTable> = {
  image: 's3_images',
  instance: 'instance_id_mappings',
  volume: 'volume_id_mappings',
  snapshot: 'snapshot_id_mappings',
};

export function formatEc2Id(prefix: string, id: number): string {
  return `${prefix}-${id.toString(16).padStart(8, '0')}`;
}

/** `ami-0000000a` → {prefix: 'ami', id: 10}; null when the part after the last `-` is not hex. */
export function parseEc2Id(ec2Id: string): { prefix: string; id: number } | null {
  const dash = ec2Id.lastIndexOf('-');
  if (dash <= 0) return null;
  const hex = ec2Id.slice(dash + 1);
  if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) return null;
  return { prefix: ec2Id.slice(0, dash), id: Number.parseInt(hex, 16) };
}

/** The EC2 image prefix of a Glance container format: kernels `aki`, ramdisks `ari`, everything else `ami`. */
export function imagePrefixOf(containerFormat: string | null | undefined): ImagePrefix {
  if (containerFormat === 'aki' || containerFormat === 'kernel') return 'aki';
  if (containerFormat === 'ari' || containerFormat === 'ramdisk') return 'ari';
  return 'ami';
}

export interface Ec2IdMapper {
  /** EC2 numbers of uuids, created on first sight. */
  idsFor(kind: Ec2IdKind, uuids: readonly string[]): Promise<Map<string, number>>;
  idFor(kind: Ec2IdKind, uuid: string): Promise<number>;
  /** The uuid of an EC2 number, or null when none was ever given out. */
  uuidFor(kind: Ec2IdKind, id: number): Promise<string | null>;
}

export class DbEc2IdMapper implements Ec2IdMapper {
  readonly #byUuid = new Map<string, number>();
  readonly #byId = new Map<string, string>();

  constructor(private readonly db: Db) {}

  #remember(kind: Ec2IdKind, uuid: string, id: number): void {
    this.#byUuid.set(`${kind}:${uuid}`, id);
    this.#byId.set(`${kind}:${id}`, uuid);
  }

  async idsFor(kind: Ec2IdKind, uuids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unknown: string[] = [];
    for (const uuid of uuids) {
      const id = this.#byUuid.get(`${kind}:${uuid}`);
      if (id === undefined) unknown.push(uuid);
      else out.set(uuid, id);
    }
    if (unknown.length > 0) {
      for (const [uuid, id] of await ec2IdsGetOrCreate(this.db, TABLES[kind], unknown)) {
        this.#remember(kind, uuid, id);
        out.set(uuid, id);
      }
    }
    return out;
  }

  async idFor(kind: Ec2IdKind, uuid: string): Promise<number> {
    return (await this.idsFor(kind, [uuid])).get(uuid) as number;
  }

  async uuidFor(kind: Ec2IdKind, id: number): Promise<string | null> {
    const known = this.#byId.get(`${kind}:${id}`);
    if (known !== undefined) return known;
    const uuid = await ec2IdToUuid(this.db, TABLES[kind], id);
    if (uuid !== null) this.#remember(kind, uuid, id);
    return uuid;
  }
}
