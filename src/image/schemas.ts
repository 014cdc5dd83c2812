/**
 * JSON schemas of images and members as Glance v2 publishes them under /v2/schemas.
 * The image schema is also what create and PATCH validate an image's writable view
 * against, so what clients read and what the server enforces cannot drift apart.
 */
import { Ajv, type ErrorObject } from 'ajv';

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'uploading',
  'importing',
  'pending_delete',
  'deactivated',
] as const;
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

const MAX_INT32 = 2147483647;

const nullableString = (maxLength: number, description: string, readOnly = false) => ({
  type: ['null', 'string'],
  readOnly,
  description,
  maxLength,
});

function imageProperties(): Record<string, Record<string, unknown>> {
  return {
    id: {
      type: 'string',
      description: 'An identifier for the image',
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
    },
    name: nullableString(255, 'Descriptive name for the image'),
    status: { type: 'string', readOnly: true, description: 'Status of the image', enum: [...IMAGE_STATUSES] },
    visibility: { type: 'string', description: 'Scope of image accessibility', enum: [...VISIBILITIES] },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: nullableString(32, 'md5 hash of image contents.', true),
    os_hash_algo: nullableString(64, 'Algorithm to calculate the os_hash_value', true),
    os_hash_value: nullableString(128, 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', true),
    owner: nullableString(255, 'Owner of the image'),
    size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
    virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
    container_format: {
      type: ['null', 'string'],
      description: 'Format of the container',
      enum: [null, ...CONTAINER_FORMATS],
    },
    disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
    created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
    updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
    tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: { type: 'string', readOnly: true, description: 'URL to access the image file kept in external store' },
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.', minimum: 0, maximum: MAX_INT32 },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.', minimum: 0, maximum: MAX_INT32 },
    self: { type: 'string', readOnly: true, description: 'An image self url' },
    file: { type: 'string', readOnly: true, description: 'An image file url' },
    schema: { type: 'string', readOnly: true, description: 'An image schema url' },
  };
}

const IMAGE_LINKS = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
];

export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    properties: imageProperties(),
    additionalProperties: { type: 'string' },
    links: IMAGE_LINKS,
  };
}

export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: {
        type: 'array',
        items: {
          type: 'object',
          name: 'image',
          properties: imageProperties(),
          additionalProperties: { type: 'string' },
          links: IMAGE_LINKS,
        },
      },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

function memberProperties(): Record<string, Record<string, unknown>> {
  return {
    member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
    image_id: { type: 'string', description: 'An identifier for the image', pattern: imageProperties().id?.pattern },
    created_at: { type: 'string', description: 'Date and time of image member creation' },
    updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
    status: { type: 'string', description: 'The status of this image member', enum: [...MEMBER_STATUSES] },
    schema: { type: 'string', readOnly: true },
  };
}

export function memberSchema(): Record<string, unknown> {
  return { name: 'member', properties: memberProperties() };
}

export function membersSchema(): Record<string, unknown> {
  return {
    name: 'members',
    properties: {
      members: { type: 'array', items: { name: 'member', properties: memberProperties() } },
      schema: { type: 'string' },
    },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}

/** Attributes a client may never set. */
export const READ_ONLY_ATTRIBUTES: ReadonlySet<string> = new Set(
  Object.entries(imageProperties())
    .filter(([, spec]) => spec.readOnly === true)
    .map(([name]) => name),
);

/** Names Glance keeps for itself; setting one is refused like a read-only one. */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set(['deleted', 'deleted_at', 'location', 'locations']);

/** The core attributes (everything else is a custom property). */
export const CORE_ATTRIBUTES: ReadonlySet<string> = new Set(Object.keys(imageProperties()));

const ajv = new Ajv({ strict: false, allErrors: false });
const validateImage = ajv.compile({ type: 'object', ...imageSchema() });

function describe(error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return where ? `${error.message ?? 'is invalid'} at '${where}'` : (error.message ?? 'is invalid');
}

/** Null when `view` (an image's writable attributes and custom properties) fits the schema; else the reason. */
export function imageSchemaProblem(view: Record<string, unknown>): string | null {
  if (validateImage(view)) return null;
  const first = validateImage.errors?.[0];
  return first ? `Failed validating: ${describe(first)}` : 'Failed validating the image';
}
