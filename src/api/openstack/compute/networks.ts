/**
 * `os-networks` and `os-networks-associate` (nova/api/openstack/compute/contrib/os_networks.py): nova-network's
 * networks. Anyone may list and show them (`compute_extension:networks:view`), seeing the
 * addressing fields only; admins see every column and may create, delete and
 * (dis)associate them.
 */
import { type TSchema, Type } from 'typebox';
import { NotFound, NotImplementedYet } from '../../../common/errors.js';
import { InvalidNetworkRequest } from '../../../common/network-errors.js';
import type { NetworkAPI, NetworkRecord } from '../../../network/api.js';
import { naiveIsoTime } from '../common.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';

/** The calls os-networks makes; NetworkAPI provides them over the bus. */
export type NetworksBackend = Pick<NetworkAPI, 'getAll' | 'get' | 'create' | 'delete' | 'associate' | 'addNetworkToProject'>;

const USER_FIELDS = ['cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6'] as const;
const ADMIN_FIELDS = [
  'created_at',
  'updated_at',
  'deleted_at',
  'deleted',
  'injected',
  'bridge',
  'vlan',
  'vpn_public_address',
  'vpn_public_port',
  'vpn_private_address',
  'dhcp_start',
  'project_id',
  'host',
  'bridge_interface',
  'multi_host',
  'priority',
  'rxtx_base',
] as const;
const TIME_FIELDS = new Set(['created_at', 'updated_at', 'deleted_at']);

/** The prefix length of a v6 network, when its netmask_v6 column could not hold it. */
function netmaskV6(network: NetworkRecord): string | null {
  if (network.netmask_v6) return network.netmask_v6;
  return network.cidr_v6?.split('/')[1] ?? null;
}

export function networkView(network: NetworkRecord, isAdmin: boolean): Record<string, unknown> {
  const row = network as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { id: network.uuid };
  for (const field of USER_FIELDS) out[field] = row[field] ?? null;
  out.netmask_v6 = netmaskV6(network);
  if (isAdmin) {
    for (const field of ADMIN_FIELDS) {
      const value = row[field] ?? null;
      out[field] = TIME_FIELDS.has(field) ? naiveIsoTime(value as Date | string | null) : value;
    }
  }
  return out;
}

const CreateBody = Type.Object(
  {
    network: Type.Object(
      {
        label: Type.String({ minLength: 1, maxLength: 255 }),
        cidr: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        cidr_v6: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);

/** A host as the services table names it (Nova's fqdn parameter type). */
const AssociateHostBody = Type.Object(
  { associate_host: Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' }) },
  { additionalProperties: false },
);

const AddBody = Type.Object({ id: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, { additionalProperties: false });

const CREATE_KEYS = [
  'label',
  'cidr',
  'cidr_v6',
  'multi_host',
  'gateway',
  'gateway_v6',
  'bridge',
  'bridge_interface',
  'dns1',
  'dns2',
  'fixed_cidr',
  'vlan_start',
  'vpn_start',
  'project_id',
  'priority',
] as const;

function blockSize(cidr: string): number {
  const prefix = Number.parseInt(cidr.split('/')[1] ?? '', 10);
  if (!Number.isInteger(prefix)) throw new InvalidNetworkRequest(`${cidr} is not a valid IP network.`);
  return 2 ** ((cidr.includes(':') ? 128 : 32) - prefix);
}

async function findOr404<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotFound) throw new NotFound('Network not found');
    throw err;
  }
}

export function networksResource(network: NetworksBackend): ResourceModule {
  const isAdmin = (req: ComputeRequest): boolean => req.ctx.isAdmin;

  return defineResource('os-networks', (r) => {
    r.route({
      method: 'GET',
      path: '/os-networks',
      handler: async (req) => {
        req.authorize('compute_extension:networks:view');
        const networks = await network.getAll(req.ctx);
        return { networks: networks.map((n) => networkView(n, isAdmin(req))) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-networks/:id',
      handler: async (req) => {
        req.authorize('compute_extension:networks:view');
        const found = await findOr404(() => network.get(req.ctx, req.params.id as string));
        return { network: networkView(found, isAdmin(req)) };
      },
    });

    r.route({
      method: 'POST',
      path: '/os-networks',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:networks');
        const params = req.body.network as Record<string, unknown>;
        const cidr = (params.cidr || params.cidr_v6) as string | null | undefined;
        if (!cidr) throw new InvalidNetworkRequest('Network cidr or cidr_v6 is required');
        const args: Record<string, unknown> = {};
        for (const key of CREATE_KEYS) if (params[key] !== undefined && params[key] !== null && params[key] !== '') args[key] = params[key];
        // One network covering the whole range, as Nova's os-networks creates.
        args.num_networks = 1;
        args.network_size = blockSize(cidr);
        const [created] = await network.create(req.ctx, args);
        if (!created) throw new InvalidNetworkRequest('No network was created');
        return { network: networkView(created, true) };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-networks/:id',
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:networks');
        await findOr404(() => network.delete(req.ctx, req.params.id as string));
        return undefined;
      },
    });

    r.route({
      method: 'POST',
      path: '/os-networks/add',
      body: AddBody,
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:networks');
        const projectId = req.ctx.projectId;
        const networkId = req.body?.id ?? null;
        try {
          await network.addNetworkToProject(req.ctx, projectId ?? '', networkId);
        } catch (err) {
          if (err instanceof NotImplementedYet) throw err;
          throw new InvalidNetworkRequest(`Cannot associate network ${networkId} with project ${projectId}: ${(err as Error).message}`);
        }
        return undefined;
      },
    });

    const associateAction = (
      action: string,
      rule: string,
      associations: (body: Record<string, unknown>) => { host?: string | null; project?: string | null },
      body?: TSchema,
    ) =>
      r.action({
        path: '/os-networks/:id/action',
        action,
        ...(body ? { body } : {}),
        handler: async (req) => {
          req.authorize(rule);
          const body = (req.body ?? {}) as Record<string, unknown>;
          await findOr404(() => network.associate(req.ctx, req.params.id as string, associations(body)));
          return undefined;
        },
      });

    associateAction('disassociate', 'compute_extension:networks', () => ({ host: null, project: null }));
    associateAction('disassociate_host', 'compute_extension:networks_associate', () => ({ host: null }));
    associateAction('disassociate_project', 'compute_extension:networks_associate', () => ({ project: null }));
    associateAction(
      'associate_host',
      'compute_extension:networks_associate',
      (body) => ({ host: body.associate_host as string }),
      AssociateHostBody,
    );
  });
}
