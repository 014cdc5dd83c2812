import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { listen, reachableUrl } from '../../../src/common/http-listen.js';

describe('reachableUrl', () => {
  it('turns the IPv4 wildcard into loopback', () => {
    assert.equal(reachableUrl('0.0.0.0', 8774), 'http://127.0.0.1:8774');
  });
  it('turns the IPv6 wildcard into the IPv6 loopback, bracketed', () => {
    assert.equal(reachableUrl('::', 5000), 'http://[::1]:5000');
  });
  it('keeps a concrete address, bracketing an IPv6 literal', () => {
    assert.equal(reachableUrl('10.0.0.5', 9292), 'http://10.0.0.5:9292');
    assert.equal(reachableUrl('fe80::1', 80), 'http://[fe80::1]:80');
  });
});

describe('listen', () => {
  it('reports the port the kernel chose for port 0, and the URL answers until closed', async () => {
    const app = Fastify();
    app.get('/', async () => ({ ok: true }));
    const running = await listen(app, '127.0.0.1', 0);
    const port = Number(new URL(running.url).port);
    assert.ok(port > 0);
    const res = await fetch(running.url);
    assert.deepEqual(await res.json(), { ok: true });
    await running.close();
    await assert.rejects(fetch(running.url));
  });
});
