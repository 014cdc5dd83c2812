import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MalformedRequestBody } from '../../../src/api/errors.js';
import { renderFault } from '../../../src/api/fault.js';
import {
  Conflict,
  InstanceNotFound,
  KeypairLimitExceeded,
  NovaError,
  PolicyNotAuthorized,
  ServiceUnavailable,
  Unauthorized,
} from '../../../src/common/errors.js';

describe('renderFault', () => {
  test('keeps the status and message of a NovaError under the status fault name', () => {
    assert.deepEqual(renderFault(new InstanceNotFound('Instance x could not be found.')).body, {
      itemNotFound: { code: 404, message: 'Instance x could not be found.' },
    });
    assert.equal(renderFault(new Conflict('busy')).status, 409);
    assert.deepEqual(renderFault(new PolicyNotAuthorized('a:b')).body, {
      forbidden: { code: 403, message: "Policy doesn't allow a:b to be performed." },
    });
    assert.deepEqual(renderFault(new ServiceUnavailable('down')).body, { serviceUnavailable: { code: 503, message: 'down' } });
  });

  test('answers quota errors with 403 forbidden', () => {
    const f = renderFault(new KeypairLimitExceeded('Maximum number of key pairs exceeded'));
    assert.equal(f.status, 403);
    assert.deepEqual(f.body, { forbidden: { code: 403, message: 'Maximum number of key pairs exceeded' } });
  });

  test('renders 401 in the auth middleware shape with WWW-Authenticate when an identity uri is known', () => {
    const f = renderFault(new Unauthorized(), { identityUri: 'http://keystone.test/v3' });
    assert.equal(f.status, 401);
    assert.deepEqual(f.body, {
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
    assert.equal(f.headers['WWW-Authenticate'], 'Keystone uri="http://keystone.test/v3"');
    assert.equal(renderFault(new Unauthorized()).headers['WWW-Authenticate'], undefined);
  });

  test('hides unexpected errors, including plain 500 NovaErrors, and flags them for logging', () => {
    for (const err of [new RangeError('secret detail'), new NovaError('db password wrong'), 'a string']) {
      const f = renderFault(err);
      assert.equal(f.status, 500);
      assert.equal(f.unexpected, true);
      const message = (f.body.computeFault as { message: string }).message;
      assert.match(message, /^Unexpected API Error\. Please report this at http:\/\/bugs\.launchpad\.net\/nova\//);
      assert.doesNotMatch(message, /secret|password/);
    }
    assert.match((renderFault(new RangeError('x')).body.computeFault as { message: string }).message, /\n<class 'RangeError'>$/);
  });

  test('maps fastify parser errors to Nova faults', () => {
    const tooLarge = Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    assert.deepEqual(renderFault(tooLarge).body, { overLimit: { code: 413, message: 'Request is too large.' } });
    const media = Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    assert.equal(renderFault(media).status, 415);
    assert.deepEqual(renderFault(new MalformedRequestBody()).body, { badRequest: { code: 400, message: 'Malformed request body' } });
  });
});
