/** A server's virtual interfaces (`os-virtual-interfaces`), as nova-network recorded them. */
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import type { InstanceRecord } from '../db/api/instances.js';
import { virtualInterfaceGetByInstance } from '../db/api/virtual-interfaces.js';

export interface VirtualInterfaceView {
  uuid: string | null;
  address: string | null;
}

export class VirtualInterfaceAPI {
  constructor(private readonly db: Db) {}

  /** The instance's interfaces in creation order (the caller has already been allowed to see the instance). */
  async forInstance(ctx: RequestContext, instance: InstanceRecord): Promise<VirtualInterfaceView[]> {
    const rows = await virtualInterfaceGetByInstance(this.db, ctx, instance.uuid as string);
    return rows.map((r) => ({ uuid: r.uuid, address: r.address }));
  }
}
