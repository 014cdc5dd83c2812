import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsupportedRpcEnvelopeVersion } from '../../../src/rpc/errors.js';
import { type CallOutcome, decodeRequest, encode, newId, ReplyCollector, replyBodies, wrapEnvelope } from '../../../src/rpc/wire.js';

test('newId gives 32 lowercase hex digits', () => {
  assert.match(newId(), /^[0-9a-f]{32}$/);
});

test('decodeRequest takes a plain dict as a 1.0 message', () => {
  assert.deepEqual(decodeRequest(encode({ method: 'ping', args: { a: 1 } })), { method: 'ping', args: { a: 1 } });
});

test('decodeRequest unwraps a 2.0 envelope', () => {
  const inner = { method: 'ping', args: {}, version: '1.22' };
  assert.deepEqual(decodeRequest(encode(wrapEnvelope(inner))), inner);
});

test('decodeRequest rejects an envelope of another major or a newer minor', () => {
  for (const version of ['3.0', '2.1', 'x']) {
    assert.throws(() => decodeRequest(encode({ 'oslo.version': version, 'oslo.message': '{}' })), UnsupportedRpcEnvelopeVersion);
  }
});

test('replyBodies sends a value then the end marker, and a failure alone', () => {
  const ok = replyBodies({ kind: 'result', value: 5 }, 'm1');
  assert.equal(ok.length, 2);
  assert.deepEqual({ ...ok[0], _unique_id: 'x' }, { result: 5, failure: null, _msg_id: 'm1', _unique_id: 'x' });
  assert.deepEqual({ ...ok[1], _unique_id: 'x' }, { result: null, failure: null, ending: true, _msg_id: 'm1', _unique_id: 'x' });
  const bad = replyBodies({ kind: 'failure', failure: '{}' }, 'm1');
  assert.equal(bad.length, 1);
  assert.equal(bad[0]?.failure, '{}');
});

test('ReplyCollector resolves with the last value once the end marker arrives', () => {
  const outcomes: CallOutcome[] = [];
  const c = new ReplyCollector((o) => outcomes.push(o));
  assert.equal(c.accept({ result: 1, failure: null, _unique_id: 'a' }), false);
  assert.equal(c.accept({ result: 2, failure: null, _unique_id: 'b' }), false);
  assert.equal(outcomes.length, 0);
  assert.equal(c.accept({ result: null, failure: null, ending: true, _unique_id: 'c' }), true);
  assert.deepEqual(outcomes, [{ kind: 'result', value: 2 }]);
});

test('ReplyCollector completes on the first failure', () => {
  const outcomes: CallOutcome[] = [];
  const c = new ReplyCollector((o) => outcomes.push(o));
  assert.equal(c.accept({ result: null, failure: '{"class":"X"}', _unique_id: 'a' }), true);
  assert.deepEqual(outcomes, [{ kind: 'failure', failure: '{"class":"X"}' }]);
});
