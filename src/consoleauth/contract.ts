/**
 * nova-consoleauth's RPC contract (topic `consoleauth`, Grizzly's consoleauth API 1.2): the
 * API authorizes a console token, the console proxy checks it, and deleting an instance
 * drops its tokens.
 */
import { nothing, plain } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';

/** What authorize_console records, and check_token returns, for one token. */
export interface ConsoleToken {
  token: string;
  instance_uuid: string | null;
  console_type: string;
  host: string;
  port: number;
  internal_access_path: string | null;
  /** Seconds since the epoch when the token was authorized. */
  last_activity_at: number;
}

export type AuthorizeConsoleRequest = Omit<ConsoleToken, 'last_activity_at'>;

export const consoleAuthContract = defineContract({
  topic: 'consoleauth',
  baseVersion: '1.0',
  version: '1.2',
  errors: errorTable(),
  methods: {
    authorize_console: call('1.2', plain<AuthorizeConsoleRequest>(), nothing),
    /** The token's record while it is valid and still names the instance's console, else null. */
    check_token: call('1.0', plain<{ token: string }>(), plain<ConsoleToken | null>()),
    delete_tokens_for_instance: cast('1.2', plain<{ instance_uuid: string }>()),
  },
});

export type ConsoleAuthContract = typeof consoleAuthContract;
export type ConsoleAuthClient = ContractClient<ConsoleAuthContract>;
export type ConsoleAuthEndpoint = Endpoint<ConsoleAuthContract>;
