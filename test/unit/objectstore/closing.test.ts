import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RequestContext } from '../../../src/context/context.js';
import type { S3Authenticator } from '../../../src/objectstore/auth.js';
import { buildObjectStoreApp } from '../../../src/objectstore/server.js';
import { ObjectStore } from '../../../src/objectstore/store.js';
import { closeWithRequestsOpen, handlerGate } from '../../support/closing-probe.js';

describe('the object store while it closes', () => {
  const root = mkdtempSync(join(tmpdir(), 'objectstore-closing-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finishes the request inside, answers a late request S3 ServiceUnavailable XML with Retry-After, and refuses new connections', async () => {
    const gate = handlerGate();
    let authenticated = 0;
    const app = buildObjectStoreApp(new ObjectStore(root), {
      // Signatures are the authenticator's own tests; here it holds the first request inside.
      authenticate: async () => {
        authenticated++;
        if (authenticated === 1) await gate.enter();
        return { ctx: new RequestContext({ userId: 'u1', projectId: 'p1' }), payloadSha256: null };
      },
    } as unknown as S3Authenticator);
    await app.listen({ host: '127.0.0.1', port: 0 });

    const outcome = await closeWithRequestsOpen({
      port: (app.server.address() as AddressInfo).port,
      slowRequest: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      inside: gate.inside,
      release: gate.release,
      lateRequestHead: 'GET /photos/cat.jpg?versionId=1 HTTP/1.1\r\nHost: x\r\n',
      close: () => app.close(),
    });

    assert.match(outcome.slowResponse, /^HTTP\/1\.1 200/);
    assert.match(outcome.slowResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.slowResponse, /<ListAllMyBucketsResult[^>]*>/);
    assert.match(outcome.lateResponse, /^HTTP\/1\.1 503/);
    assert.match(outcome.lateResponse, /\r\nretry-after: 5\r\n/i);
    assert.match(outcome.lateResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.lateResponse, /\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
    assert.match(
      outcome.lateResponse,
      /<Error><Code>ServiceUnavailable<\/Code><Message>The service is shutting down[^<]*<\/Message><Resource>\/photos\/cat\.jpg<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/,
    );
    assert.equal(authenticated, 1, 'the late request is refused before it is authenticated');
    assert.equal(outcome.newConnection, 'ECONNREFUSED');
  });
});
