import { randomUUID } from 'node:crypto';
import { type Logger, type LogSource, loggerFor } from '../common/log.js';

export type ReadDeleted = 'no' | 'yes' | 'only';

export interface ContextFields {
  userId: string | null;
  projectId: string | null;
  roles: string[];
  isAdmin: boolean;
  readDeleted: ReadDeleted;
  requestId: string;
  globalRequestId?: string | null;
  userName?: string | null;
  projectName?: string | null;
  authToken?: string | null;
  remoteAddress?: string | null;
  quotaClass?: string | null;
  serviceCatalog?: unknown[];
  timestamp?: Date;
  /** The instance the request is about, once known: its log lines say so. Not sent over RPC. */
  instanceUuid?: string | null;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/**
 * Who is asking, on whose behalf. It travels with every call from the API down to the
 * driver, and across the bus flattened into `_context_<key>` fields (see toWire()). Its
 * logger writes the request id (and the instance uuid once known) on every line, so the
 * receiving side of an RPC logs under the same request id as the caller.
 */
export class RequestContext implements LogSource {
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
  readonly readDeleted: ReadDeleted;
  readonly requestId: string;
  readonly globalRequestId: string | null;
  readonly userName: string | null;
  readonly projectName: string | null;
  readonly authToken: string | null;
  readonly remoteAddress: string | null;
  readonly quotaClass: string | null;
  readonly serviceCatalog: unknown[];
  readonly timestamp: Date;
  readonly instanceUuid: string | null;
  #log: Logger | null = null;

  constructor(fields: Partial<ContextFields> & Pick<ContextFields, 'userId' | 'projectId'>) {
    this.userId = fields.userId;
    this.projectId = fields.projectId;
    this.roles = Object.freeze([...(fields.roles ?? [])]);
    this.isAdmin = fields.isAdmin ?? false;
    this.readDeleted = fields.readDeleted ?? 'no';
    this.requestId = fields.requestId ?? newRequestId();
    this.globalRequestId = fields.globalRequestId ?? null;
    this.userName = fields.userName ?? null;
    this.projectName = fields.projectName ?? null;
    this.authToken = fields.authToken ?? null;
    this.remoteAddress = fields.remoteAddress ?? null;
    this.quotaClass = fields.quotaClass ?? null;
    this.serviceCatalog = fields.serviceCatalog ?? [];
    this.timestamp = fields.timestamp ?? new Date();
    this.instanceUuid = fields.instanceUuid ?? null;
  }

  get logBindings(): Readonly<Record<string, string>> {
    return this.instanceUuid === null ? { request_id: this.requestId } : { request_id: this.requestId, instance_uuid: this.instanceUuid };
  }

  /** A child of the process logger bound to this request. */
  get log(): Logger {
    this.#log ??= loggerFor(this);
    return this.#log;
  }

  /** This context, with log lines naming the instance the request is about. */
  forInstance(instanceUuid: string): RequestContext {
    return instanceUuid === this.instanceUuid ? this : this.with({ instanceUuid });
  }

  private fields(): ContextFields {
    return {
      userId: this.userId,
      projectId: this.projectId,
      roles: [...this.roles],
      isAdmin: this.isAdmin,
      readDeleted: this.readDeleted,
      requestId: this.requestId,
      globalRequestId: this.globalRequestId,
      userName: this.userName,
      projectName: this.projectName,
      authToken: this.authToken,
      remoteAddress: this.remoteAddress,
      quotaClass: this.quotaClass,
      serviceCatalog: this.serviceCatalog,
      timestamp: this.timestamp,
      instanceUuid: this.instanceUuid,
    };
  }

  with(changes: Partial<ContextFields>): RequestContext {
    return new RequestContext({ ...this.fields(), ...changes });
  }

  /** An admin copy of this context: what services use to act on behalf of a user. */
  elevated(readDeleted?: ReadDeleted): RequestContext {
    const roles = this.roles.some((r) => r.toLowerCase() === 'admin') ? [...this.roles] : [...this.roles, 'admin'];
    return this.with({ isAdmin: true, roles, readDeleted: readDeleted ?? this.readDeleted });
  }

  /** The credentials policy rules are checked against (Nova's context.to_dict()). */
  toPolicyCredentials(): Record<string, unknown> {
    return {
      user_id: this.userId,
      project_id: this.projectId,
      is_admin: this.isAdmin,
      read_deleted: this.readDeleted,
      roles: [...this.roles],
      remote_address: this.remoteAddress,
      timestamp: this.timestamp.toISOString(),
      request_id: this.requestId,
      auth_token: this.authToken,
      quota_class: this.quotaClass,
      user_name: this.userName,
      service_catalog: this.serviceCatalog,
      project_name: this.projectName,
      tenant: this.projectId,
      user: this.userId,
    };
  }

  /** Flattened `_context_<key>` fields of an RPC message. */
  toWire(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.toPolicyCredentials())) out[`_context_${k}`] = v;
    out._context_global_request_id = this.globalRequestId;
    return out;
  }

  static fromWire(message: Record<string, unknown>): RequestContext {
    const get = (k: string): unknown => message[`_context_${k}`];
    const str = (k: string): string | null => {
      const v = get(k);
      return typeof v === 'string' ? v : null;
    };
    const rd = str('read_deleted');
    const ts = str('timestamp');
    return new RequestContext({
      userId: str('user_id'),
      projectId: str('project_id'),
      roles: Array.isArray(get('roles')) ? (get('roles') as unknown[]).map(String) : [],
      isAdmin: get('is_admin') === true,
      readDeleted: rd === 'yes' || rd === 'only' ? rd : 'no',
      requestId: str('request_id') ?? newRequestId(),
      globalRequestId: str('global_request_id'),
      userName: str('user_name'),
      projectName: str('project_name'),
      authToken: str('auth_token'),
      remoteAddress: str('remote_address'),
      quotaClass: str('quota_class'),
      serviceCatalog: Array.isArray(get('service_catalog')) ? (get('service_catalog') as unknown[]) : [],
      ...(ts ? { timestamp: new Date(ts) } : {}),
    });
  }
}

/** The context services use for their own work (periodic tasks, init_host). */
export function adminContext(readDeleted: ReadDeleted = 'no'): RequestContext {
  return new RequestContext({ userId: null, projectId: null, isAdmin: true, roles: ['admin'], readDeleted });
}
