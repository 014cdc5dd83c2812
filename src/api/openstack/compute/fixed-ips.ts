/**
 * `os-fixed-ips` (contrib/fixed_ips.py), admin: one fixed IP
 * with its network and instance, and reserving or unreserving it. Served up to 2.35.
 */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';
import { parseIp } from '../../../common/ipaddr.js';
import type { NetworkAPI } from '../../../network/api.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';

const RULE = 'compute_extension:fixed_ips';

function address(req: ComputeRequest): string {
  const text = req.params.address as string;
  if (parseIp(text)?.version !== 4) throw new InvalidInput(`Fixed IP address ${text} is invalid.`);
  return text;
}

// Nova reads only the key: its value may be anything (Tempest sends the string "None").
const actionBody = (action: string) => Type.Object({ [action]: Type.Unknown() }, { additionalProperties: false, required: [action] });

export function fixedIpsResource(network: Pick<NetworkAPI, 'getFixedIpDetails' | 'setFixedIpReserved'>): ResourceModule {
  return defineResource('os-fixed-ips', (r) => {
    r.route({
      method: 'GET',
      path: '/os-fixed-ips/:address',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const found = await network.getFixedIpDetails(req.ctx, address(req));
        const view: Record<string, unknown> = { address: found.address, cidr: found.cidr, hostname: found.hostname, host: found.host };
        if (req.apiVersion.matches('2.4')) view.reserved = found.reserved;
        return { fixed_ip: view };
      },
    });

    for (const [action, reserved] of [
      ['reserve', true],
      ['unreserve', false],
    ] as const) {
      r.action({
        path: '/os-fixed-ips/:address/action',
        action,
        maxVersion: PROXY_MAX_VERSION,
        body: actionBody(action),
        handler: async (req) => {
          req.authorize(RULE);
          await network.setFixedIpReserved(req.ctx, address(req), reserved);
          return undefined;
        },
      });
    }
  });
}
