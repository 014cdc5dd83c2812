import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { defineEc2Actions } from '../../../../src/api/ec2/actions/registry.js';
import type { Ec2Authenticator } from '../../../../src/api/ec2/auth.js';
import { buildEc2App } from '../../../../src/api/ec2/server.js';
import type { Ec2Services } from '../../../../src/api/ec2/services.js';
import { RequestContext } from '../../../../src/context/context.js';
import { closeWithRequestsOpen, handlerGate } from '../../../support/closing-probe.js';

describe('the EC2 API while it closes', () => {
  it('finishes the action inside, answers a late request ServiceUnavailable XML with Retry-After, and refuses new connections', async () => {
    const gate = handlerGate();
    let authenticated = 0;
    const app = buildEc2App({
      services: {} as Ec2Services,
      // Signatures are the authenticator's own tests; this one only counts who got that far.
      auth: {
        authenticate: async () => {
          authenticated++;
          return new RequestContext({ userId: 'u1', projectId: 'p1' });
        },
      } as unknown as Ec2Authenticator,
      actions: [
        defineEc2Actions('slow', {
          DescribeSlowly: async () => {
            await gate.enter();
            return { done: 'true' };
          },
        }),
      ],
      path: '/services/Cloud',
    });
    await app.listen({ host: '127.0.0.1', port: 0 });

    const outcome = await closeWithRequestsOpen({
      port: (app.server.address() as AddressInfo).port,
      slowRequest: 'GET /services/Cloud?Action=DescribeSlowly HTTP/1.1\r\nHost: x\r\n\r\n',
      inside: gate.inside,
      release: gate.release,
      lateRequestHead: 'GET /services/Cloud?Action=DescribeSlowly HTTP/1.1\r\nHost: x\r\n',
      close: () => app.close(),
    });

    assert.match(outcome.slowResponse, /^HTTP\/1\.1 200/);
    assert.match(outcome.slowResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.slowResponse, /<DescribeSlowlyResponse [^>]*>.*<done>true<\/done>/s);
    assert.match(outcome.lateResponse, /^HTTP\/1\.1 503/);
    assert.match(outcome.lateResponse, /\r\nretry-after: 5\r\n/i);
    assert.match(outcome.lateResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.lateResponse, /\r\ncontent-type: text\/xml/i);
    assert.match(
      outcome.lateResponse,
      /<Response><Errors><Error><Code>ServiceUnavailable<\/Code><Message>The service is shutting down[^<]*<\/Message><\/Error><\/Errors><RequestID>req-[^<]+<\/RequestID><\/Response>$/,
    );
    assert.equal(authenticated, 1, 'the late request is refused before it is authenticated');
    assert.equal(outcome.newConnection, 'ECONNREFUSED');
  });
});
