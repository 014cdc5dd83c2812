import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { buildMetadataApp } from '../../../../src/api/metadata/app.js';
import { Config } from '../../../../src/config/config.js';
import { closeWithRequestsOpen, handlerGate } from '../../../support/closing-probe.js';
import { source } from '../../metadata/fixtures.js';

describe('the metadata service while it closes', () => {
  it('finishes the request inside, answers a late request a plain 503 with Retry-After, and refuses new connections', async () => {
    const gate = handlerGate();
    let looked = 0;
    const { app } = buildMetadataApp({
      conf: Config.load({}),
      lookup: {
        instanceUuidForAddress: async () => {
          looked++;
          await gate.enter();
          return source().uuid;
        },
        source: async (uuid) => source({ uuid }),
        setPasswordFromGuest: async () => {},
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });

    const outcome = await closeWithRequestsOpen({
      port: (app.server.address() as AddressInfo).port,
      slowRequest: 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n',
      inside: gate.inside,
      release: gate.release,
      lateRequestHead: 'GET /latest/meta-data/hostname HTTP/1.1\r\nHost: x\r\n',
      close: () => app.close(),
    });

    assert.match(outcome.slowResponse, /^HTTP\/1\.1 200/);
    assert.match(outcome.slowResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.slowResponse, /\r\n\r\ni-[0-9a-f]{8}$/);
    assert.match(outcome.lateResponse, /^HTTP\/1\.1 503/);
    assert.match(outcome.lateResponse, /\r\nretry-after: 5\r\n/i);
    assert.match(outcome.lateResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.lateResponse, /\r\n\r\n503 Service Unavailable\n\nThe service is shutting down[^\n]*\n$/);
    assert.equal(looked, 1, 'the late request is refused before the instance is looked up');
    assert.equal(outcome.newConnection, 'ECONNREFUSED');
  });
});
