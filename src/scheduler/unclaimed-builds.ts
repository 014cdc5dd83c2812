/**
 * The scheduler side owns a build from the API's cast until a compute host claims it. A
 * build whose request was lost on the way (the process holding it died) would otherwise
 * stay BUILD with no host for ever; this finds such builds and ends them in ERROR with a
 * fault (docs/recovery.md):
 *
 * - at start-up, when the bus is in-process: every unclaimed build last written before this
 *   process's bus existed — no queue can still hold its request;
 * - on every periodic pass: every unclaimed build nothing has written for service_down_time
 *   seconds — scheduling and the compute host's claim take far less, so whoever held it is
 *   gone (a process down that long counts as down everywhere else in Nova too).
 */
import { NovaError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { unclaimedBuildFail, unclaimedBuildUuids } from '../db/api/unclaimed-builds.js';

const log = getLogger('nova.scheduler.unclaimed_builds');

/** The fault of a build whose request was lost before any compute host claimed it. */
export class BuildRequestLost extends NovaError {
  constructor() {
    super('The build request was lost before a compute host claimed it (a service stopped or crashed); no server was built.');
  }
}

/** Fails every build unclaimed and untouched since `cutoff`; returns how many it failed. */
export async function failUnclaimedBuilds(db: Db, ctx: RequestContext, cutoff: Date, host: string): Promise<number> {
  let failed = 0;
  for (const uuid of await unclaimedBuildUuids(db, ctx, cutoff)) {
    const err = new BuildRequestLost();
    try {
      const done = await unclaimedBuildFail(db, ctx, uuid, cutoff, {
        instance_uuid: uuid,
        code: err.code,
        message: err.message,
        details: err.message,
        host,
      });
      if (done) {
        failed++;
        log.warn({ instance_uuid: uuid }, 'build accepted but never claimed by a compute host; set to ERROR');
      }
    } catch (failErr) {
      log.error({ instance_uuid: uuid, err: failErr }, 'could not fail an unclaimed build');
    }
  }
  return failed;
}

export interface UnclaimedBuildSettings {
  /** service_down_time, seconds. */
  serviceDownTime: number;
  /** When the in-process bus began (Transport.heldOnlySince); absent for a broker that outlives processes. */
  busHeldOnlySince?: Date | null;
  /** The time the database's timestamps are compared with; wall time by default, as the database writes it. */
  now?: () => Date;
}

/** The start-up pass: only an in-process bus proves that an earlier request is gone. */
export function failBuildsLostWithTheBus(db: Db, ctx: RequestContext, settings: UnclaimedBuildSettings, host: string): Promise<number> {
  if (!settings.busHeldOnlySince) return Promise.resolve(0);
  return failUnclaimedBuilds(db, ctx, settings.busHeldOnlySince, host);
}

/** The periodic pass: builds untouched for service_down_time. */
export function failStaleUnclaimedBuilds(db: Db, ctx: RequestContext, settings: UnclaimedBuildSettings, host: string): Promise<number> {
  const now = (settings.now ?? (() => new Date()))();
  return failUnclaimedBuilds(db, ctx, new Date(now.getTime() - settings.serviceDownTime * 1000), host);
}
