import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MalformedRequestBody } from '../../../src/api/errors.js';
import { actionName, mountPaths, RouteTable } from '../../../src/api/openstack/routing.js';

const noop = async () => undefined;

describe('RouteTable', () => {
  test('mounts a path under /v2/{project_id}, /v2.1 and /v2.1/{project_id}', () => {
    assert.deepEqual(mountPaths('/servers/:server_id'), [
      '/v2/:project_id/servers/:server_id',
      '/v2.1/servers/:server_id',
      '/v2.1/:project_id/servers/:server_id',
    ]);
  });

  test('accepts one path declared for disjoint microversion ranges', () => {
    const table = new RouteTable();
    table.route({ method: 'POST', path: '/os-keypairs', maxVersion: '2.1', handler: noop });
    table.route({ method: 'POST', path: '/os-keypairs', minVersion: '2.2', handler: noop });
  });

  test('refuses overlapping declarations of a route or an action', () => {
    const table = new RouteTable();
    table.route({ method: 'GET', path: '/flavors', handler: noop });
    assert.throws(() => table.route({ method: 'GET', path: '/flavors', minVersion: '2.5', handler: noop }), /overlapping/);
    table.action({ path: '/servers/:server_id/action', action: 'os-start', handler: noop });
    assert.throws(() => table.action({ path: '/servers/:server_id/action', action: 'os-start', handler: noop }), /overlapping/);
  });

  test('reserves :project_id for the URL project', () => {
    const table = new RouteTable();
    assert.throws(() => table.route({ method: 'GET', path: '/os-quota-sets/:project_id', handler: noop }), /reserved/);
  });

  test('knows which methods a concrete path accepts', () => {
    const table = new RouteTable();
    table.noteRoute('GET', '/v2.1/servers/:server_id');
    table.noteRoute('DELETE', '/v2.1/servers/:server_id');
    assert.deepEqual(table.methodsAt('/v2.1/servers/abc').sort(), ['DELETE', 'GET']);
    assert.deepEqual(table.methodsAt('/v2.1/servers/abc/extra'), []);
  });
});

describe('actionName', () => {
  test('returns the single key of an action body', () => {
    assert.equal(actionName({ reboot: { type: 'SOFT' } }), 'reboot');
  });

  test('calls anything but a one-key object a malformed body', () => {
    for (const body of [null, [], 'reboot', {}, { a: 1, b: 2 }]) {
      assert.throws(() => actionName(body), MalformedRequestBody);
    }
  });
});
