/**
 * `/servers`: list, detail, show, create, update, delete at microversion 2.1
 * (nova/api/openstack/compute/servers.py). Parsing and validation happen here; the rules live in compute.api.
 */
import { isIP } from 'node:net';
import { type Static, type TSchema, Type } from 'typebox';
import {
  BadRequest,
  FlavorNotFound,
  Forbidden,
  ImageNotFound,
  InvalidInput,
  KeypairNotFound,
  MarkerNotFound,
  NetworkNotFound,
  SecurityGroupNotFound,
  ValidationError,
} from '../../../common/errors.js';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../../../common/json-depth.js';
import { stateFilterFromStatus } from '../../../common/states/status.js';
import { isUuidLike } from '../../../common/uuid.js';
import {
  type ComputeAPI,
  type CreateInstanceRequest,
  type FlavorLookup,
  INSTANCE_COLUMNS,
  type InstanceRecord,
  type LegacyBlockDevice,
  type RequestedNetwork,
  type SearchOptions,
} from '../../../compute/api/index.js';
import { computeApiOpts } from '../../../compute/api-opts.js';
import type { AvailabilityZoneAPI } from '../../../compute/availability-zones.js';
import { apiOpts } from '../../../config/api-opts.js';
import type { Config } from '../../../config/config.js';
import type { RequestContext } from '../../../context/context.js';
import { collectionLinks, getLimitAndMarker, type Query, queryList } from '../common.js';
import { type ComputeRequest, ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { MAX_INT, metadata, Name, PositiveInteger } from './parameter-types.js';
import { serverBriefView, serverDetailView, serverHref, serverUpdateView, type ViewOptions } from './views/servers.js';

export interface ServersResourceDeps {
  conf: Config;
  compute: ComputeAPI;
  flavors: FlavorLookup;
  zones: AvailabilityZoneAPI;
}

// ---- request schemas (v2.1) --------------------------------------------------

const BOOL_STRINGS = [
  'True',
  'TRUE',
  'true',
  '1',
  'ON',
  'On',
  'on',
  'YES',
  'Yes',
  'yes',
  'False',
  'FALSE',
  'false',
  '0',
  'OFF',
  'Off',
  'off',
  'NO',
  'No',
  'no',
];
const Bool = Type.Union([Type.Boolean(), Type.String({ enum: BOOL_STRINGS })]);
const DeviceName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' });
/** A mapping's size in GB; null (as older clients send it) means the flavor's size. */
const VolumeSizeOrNull = Type.Unsafe<number | string | null>({
  type: ['integer', 'string', 'null'],
  pattern: '^[0-9]+$',
  minimum: 1,
  maximum: MAX_INT,
});

const LEGACY_BDM_PROPS = {
  virtual_name: Type.Optional(Type.String({ maxLength: 255 })),
  volume_id: Type.Optional(Type.String({ minLength: 1 })),
  snapshot_id: Type.Optional(Type.String({ minLength: 1 })),
  volume_size: Type.Optional(VolumeSizeOrNull),
  device_name: Type.Optional(DeviceName),
  delete_on_termination: Type.Optional(Bool),
  no_device: Type.Optional(Type.Any()),
  connection_info: Type.Optional(Type.String({ maxLength: 16777215 })),
};

const LegacyBdm = Type.Object(LEGACY_BDM_PROPS, { additionalProperties: false });

const BdmV2 = Type.Object(
  {
    source_type: Type.Optional(Type.String({ enum: ['volume', 'image', 'snapshot', 'blank'] })),
    uuid: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' })),
    image_id: Type.Optional(Type.String()),
    destination_type: Type.Optional(Type.String({ enum: ['local', 'volume'] })),
    guest_format: Type.Optional(Type.String({ maxLength: 255 })),
    device_type: Type.Optional(Type.String({ maxLength: 255 })),
    disk_bus: Type.Optional(Type.String({ maxLength: 255 })),
    boot_index: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]+$' }), Type.Null()])),
    volume_size: LEGACY_BDM_PROPS.volume_size,
    device_name: LEGACY_BDM_PROPS.device_name,
    delete_on_termination: LEGACY_BDM_PROPS.delete_on_termination,
    no_device: LEGACY_BDM_PROPS.no_device,
    connection_info: LEGACY_BDM_PROPS.connection_info,
  },
  { additionalProperties: false },
);

const ServerUuids = { type: ['string', 'array'], format: 'uuid', items: { type: 'string', format: 'uuid' } };

/**
 * The hints the scheduler's filters read, shaped as Nova's schema has them (`group` is
 * Grizzly's group name, not a server group uuid); other keys pass through to custom
 * filters. Their depth is bounded by the body parser.
 */
const SchedulerHints = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  properties: {
    group: { type: ['string', 'array'], minLength: 1, maxLength: 255, format: 'name', items: Name },
    same_host: ServerUuids,
    different_host: ServerUuids,
    query: { type: ['string', 'object'] },
    target_cell: Name,
    different_cell: { type: ['string', 'array'], items: { type: 'string' } },
    build_near_host_ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    cidr: { type: 'string', pattern: '^/[0-9a-f.:]+$' },
  },
  additionalProperties: true,
});

const CreateBody = Type.Object(
  {
    server: Type.Object(
      {
        name: Name,
        // An image uuid; '' only when booting from a volume (Nova's image_id_or_empty_string).
        imageRef: Type.Optional(Type.Unsafe<string>({ type: 'string', anyOf: [{ format: 'uuid' }, { maxLength: 0 }] })),
        flavorRef: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer({ minimum: 1 })]),
        adminPass: Type.Optional(Type.String()),
        metadata: Type.Optional(metadata()),
        networks: Type.Optional(
          Type.Array(
            Type.Object(
              {
                fixed_ip: Type.Optional(Type.String()),
                port: Type.Optional(Type.Union([Type.String(), Type.Null()])),
                uuid: Type.Optional(Type.String()),
              },
              { additionalProperties: false },
            ),
          ),
        ),
        personality: Type.Optional(
          Type.Array(
            Type.Object({ path: Type.String(), contents: Type.String() }, { additionalProperties: false, required: ['path', 'contents'] }),
          ),
        ),
        accessIPv4: Type.Optional(Type.String({ format: 'ipv4' })),
        accessIPv6: Type.Optional(Type.String({ format: 'ipv6' })),
        user_data: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
        security_groups: Type.Optional(Type.Array(Type.Object({ name: Name }, { additionalProperties: false }))),
        key_name: Type.Optional(Name),
        availability_zone: Type.Optional(Name),
        block_device_mapping: Type.Optional(Type.Array(LegacyBdm)),
        block_device_mapping_v2: Type.Optional(Type.Array(BdmV2)),
        min_count: Type.Optional(PositiveInteger),
        max_count: Type.Optional(PositiveInteger),
        return_reservation_id: Type.Optional(Bool),
        config_drive: Type.Optional(Bool),
        'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
      },
      { additionalProperties: false },
    ),
    'os:scheduler_hints': Type.Optional(SchedulerHints),
    'OS-SCH-HNT:scheduler_hints': Type.Optional(SchedulerHints),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    server: Type.Object(
      {
        name: Type.Optional(Name),
        accessIPv4: Type.Optional(Type.Union([Type.String({ format: 'ipv4' }), Type.String({ maxLength: 0 }), Type.Null()])),
        accessIPv6: Type.Optional(Type.Union([Type.String({ format: 'ipv6' }), Type.String({ maxLength: 0 }), Type.Null()])),
        'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

type CreateServer = Static<typeof CreateBody>['server'];
type BoolValue = boolean | string;

// ---- helpers ----------------------------------------------------------------

const TRUE_STRINGS = new Set(['true', '1', 'on', 'yes', 't', 'y']);
const FALSE_STRINGS = new Set(['false', '0', 'off', 'no', 'f', 'n']);

/** IPv6 addresses are kept in their shortest form, as Nova stores them (`::babe:dc0c:1602`). */
export function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function parseBool(value: BoolValue | undefined, fallback = false): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  return TRUE_STRINGS.has(value.toLowerCase());
}

function lastSegment(ref: string): string {
  const trimmed = ref.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

function isBase64(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(compact) && compact.length % 4 === 0;
}

function invalidField(field: string, value: unknown, reason: string): ValidationError {
  return new ValidationError(`Invalid input for field/attribute ${field}. Value: ${String(value)}. ${reason}`);
}

function parseNetworks(networks: CreateServer['networks']): RequestedNetwork[] | null {
  if (!networks) return null;
  const out: RequestedNetwork[] = [];
  const seen = new Set<string>();
  for (const n of networks) {
    if (n.port !== undefined && n.port !== null) throw new BadRequest('Unknown argument: port');
    const uuid = n.uuid;
    if (uuid === undefined) throw new BadRequest('Bad network format: missing uuid');
    const bare = uuid.startsWith('br-') ? uuid.slice(3) : uuid;
    if (!isUuidLike(bare)) throw new BadRequest(`Bad networks format: network uuid is not in proper format (${uuid})`);
    let fixedIp: string | null = null;
    if (n.fixed_ip !== undefined) {
      if (isIP(n.fixed_ip) === 0) throw new BadRequest(`Invalid fixed IP address (${n.fixed_ip})`);
      fixedIp = n.fixed_ip;
    }
    if (seen.has(bare)) throw new BadRequest(`Network ${bare} is duplicated.`);
    seen.add(bare);
    out.push([bare, fixedIp]);
  }
  return out;
}

export function parsePersonality(files: CreateServer['personality']): [string, string][] {
  return (files ?? []).map(({ path, contents }) => {
    if (!isBase64(contents)) throw new BadRequest(`Personality content for ${path} cannot be decoded`);
    return [path, Buffer.from(contents, 'base64').toString('latin1')];
  });
}

/**
 * The JsonFilter reads `query` as JSON text: an object is written out as that text, and
 * text nested deeper than any request body may be is refused here, before it is cast.
 */
function parseSchedulerHints(hints: Record<string, unknown>): Record<string, unknown> {
  const query = hints.query;
  if (query === undefined || query === null) return hints;
  const text = typeof query === 'string' ? query : JSON.stringify(query);
  if (jsonTextTooDeep(text)) {
    throw new ValidationError(`Invalid input for field/attribute query. The query is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return { ...hints, query: text };
}

function toInt(v: number | string | null | undefined): number | null {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'number' ? v : Number.parseInt(v, 10);
}

/** nova-ts has no volume service, so nothing can be attached or booted from one. */
function noVolumeService(): BadRequest {
  return new BadRequest('Block Device Mapping is Invalid: volumes and snapshots need the volume service, which is not available.');
}

function legacyFromV1(list: NonNullable<CreateServer['block_device_mapping']>): LegacyBlockDevice[] {
  return list.map((b) => {
    if (!b.device_name) throw invalidField('device_name', b.device_name, "'device_name' is a required property");
    if (b.volume_id || b.snapshot_id) throw noVolumeService();
    return {
      device_name: b.device_name,
      volume_id: b.volume_id ?? null,
      snapshot_id: b.snapshot_id ?? null,
      volume_size: toInt(b.volume_size),
      delete_on_termination: parseBool(b.delete_on_termination as BoolValue | undefined),
      virtual_name: b.virtual_name ?? null,
      no_device: b.no_device === undefined ? null : Boolean(b.no_device),
    };
  });
}

/**
 * block_device_mapping_v2 in Grizzly's legacy terms: blank local disks become ephemeralN
 * or swap; the image booted locally is the default root disk and needs no mapping. Volume
 * and snapshot sources are refused, as there is no volume service.
 */
function legacyFromV2(list: NonNullable<CreateServer['block_device_mapping_v2']>): { bdms: LegacyBlockDevice[]; bootImage: string | null } {
  const out: LegacyBlockDevice[] = [];
  let bootImage: string | null = null;
  let ephemeral = 0;
  const used = new Set(
    list
      .map((b) => b.device_name)
      .filter((d): d is string => !!d)
      .map((d) => d.replace(/^\/dev\//, '')),
  );
  const nextDevice = (): string => {
    for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
      const name = `vd${String.fromCharCode(c)}`;
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
    throw new BadRequest('Block Device Mapping is Invalid: too many devices.');
  };
  for (const b of list) {
    const source = b.source_type ?? 'volume';
    const dest = b.destination_type ?? (source === 'blank' || source === 'image' ? 'local' : 'volume');
    const bootIndex = toInt(b.boot_index as number | string | null | undefined);
    const size = toInt(b.volume_size);
    if (source === 'image' && dest === 'local') {
      if (bootIndex !== 0) throw new BadRequest('Block Device Mapping is Invalid: a local image mapping must be the boot device.');
      bootImage = b.uuid ?? null;
      continue;
    }
    if (source !== 'blank' || dest === 'volume') throw noVolumeService();
    const deviceName = b.device_name ?? (bootIndex === 0 ? 'vda' : nextDevice());
    if (b.guest_format === 'swap')
      out.push({ device_name: deviceName, virtual_name: 'swap', volume_size: size, delete_on_termination: true });
    else out.push({ device_name: deviceName, virtual_name: `ephemeral${ephemeral++}`, volume_size: size, delete_on_termination: true });
  }
  return { bdms: out, bootImage };
}

/** Errors of lookups that, on create, mean the request named something that does not exist: 400. */
export function asBadRequest(err: unknown): unknown {
  if (err instanceof ImageNotFound) return new BadRequest('Can not find requested image');
  if (err instanceof FlavorNotFound) return new BadRequest('Invalid flavorRef provided.');
  if (err instanceof KeypairNotFound) return new BadRequest('Invalid key_name provided.');
  if (err instanceof SecurityGroupNotFound || err instanceof NetworkNotFound) return new BadRequest(err.message);
  return err;
}

// ---- list -------------------------------------------------------------------

/** Search options a non-admin may use; the rest are dropped silently (nova/api/openstack/compute/servers.py, _get_servers). */
const USER_SEARCH_OPTIONS = new Set(['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants']);
const PAGING_OPTIONS = new Set(['limit', 'marker', 'sort_key', 'sort_dir']);
const ADMIN_EXTRA_OPTIONS = new Set(['tenant_id', 'project_id', 'deleted', 'ip6', 'fixed_ip']);
/** Columns nobody sorts or filters servers by. */
const PRIVATE_COLUMNS = new Set(['user_data', 'key_data', 'internal_id']);

function parseChangesSince(value: string): Date {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new InvalidInput(`Invalid filter field: changes-since.`);
  return d;
}

function buildSearchOptions(ctx: RequestContext, query: Query): SearchOptions | null {
  const opts: SearchOptions = {};
  for (const key of Object.keys(query)) {
    if (PAGING_OPTIONS.has(key)) continue;
    const allowed =
      USER_SEARCH_OPTIONS.has(key) ||
      (ctx.isAdmin && (ADMIN_EXTRA_OPTIONS.has(key) || (INSTANCE_COLUMNS.has(key) && !PRIVATE_COLUMNS.has(key))));
    if (!allowed) continue;
    const values = queryList(query, key);
    opts[key] =
      values.length > 1 && (key === 'vm_state' || key === 'task_state' || key === 'uuid') ? values : (values[values.length - 1] ?? '');
  }
  const statuses = queryList(query, 'status');
  delete opts.status;
  if (statuses.length) {
    const filter = stateFilterFromStatus(statuses);
    if (filter.vmStates.length === 0) return null;
    if (filter.vmStates.length === 1 && filter.vmStates[0] === 'deleted') {
      if (!ctx.isAdmin) throw new Forbidden('Only administrators may list deleted instances');
      opts.deleted = true;
    }
    opts.vm_state = filter.vmStates;
    if (filter.taskStates) opts.task_state = filter.taskStates;
  }
  if (typeof opts['changes-since'] === 'string') opts['changes-since'] = parseChangesSince(opts['changes-since']);
  if (!('deleted' in opts) && !('changes-since' in opts)) opts.deleted = false;
  if ('all_tenants' in opts) {
    const v = String(opts.all_tenants).trim().toLowerCase();
    if (v !== '' && !TRUE_STRINGS.has(v)) {
      if (FALSE_STRINGS.has(v)) delete opts.all_tenants;
      else throw new InvalidInput(`Invalid value '${String(opts.all_tenants)}' for all_tenants`);
    }
  }
  if ('project_id' in opts && !('tenant_id' in opts)) {
    opts.tenant_id = opts.project_id;
  }
  delete opts.project_id;
  if (!('all_tenants' in opts)) {
    delete opts.tenant_id;
    if (ctx.projectId) opts.tenant_id = ctx.projectId;
    else opts.user_id = ctx.userId;
  }
  return opts;
}

function parseSort(query: Query): { sortKeys: string[]; sortDirs: ('asc' | 'desc')[] } {
  const keys = queryList(query, 'sort_key');
  const dirs = queryList(query, 'sort_dir');
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw new InvalidInput(`Invalid sort_dir: ${d}`);
  for (const k of keys) if (!INSTANCE_COLUMNS.has(k) || PRIVATE_COLUMNS.has(k)) throw new InvalidInput(`Invalid sort_key: ${k}`);
  return { sortKeys: keys, sortDirs: dirs as ('asc' | 'desc')[] };
}

// ---- the resource -----------------------------------------------------------

/** How a server is shown to this caller (what policy lets them see, where the links point). */
export async function serverViewOptions(deps: Pick<ServersResourceDeps, 'conf' | 'zones'>, req: ComputeRequest): Promise<ViewOptions> {
  const opts = deps.conf.get(computeApiOpts);
  const hostZone = await deps.zones.hostZones(req.ctx);
  const hide = req.allowed('compute_extension:hide_server_addresses');
  return {
    urls: req.urls,
    isAdmin: req.ctx.isAdmin,
    showServerAttributes: req.allowed('compute_extension:extended_server_attributes'),
    hideAddressStates: hide ? (opts.osapi_hide_server_address_states ?? ['building']) : [],
    instanceNameTemplate: opts.instance_name_template ?? 'instance-%08x',
    hostZone,
  };
}

export function serversResource(deps: ServersResourceDeps): ResourceModule {
  const maxLimit = (): number => deps.conf.get(apiOpts).osapi_max_limit ?? 1000;
  const opts = () => deps.conf.get(computeApiOpts);

  const viewOptions = (req: ComputeRequest): Promise<ViewOptions> => serverViewOptions(deps, req);

  async function detailViews(req: ComputeRequest, instances: InstanceRecord[]): Promise<Record<string, unknown>[]> {
    const uuids = instances.map((i) => i.uuid as string);
    const [view, faults, bdms] = await Promise.all([
      viewOptions(req),
      deps.compute.getInstanceFaults(req.ctx, uuids),
      deps.compute.getBlockDeviceMappings(req.ctx, uuids),
    ]);
    return instances.map((i) => serverDetailView(i, view, { faults, bdms }));
  }

  async function list(req: ComputeRequest, detail: boolean): Promise<unknown> {
    const search = buildSearchOptions(req.ctx, req.query);
    const { limit, marker } = getLimitAndMarker(req.query, maxLimit());
    let instances: InstanceRecord[] = [];
    if (search) {
      try {
        instances = await deps.compute.getAll(req.ctx, search, { ...parseSort(req.query), limit, marker });
      } catch (err) {
        if (err instanceof MarkerNotFound) throw new BadRequest(`marker [${marker}] not found`);
        if (err instanceof FlavorNotFound) instances = [];
        else throw err;
      }
    }
    const servers = detail ? await detailViews(req, instances) : instances.map((i) => serverBriefView(i, req.urls));
    const links = collectionLinks(req, servers, detail ? 'servers/detail' : 'servers', maxLimit(), 'id');
    return links.length ? { servers, servers_links: links } : { servers };
  }

  async function create(req: ComputeRequest<Static<typeof CreateBody>>): Promise<unknown> {
    const body = req.body;
    const s = body.server;
    const flavorRef = lastSegment(String(s.flavorRef));
    let flavor: Awaited<ReturnType<FlavorLookup['getByFlavorId']>>;
    try {
      flavor = await deps.flavors.getByFlavorId(req.ctx, flavorRef);
    } catch (err) {
      throw asBadRequest(err);
    }
    if (s.user_data !== undefined && s.user_data !== null && !isBase64(s.user_data)) {
      throw invalidField('user_data', s.user_data, 'Userdata content cannot be decoded');
    }
    const minCount = toInt(s.min_count as number | string | undefined) ?? 1;
    const maxCount = toInt(s.max_count as number | string | undefined) ?? minCount;
    if (minCount > maxCount) throw new BadRequest('min_count must be <= max_count');

    let bdms: LegacyBlockDevice[] = [];
    let imageRef = s.imageRef ? lastSegment(s.imageRef) : null;
    if (s.block_device_mapping_v2 && s.block_device_mapping) {
      throw new BadRequest('Using different block_device_mapping syntaxes is not allowed in the same request.');
    }
    if (s.block_device_mapping) bdms = legacyFromV1(s.block_device_mapping);
    if (s.block_device_mapping_v2) {
      const v2 = legacyFromV2(s.block_device_mapping_v2);
      bdms = v2.bdms;
      if (v2.bootImage && !imageRef) imageRef = v2.bootImage;
    }
    if (!imageRef) throw new BadRequest('Missing imageRef attribute');

    const request: CreateInstanceRequest = {
      flavor,
      imageRef,
      displayName: s.name,
      minCount,
      maxCount,
      keyName: s.key_name ?? null,
      metadata: s.metadata ?? {},
      injectedFiles: parsePersonality(s.personality),
      adminPassword: s.adminPass ?? null,
      userData: s.user_data ?? null,
      securityGroups: (s.security_groups ?? []).map((g) => g.name),
      availabilityZone: s.availability_zone ?? null,
      requestedNetworks: parseNetworks(s.networks),
      blockDeviceMapping: bdms,
      configDrive: parseBool(s.config_drive as BoolValue | undefined),
      autoDiskConfig: s['OS-DCF:diskConfig'] === undefined ? null : s['OS-DCF:diskConfig'] === 'AUTO',
      accessIpV4: s.accessIPv4 ?? null,
      accessIpV6: s.accessIPv6 ? canonicalIpv6(s.accessIPv6) : null,
      schedulerHints: parseSchedulerHints(body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}),
    };
    let result: Awaited<ReturnType<ComputeAPI['create']>>;
    try {
      result = await deps.compute.create(req.ctx, request);
    } catch (err) {
      throw asBadRequest(err);
    }
    if (parseBool(s.return_reservation_id as BoolValue | undefined)) {
      return new ComputeResponse({ reservation_id: result.reservationId }, { status: 202 });
    }
    const first = result.instances[0] as InstanceRecord;
    const server: Record<string, unknown> = {
      id: first.uuid,
      links: serverBriefView(first, req.urls).links,
      'OS-DCF:diskConfig': first.auto_disk_config ? 'AUTO' : 'MANUAL',
      security_groups: first.security_groups.map((g) => ({ name: g.name })),
    };
    if (opts().enable_instance_password) server.adminPass = result.adminPassword;
    return new ComputeResponse({ server }, { status: 202, headers: { Location: serverHref(req.urls, first.uuid as string) } });
  }

  return defineResource('servers', (r) => {
    r.route({ method: 'GET', path: '/servers', handler: (req) => list(req, false) });
    r.route({ method: 'GET', path: '/servers/detail', handler: (req) => list(req, true) });
    r.route({
      method: 'POST',
      path: '/servers',
      body: CreateBody as TSchema,
      successStatus: 202,
      handler: (req) => create(req as ComputeRequest<Static<typeof CreateBody>>),
    });
    r.route({
      method: 'GET',
      path: '/servers/:server_id',
      handler: async (req) => {
        const instance = await deps.compute.get(req.ctx, req.params.server_id as string);
        return { server: (await detailViews(req, [instance]))[0] };
      },
    });
    r.route({
      method: 'PUT',
      path: '/servers/:server_id',
      body: UpdateBody,
      handler: async (req) => {
        const instance = await deps.compute.get(req.ctx, req.params.server_id as string);
        const s = req.body.server;
        const changes: Parameters<ComputeAPI['update']>[2] = {};
        if (s.name !== undefined) changes.display_name = s.name;
        if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4 || null;
        if (s.accessIPv6 !== undefined) changes.access_ip_v6 = s.accessIPv6 ? canonicalIpv6(s.accessIPv6) : null;
        if (s['OS-DCF:diskConfig'] !== undefined) changes.auto_disk_config = s['OS-DCF:diskConfig'] === 'AUTO';
        const updated = await deps.compute.update(req.ctx, instance, changes);
        return { server: serverUpdateView(updated, await viewOptions(req)) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/servers/:server_id',
      successStatus: 204,
      handler: async (req) => {
        const instance = await deps.compute.get(req.ctx, req.params.server_id as string);
        await deps.compute.delete(req.ctx, instance);
        return undefined;
      },
    });
  });
}
