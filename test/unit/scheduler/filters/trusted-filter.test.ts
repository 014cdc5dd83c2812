import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttestationCache, type AttestationState } from '../../../../src/scheduler/filters/trusted-attestation.js';
import { TrustedFilter } from '../../../../src/scheduler/filters/trusted-filter.js';
import { flavor, hostState, props, requestSpec } from '../fixtures.js';

function setup(states: AttestationState[]) {
  let now = new Date('2026-03-01T12:00:00Z');
  const polls: string[][] = [];
  const cache = new AttestationCache(
    60,
    {
      pollHosts: async (hosts) => {
        polls.push([...hosts]);
        return states.map((s) => ({ ...s, vtime: now.toISOString() }));
      },
    },
    () => now,
  );
  return { filter: new TrustedFilter(cache), polls, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) };
}

const trusted = props({}, requestSpec({}, flavor({ extra_specs: { 'trust:trusted_host': 'trusted' } })));

describe('TrustedFilter', () => {
  it('passes every host when the flavor asks for no trust level, without asking the server', async () => {
    const { filter, polls } = setup([]);
    const hosts = [hostState({ host: 'a' })];
    await filter.prepare(hosts, props());
    assert.equal(filter.hostPasses(hosts[0] as never, props()), true);
    assert.equal(polls.length, 0);
  });
  it("keeps hosts whose attested level equals the flavor's, in one poll for all hosts", async () => {
    const { filter, polls } = setup([
      { host_name: 'a', trust_lvl: 'trusted', vtime: '' },
      { host_name: 'b', trust_lvl: 'untrusted', vtime: '' },
    ]);
    const [a, b, c] = [hostState({ host: 'a' }), hostState({ host: 'b' }), hostState({ host: 'c' })];
    await filter.prepare([a, b, c], trusted);
    assert.deepEqual(polls, [['a', 'b', 'c']]);
    assert.equal(filter.hostPasses(a, trusted), true);
    assert.equal(filter.hostPasses(b, trusted), false);
    assert.equal(filter.hostPasses(c, trusted), false, 'an unknown host is not trusted');
  });
  it('re-polls only after attestation_auth_timeout', async () => {
    const { filter, polls, advance } = setup([{ host_name: 'a', trust_lvl: 'trusted', vtime: '' }]);
    const a = hostState({ host: 'a' });
    await filter.prepare([a], trusted);
    advance(30);
    await filter.prepare([a], trusted);
    assert.equal(polls.length, 1);
    advance(31);
    await filter.prepare([a], trusted);
    assert.equal(polls.length, 2);
  });
});
