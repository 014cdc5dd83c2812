/**
 * os-certificates over HTTP with a real nova-cert behind it. Nova's create takes no body:
 * any well-formed JSON (or none) gets a certificate; only malformed JSON is refused.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type FullApi, startFullApi } from './full-api-harness.js';

let full: FullApi;

before(async () => {
  full = await startFullApi();
});

after(async () => {
  await full?.close();
});

async function post(text: string | null): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'X-Auth-Token': 'u1:p1' };
  if (text !== null) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${full.api.url}/v2.1/os-certificates`, { method: 'POST', headers, ...(text === null ? {} : { body: text }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /os-certificates', () => {
  for (const text of [null, '{}', 'null', '"x"', '[]', '{"certificate":{"data":1}}', '1e999']) {
    test(`ignores the body ${text ?? '(none)'} and answers a certificate signed by the root CA`, async () => {
      const res = await post(text);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const { certificate } = res.json as { certificate: { data: string; private_key: string } };
      assert.match(certificate.private_key, /BEGIN RSA PRIVATE KEY/);
      const root = await full.api.call('GET', '/v2.1/os-certificates/root', 'u1:p1');
      assert.ok(new X509Certificate(certificate.data).verify(new X509Certificate(root.json.certificate.data).publicKey));
    });
  }

  test('answers 400 to malformed JSON and issues nothing', async () => {
    const before = await full.databaseChanges();
    const res = await post('{"a":');
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.json), ['badRequest']);
    assert.equal(await full.databaseChanges(), before);
  });
});
