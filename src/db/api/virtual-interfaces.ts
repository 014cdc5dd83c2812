/**
 * The `virtual_interfaces` table: one row per (instance, network) with a MAC unique
 * across the whole table. Rows are deleted for good when an instance lets its network go,
 * so getters read deleted rows too, as Nova's do (nova/db/sqlalchemy/api.py virtual_interface_*).
 */
import { randomUUID } from 'node:crypto';
import { VirtualInterfaceCreateException } from '../../common/network-errors.js';
import type { RequestContext } from '../../context/context.js';
import { DBDuplicateEntry, isUniqueViolation } from '../errors.js';
import type { VirtualInterface } from '../types.js';
import { type Db, insertReturningId, now } from './common.js';

export interface VirtualInterfaceValues {
  address: string;
  instance_uuid: string;
  network_id: number | null;
  /** Generated when absent. */
  uuid?: string;
}

function baseQuery(db: Db) {
  return db.kysely.selectFrom('virtual_interfaces').selectAll('virtual_interfaces');
}

/**
 * Records an interface. A MAC already taken is DBDuplicateEntry (the caller picks another);
 * any other failure is VirtualInterfaceCreateException.
 */
export async function virtualInterfaceCreate(
  db: Db,
  _ctx: RequestContext | null,
  values: VirtualInterfaceValues,
): Promise<VirtualInterface> {
  let id: number;
  try {
    id = await insertReturningId(db, 'virtual_interfaces', {
      address: values.address,
      instance_uuid: values.instance_uuid,
      network_id: values.network_id,
      uuid: values.uuid ?? randomUUID(),
      deleted: 0,
      created_at: now(),
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DBDuplicateEntry(['address'], { cause: err });
    throw new VirtualInterfaceCreateException(undefined, { cause: err });
  }
  return (await baseQuery(db).where('id', '=', id).executeTakeFirstOrThrow()) as VirtualInterface;
}

export async function virtualInterfaceGet(db: Db, _ctx: RequestContext | null, id: number): Promise<VirtualInterface | null> {
  return (await baseQuery(db).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function virtualInterfaceGetByAddress(db: Db, _ctx: RequestContext | null, address: string): Promise<VirtualInterface | null> {
  return (await baseQuery(db).where('address', '=', address).executeTakeFirst()) ?? null;
}

export async function virtualInterfaceGetByUuid(db: Db, _ctx: RequestContext | null, uuid: string): Promise<VirtualInterface | null> {
  return (await baseQuery(db).where('uuid', '=', uuid).executeTakeFirst()) ?? null;
}

/** An instance's interfaces in creation order. */
export async function virtualInterfaceGetByInstance(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
): Promise<VirtualInterface[]> {
  return baseQuery(db).where('instance_uuid', '=', instanceUuid).orderBy('id').execute();
}

export async function virtualInterfaceGetByInstanceAndNetwork(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
  networkId: number,
): Promise<VirtualInterface | null> {
  return (
    (await baseQuery(db).where('instance_uuid', '=', instanceUuid).where('network_id', '=', networkId).orderBy('id').executeTakeFirst()) ??
    null
  );
}

/** Deletes (for good) every interface of an instance. */
export async function virtualInterfaceDeleteByInstance(db: Db, _ctx: RequestContext | null, instanceUuid: string): Promise<number> {
  const result = await db.kysely.deleteFrom('virtual_interfaces').where('instance_uuid', '=', instanceUuid).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function virtualInterfaceGetAll(db: Db, _ctx: RequestContext | null): Promise<VirtualInterface[]> {
  return baseQuery(db).orderBy('id').execute();
}

/** Deletes (for good) one interface, as Grizzly deletes a removed multinic interface. */
export async function virtualInterfaceDelete(db: Db, _ctx: RequestContext | null, id: number): Promise<void> {
  await db.kysely.deleteFrom('virtual_interfaces').where('id', '=', id).execute();
}
