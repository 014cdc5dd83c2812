import { InstanceNotFound } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { ComputeClient } from '../compute/contract.js';
import type { ConductorClient } from '../conductor/contract.js';
import type { RequestContext } from '../context/context.js';
import type { InstanceRecord } from '../db/api/instances.js';
import type { ArgsOf } from '../rpc/contract.js';
import { Manager } from '../service/manager.js';
import type { ConsoleAuthContract, ConsoleAuthEndpoint, ConsoleToken } from './contract.js';

const log = getLogger('nova.consoleauth.manager');

type Args<N extends keyof ConsoleAuthEndpoint & string> = ArgsOf<ConsoleAuthContract, N>;

export interface ConsoleAuthDeps {
  /** `console_token_ttl`: seconds a token stays valid. */
  tokenTtl: number;
  /** Reads the instance a token names. */
  conductor: Pick<ConductorClient, 'call'>;
  /** Asks the instance's compute host whether the token's port is still its console's. */
  compute: Pick<ComputeClient, 'call'>;
  /** Seconds since the epoch. */
  now?: () => number;
}

interface Stored {
  token: ConsoleToken;
  expiresAt: number;
}

/**
 * nova-consoleauth: console tokens kept in memory for `console_token_ttl` seconds, as
 * Grizzly's manager keeps them in its memory cache. A token is good while it has not
 * expired, names an instance, and that instance's host confirms the console port.
 */
export class ConsoleAuthManager extends Manager implements ConsoleAuthEndpoint {
  readonly #deps: ConsoleAuthDeps;
  readonly #now: () => number;
  readonly #tokens = new Map<string, Stored>();
  readonly #byInstance = new Map<string, Set<string>>();

  constructor(host: string, deps: ConsoleAuthDeps) {
    super(host);
    this.#deps = deps;
    this.#now = deps.now ?? (() => Date.now() / 1000);
  }

  async authorize_console(ctx: RequestContext, args: Args<'authorize_console'>): Promise<void> {
    this.#dropExpired();
    const now = this.#now();
    const token: ConsoleToken = { ...args, last_activity_at: now };
    this.#tokens.set(args.token, { token, expiresAt: now + this.#deps.tokenTtl });
    if (args.instance_uuid !== null) {
      const tokens = this.#byInstance.get(args.instance_uuid) ?? new Set();
      tokens.add(args.token);
      this.#byInstance.set(args.instance_uuid, tokens);
    }
    log.for(ctx).info({ console_type: args.console_type, instance_uuid: args.instance_uuid }, 'Received Token');
  }

  async check_token(ctx: RequestContext, args: Args<'check_token'>): Promise<ConsoleToken | null> {
    const stored = this.#live(args.token);
    const valid = stored !== null && (await this.#validate(ctx, stored.token));
    log.for(ctx).info({ valid }, 'Checking Token');
    return valid ? (stored as Stored).token : null;
  }

  async delete_tokens_for_instance(_ctx: RequestContext, args: Args<'delete_tokens_for_instance'>): Promise<void> {
    for (const token of this.#byInstance.get(args.instance_uuid) ?? []) this.#tokens.delete(token);
    this.#byInstance.delete(args.instance_uuid);
  }

  #live(token: string): Stored | null {
    const stored = this.#tokens.get(token);
    if (!stored) return null;
    if (stored.expiresAt > this.#now()) return stored;
    this.#forget(token, stored);
    return null;
  }

  #forget(token: string, stored: Stored): void {
    this.#tokens.delete(token);
    const uuid = stored.token.instance_uuid;
    if (uuid === null) return;
    const tokens = this.#byInstance.get(uuid);
    tokens?.delete(token);
    if (tokens?.size === 0) this.#byInstance.delete(uuid);
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [token, stored] of this.#tokens) if (stored.expiresAt <= now) this.#forget(token, stored);
  }

  /** A token that names no instance is never good; otherwise its instance's host decides. */
  async #validate(ctx: RequestContext, token: ConsoleToken): Promise<boolean> {
    if (token.instance_uuid === null) return false;
    let instance: InstanceRecord;
    try {
      instance = await this.#deps.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: token.instance_uuid });
    } catch (err) {
      if (err instanceof InstanceNotFound) return false;
      throw err;
    }
    if (!instance.host) return false;
    return this.#deps.compute.call(
      ctx,
      'validate_console_port',
      { instance, port: token.port, console_type: token.console_type },
      { server: instance.host },
    );
  }
}
