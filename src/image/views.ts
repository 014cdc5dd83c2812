/** How images and members look on the wire (Glance v2). */
import type { ImageRecord, MemberRecord } from '../db/image/store.js';

/** Glance's timestamp form: second precision, `Z`. */
export function glanceTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function imageView(image: ImageRecord): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    checksum: image.checksum,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtual_size,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    disk_format: image.disk_format,
    container_format: image.container_format,
    created_at: glanceTime(image.created_at),
    updated_at: glanceTime(image.updated_at),
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** The attributes create and PATCH validate against the image schema. */
export function writableView(image: ImageRecord): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    owner: image.owner,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    disk_format: image.disk_format,
    container_format: image.container_format,
    tags: [...image.tags],
  };
}

export function memberView(member: MemberRecord): Record<string, unknown> {
  return {
    created_at: glanceTime(member.created_at),
    updated_at: glanceTime(member.updated_at),
    image_id: member.image_id,
    member_id: member.member,
    status: member.status,
    schema: '/v2/schemas/member',
  };
}
