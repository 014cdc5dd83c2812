import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CachingTokenValidator, type TokenValidator } from '../../../src/api/auth/keystone.js';
import type { TokenInfo } from '../../../src/identity/token-info.js';

function info(expiresAt: number): TokenInfo {
  return {
    userId: 'u',
    userName: 'u',
    userDomainId: 'default',
    projectId: 'p',
    projectName: 'p',
    projectDomainId: 'default',
    roles: ['member'],
    catalog: [],
    expiresAt: new Date(expiresAt),
  };
}

class CountingValidator implements TokenValidator {
  calls = 0;
  constructor(public answer: TokenInfo | null) {}
  async validate(): Promise<TokenInfo | null> {
    this.calls += 1;
    return this.answer;
  }
}

describe('CachingTokenValidator', () => {
  test('answers from the cache within token_cache_time and asks again after it', async () => {
    let now = 1_000_000;
    const inner = new CountingValidator(info(now + 3_600_000));
    const cache = new CachingTokenValidator(inner, 300, () => now);
    await cache.validate('t');
    await cache.validate('t');
    assert.equal(inner.calls, 1);
    now += 301_000;
    await cache.validate('t');
    assert.equal(inner.calls, 2);
  });

  test('never keeps an answer past the token expiry', async () => {
    let now = 1_000_000;
    const inner = new CountingValidator(info(now + 10_000));
    const cache = new CachingTokenValidator(inner, 300, () => now);
    await cache.validate('t');
    now += 11_000;
    inner.answer = null;
    assert.equal(await cache.validate('t'), null);
    assert.equal(inner.calls, 2);
  });

  test('does not cache refusals, nor anything when the cache time is 0', async () => {
    const inner = new CountingValidator(null);
    const cache = new CachingTokenValidator(inner, 300);
    await cache.validate('bad');
    await cache.validate('bad');
    assert.equal(inner.calls, 2);
    const valid = new CountingValidator(info(Date.now() + 3_600_000));
    const uncached = new CachingTokenValidator(valid, 0);
    await uncached.validate('t');
    await uncached.validate('t');
    assert.equal(valid.calls, 2);
  });
});
