/**
 * The password a guest posts to the metadata service and its owner reads back through
 * `os-server-password`. It lives in system metadata (`password_0..3`), as in Nova.
 */
import { Conflict } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import { inTransaction } from '../../db/api/common.js';
import { instanceSystemMetadataGet, instanceSystemMetadataUpdate } from '../../db/api/instance-metadata.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { extractPassword, passwordSystemMetadata } from '../../metadata/password.js';
import type { ComputeApiDeps } from './deps.js';
import { instanceMetadataChanged } from './metadata-events.js';

export class PasswordAlreadySet extends Conflict {
  constructor() {
    super('The password of this instance is already set.');
  }
}

/**
 * Stores the password a guest posted; PasswordAlreadySet when one is stored already (the
 * owner clears it through os-server-password before the guest may post another).
 */
export async function setPasswordFromGuest(db: ComputeApiDeps['db'], instanceUuid: string, password: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    if (extractPassword(await instanceSystemMetadataGet(tx, null, instanceUuid)) !== null) throw new PasswordAlreadySet();
    await instanceSystemMetadataUpdate(tx, null, instanceUuid, passwordSystemMetadata(password), false);
  });
  instanceMetadataChanged(instanceUuid);
}

/** Clears the stored password, so the guest may post a new one. */
export async function clearServerPassword(db: ComputeApiDeps['db'], ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  const uuid = instance.uuid as string;
  await instanceSystemMetadataUpdate(db, ctx, uuid, passwordSystemMetadata(null), false);
  instanceMetadataChanged(uuid);
}
