import { MessagingTimeout } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { ConductorClient } from '../conductor/contract.js';
import type { Config } from '../config/config.js';
import { adminContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { openConfiguredDatabase } from '../db/manage.js';
import { createTransport } from '../rpc/factory.js';
import type { RuntimeDeps } from './service-table.js';

const log = getLogger('nova.cmd');

export interface Runtime extends RuntimeDeps {
  close(): Promise<void>;
}

/** Opens what a process's services share: the bus, and the database when the process may use it. */
export async function openRuntime(conf: Config, options: { database: boolean }): Promise<Runtime> {
  const db: Db | null = options.database ? await openConfiguredDatabase(conf) : null;
  let transport: Awaited<ReturnType<typeof createTransport>>;
  try {
    transport = await createTransport(conf);
  } catch (err) {
    await db?.close();
    throw err;
  }
  return {
    conf,
    db,
    transport,
    async close() {
      await transport.close();
      await db?.close();
    },
  };
}

/**
 * Blocks until a conductor answers, as Grizzly's conductor API wait_until_ready does:
 * short timeouts for the first attempts, warning on each, then the normal one.
 */
export async function waitForConductor(conductor: ConductorClient, responseTimeout: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await conductor.call(adminContext(), 'ping', { arg: '1.21 GigaWatts' }, { timeout: attempt <= 10 ? 10 : responseTimeout });
      return;
    } catch (err) {
      if (!(err instanceof MessagingTimeout)) throw err;
      log.warn({ attempt }, 'Timed out waiting for nova-conductor. Is it running? Or did this service start before nova-conductor?');
    }
  }
}
