import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { buildLinks, collectionLinks, getLimitAndMarker } from '../../../src/api/openstack/common.js';
import { ComputeResponse, defineResource } from '../../../src/api/openstack/routing.js';
import { InstanceNotFound, TooManyInstances } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/config/api-opts.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';

const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const IDENTITY = 'http://127.0.0.1:5999/identity';
const TOKEN = { 'X-Auth-Token': 'alice:proj-a' };

const WidgetBody = Type.Object(
  {
    widget: Type.Object(
      { name: Type.String({ minLength: 1, maxLength: 255 }), size: Type.Optional(Type.Integer({ minimum: 1 })) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const ITEMS = ['a1', 'a2', 'a3'].map((id) => ({ id }));

/** A resource module that exists only for these tests: one route per pipeline behaviour. */
const testResource = defineResource('pipeline-test', (r) => {
  r.route({
    method: 'GET',
    path: '/pipeline-test/missing/:id',
    handler: async (req) => {
      throw new InstanceNotFound(`Instance ${req.params.id} could not be found.`);
    },
  });
  r.route({
    method: 'POST',
    path: '/pipeline-test/widgets',
    body: WidgetBody,
    successStatus: 201,
    handler: async (req) => ({ widget: { ...req.body.widget, id: 'w1' } }),
  });
  r.route({
    method: 'POST',
    path: '/pipeline-test/quota',
    handler: async () => {
      throw new TooManyInstances('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    },
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/crash',
    handler: async () => {
      throw new TypeError('something internal');
    },
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/guarded',
    handler: async (req) => {
      req.authorize('compute_extension:pipeline_test');
      return { ok: true };
    },
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/whoami',
    handler: async (req) => ({
      user_id: req.ctx.userId,
      project_id: req.ctx.projectId,
      is_admin: req.ctx.isAdmin,
      roles: req.ctx.roles,
      request_id: req.ctx.requestId,
      global_request_id: req.ctx.globalRequestId,
      api_version: req.apiVersion.toString(),
      legacy_v2: req.legacyV2,
    }),
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/query',
    handler: async (req) => ({ query: req.query }),
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/items',
    handler: async (req) => {
      const { limit, marker } = getLimitAndMarker(req.query, 1000);
      const start = marker === null ? 0 : ITEMS.findIndex((i) => i.id === marker) + 1;
      const page = ITEMS.slice(start, start + limit);
      return {
        items: page.map((i) => ({ ...i, links: buildLinks(req, 'pipeline-test/items', i.id) })),
        items_links: collectionLinks(req, page, 'pipeline-test/items', 1000, 'id'),
      };
    },
  });
  r.route({
    method: 'DELETE',
    path: '/pipeline-test/items/:id',
    successStatus: 204,
    handler: async () => undefined,
  });
  r.route({
    method: 'POST',
    path: '/pipeline-test/located',
    handler: async () => new ComputeResponse(undefined, { status: 202, headers: { Location: 'http://example.test/x' } }),
  });
  r.action({
    path: '/pipeline-test/items/:id/action',
    action: 'poke',
    body: Type.Object({ poke: Type.Null() }, { additionalProperties: false }),
    handler: async () => undefined,
  });
  r.route({
    method: 'GET',
    path: '/pipeline-test/future',
    minVersion: '2.2',
    handler: async () => ({ future: true }),
  });
});

let api: RunningApi;
let base: string;
let stateDir: string;

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'nova-api-pipeline-'));
  const policyFile = join(stateDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ 'compute_extension:pipeline_test': 'role:tester' }));
  const conf = Config.load({
    overrides: {
      DEFAULT: {
        osapi_compute_listen: '127.0.0.1',
        osapi_compute_listen_port: 0,
        auth_strategy: 'noauth2',
        policy_file: policyFile,
      },
    },
  });
  api = await startComputeApi(conf, {
    auth: new NoAuth2Strategy(),
    policy: new PolicyEnforcer(conf),
    resources: [testResource],
    identityUri: IDENTITY,
  });
  base = api.url;
});

after(async () => {
  await api.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Uint8Array } = {}) {
  const res = await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text) };
}

function jsonCall(method: string, path: string, body: unknown, headers: Record<string, string> = TOKEN) {
  return call(method, path, { headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

function v20Doc() {
  return {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: '2011-01-21T11:33:21Z',
    links: [
      { rel: 'self', href: `${base}/v2/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
  };
}

function v21Doc() {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: '2.1',
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${base}/v2.1/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

describe('version discovery', () => {
  test('GET / lists v2.0 then v2.1 with exactly the documented keys', async () => {
    const res = await call('GET', '/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      versions: [
        {
          id: 'v2.0',
          status: 'SUPPORTED',
          version: '',
          min_version: '',
          updated: '2011-01-21T11:33:21Z',
          links: [{ rel: 'self', href: `${base}/v2/` }],
        },
        {
          id: 'v2.1',
          status: 'CURRENT',
          version: '2.1',
          min_version: '2.1',
          updated: '2013-07-23T11:33:21Z',
          links: [{ rel: 'self', href: `${base}/v2.1/` }],
        },
      ],
    });
    assert.equal(res.headers.get('openstack-api-version'), null);
  });

  test('each self link in GET / is fetchable without a token and names itself as self', async () => {
    const list = await call('GET', '/');
    for (const entry of list.json.versions) {
      const href = entry.links[0].href as string;
      const res = await fetch(href);
      assert.equal(res.status, 200, href);
      const doc = (await res.json()) as { version: { id: string; links: { rel: string; href: string }[] } };
      assert.equal(doc.version.id, entry.id);
      assert.equal(doc.version.links[0]?.rel, 'self');
      assert.equal(doc.version.links[0]?.href, href);
    }
  });

  test('serves the v2.0 document at /v2 and /v2/ without microversion headers', async () => {
    for (const path of ['/v2', '/v2/']) {
      const res = await call('GET', path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.json, { version: v20Doc() });
      assert.equal(res.headers.get('x-openstack-nova-api-version'), null);
    }
  });

  test('serves the v2.1 document at /v2.1 and /v2.1/ with microversion headers', async () => {
    for (const path of ['/v2.1', '/v2.1/']) {
      const res = await call('GET', path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.json, { version: v21Doc() });
      assert.equal(res.headers.get('x-openstack-nova-api-version'), '2.1');
    }
  });

  test('serves the version document under the project root, which needs a token', async () => {
    for (const [path, doc] of [
      ['/v2.1/proj-a', v21Doc()],
      ['/v2.1/proj-a/', v21Doc()],
      ['/v2/proj-a/', v20Doc()],
    ] as const) {
      assert.equal((await call('GET', path)).status, 401, path);
      const res = await call('GET', path, { headers: TOKEN });
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.json, { version: doc });
    }
  });

  test('serves /v2.1/versions/{id} for known ids and 404 itemNotFound for others', async () => {
    const v20 = await call('GET', '/v2.1/versions/v2.0', { headers: TOKEN });
    assert.deepEqual(v20.json, { version: v20Doc() });
    const v21 = await call('GET', '/v2.1/versions/v2.1', { headers: TOKEN });
    assert.deepEqual(v21.json, { version: v21Doc() });
    const missing = await call('GET', '/v2.1/versions/v9.0', { headers: TOKEN });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.itemNotFound.code, 404);
  });

  test('answers 300 with choices for any other path under the root', async () => {
    const res = await call('GET', '/v3/servers');
    assert.equal(res.status, 300);
    assert.deepEqual(res.json, {
      choices: [
        {
          id: 'v2.0',
          status: 'SUPPORTED',
          links: [{ rel: 'self', href: `${base}/v2/v3/servers` }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
        },
        {
          id: 'v2.1',
          status: 'CURRENT',
          links: [{ rel: 'self', href: `${base}/v2.1/v3/servers` }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      ],
    });
  });
});

describe('microversion negotiation', () => {
  const whoami = '/v2.1/pipeline-test/whoami';

  test('runs at 2.1 without a header and echoes all three headers', async () => {
    const res = await call('GET', whoami, { headers: TOKEN });
    assert.equal(res.json.api_version, '2.1');
    assert.equal(res.headers.get('openstack-api-version'), 'compute 2.1');
    assert.equal(res.headers.get('x-openstack-nova-api-version'), '2.1');
    assert.equal(res.headers.get('vary'), 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  });

  test('accepts the legacy header, the new header and latest', async () => {
    const variants: Record<string, string>[] = [
      { 'X-OpenStack-Nova-API-Version': '2.1' },
      { 'OpenStack-API-Version': 'compute 2.1' },
      { 'OpenStack-API-Version': 'compute latest' },
      { 'X-OpenStack-Nova-API-Version': 'latest' },
    ];
    for (const headers of variants) {
      const res = await call('GET', whoami, { headers: { ...TOKEN, ...headers } });
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal(res.json.api_version, '2.1');
      assert.equal(res.headers.get('x-openstack-nova-api-version'), '2.1');
    }
  });

  test('lets the new-style header win over the legacy one', async () => {
    const newWins = await call('GET', whoami, {
      headers: { ...TOKEN, 'OpenStack-API-Version': 'compute 2.1', 'X-OpenStack-Nova-API-Version': '2.7' },
    });
    assert.equal(newWins.status, 200);
    const newRejected = await call('GET', whoami, {
      headers: { ...TOKEN, 'OpenStack-API-Version': 'compute 2.7', 'X-OpenStack-Nova-API-Version': '2.1' },
    });
    assert.equal(newRejected.status, 406);
  });

  test('rejects a version above the maximum with 406 computeFault', async () => {
    const res = await call('GET', whoami, { headers: { ...TOKEN, 'X-OpenStack-Nova-API-Version': '2.5' } });
    assert.equal(res.status, 406);
    assert.deepEqual(res.json, {
      computeFault: { code: 406, message: 'Version 2.5 is not supported by the API. Minimum is 2.1 and maximum is 2.1.' },
    });
    assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
  });

  test('rejects a malformed version with 400 badRequest', async () => {
    for (const bad of ['2.01', 'abc', '2', '2.1.1']) {
      const res = await call('GET', whoami, { headers: { ...TOKEN, 'X-OpenStack-Nova-API-Version': bad } });
      assert.equal(res.status, 400, bad);
      assert.equal(res.json.badRequest.code, 400);
      assert.match(res.json.badRequest.message, /is of invalid format/);
    }
  });

  test('echoes version headers on error responses under /v2.1', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/missing/x', { headers: { ...TOKEN, 'X-OpenStack-Nova-API-Version': '2.1' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-openstack-nova-api-version'), '2.1');
    assert.equal(res.headers.get('openstack-api-version'), 'compute 2.1');
    assert.match(res.headers.get('vary') ?? '', /X-OpenStack-Nova-API-Version/);
  });

  test('ignores version headers on /v2 and emits none', async () => {
    const res = await call('GET', '/v2/proj-a/pipeline-test/whoami', { headers: { ...TOKEN, 'X-OpenStack-Nova-API-Version': '2.9' } });
    assert.equal(res.status, 200);
    assert.equal(res.json.api_version, '2.1');
    assert.equal(res.json.legacy_v2, true);
    assert.equal(res.headers.get('x-openstack-nova-api-version'), null);
    assert.equal(res.headers.get('openstack-api-version'), null);
    assert.equal(res.headers.get('vary'), null);
  });

  test('hides a route whose minimum microversion is above the request version', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/future', { headers: TOKEN });
    assert.equal(res.status, 404);
    assert.equal(res.json.itemNotFound.code, 404);
  });
});

describe('request ids', () => {
  test('sets the same fresh req-<uuid4> in both headers on success and on error', async () => {
    const ok = await call('GET', '/v2.1/pipeline-test/whoami', { headers: TOKEN });
    const err = await call('GET', '/v2.1/pipeline-test/missing/1', { headers: TOKEN });
    const unauth = await call('GET', '/v2.1/pipeline-test/whoami');
    const root = await call('GET', '/');
    const ids = [ok, err, unauth, root].map((r) => {
      const id = r.headers.get('x-openstack-request-id') ?? '';
      assert.match(id, REQ_ID);
      assert.equal(r.headers.get('x-compute-request-id'), id);
      return id;
    });
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ok.json.request_id, ids[0]);
  });

  test('records an inbound X-OpenStack-Request-ID as the global id without echoing it', async () => {
    const inbound = 'req-11111111-2222-4333-8444-555555555555';
    const res = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { ...TOKEN, 'X-OpenStack-Request-ID': inbound } });
    assert.equal(res.json.global_request_id, inbound);
    assert.notEqual(res.headers.get('x-openstack-request-id'), inbound);
    const malformed = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { ...TOKEN, 'X-OpenStack-Request-ID': 'not-an-id' } });
    assert.equal(malformed.json.global_request_id, null);
  });
});

describe('faults', () => {
  test('renders a NovaError with its status and message', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/missing/abc', { headers: TOKEN });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { itemNotFound: { code: 404, message: 'Instance abc could not be found.' } });
    assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
  });

  test('turns quota errors into 403 forbidden under /v2.1 and /v2', async () => {
    for (const path of ['/v2.1/pipeline-test/quota', '/v2/proj-a/pipeline-test/quota']) {
      const res = await call('POST', path, { headers: TOKEN });
      assert.equal(res.status, 403, path);
      assert.deepEqual(res.json, {
        forbidden: { code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' },
      });
    }
  });

  test('hides an unexpected exception behind 500 computeFault naming only its class', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/crash', { headers: TOKEN });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json, {
      computeFault: {
        code: 500,
        message:
          "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'TypeError'>",
      },
    });
    assert.doesNotMatch(res.text, /something internal/);
  });

  test('answers 401 with the auth middleware body and WWW-Authenticate', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/whoami');
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, {
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
    assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${IDENTITY}"`);
  });

  test('answers 404 itemNotFound for an unknown route, also with a token', async () => {
    const res = await call('GET', '/v2.1/os-nothing-here/123', { headers: TOKEN });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });

  test('answers 404, not 405, for a POST to an unknown collection that looks like a project root', async () => {
    const res = await call('POST', '/v2.1/os-not-served', { headers: { ...TOKEN, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(res.json.itemNotFound.code, 404);
  });

  test('answers 404 for a GET of a collection that does not exist, not a project id mismatch', async () => {
    for (const path of ['/v2.1/os-anything', '/v2.1/os-anything/']) {
      const res = await call('GET', path, { headers: TOKEN });
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    }
    const own = await call('GET', '/v2.1/proj-a', { headers: TOKEN });
    assert.equal(own.status, 200);
  });

  test('answers 404, not 405, for a blank member id after a trailing slash', async () => {
    const res = await call('DELETE', '/v2.1/pipeline-test/widgets/', { headers: TOKEN });
    assert.equal(res.status, 404);
    assert.equal(res.json.itemNotFound.code, 404);
  });

  test('answers 405 badMethod for a known path with the wrong method', async () => {
    const res = await call('PUT', '/v2.1/pipeline-test/widgets', { headers: TOKEN });
    assert.equal(res.status, 405);
    assert.equal(res.json.badMethod.code, 405);
    assert.equal(res.headers.get('allow'), 'POST');
  });

  test('answers 400 Malformed request body for invalid JSON', async () => {
    const res = await call('POST', '/v2.1/pipeline-test/widgets', {
      headers: { ...TOKEN, 'Content-Type': 'application/json' },
      body: '{"widget": ',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { badRequest: { code: 400, message: 'Malformed request body' } });
  });

  test('answers 415 badMediaType for a body that is not JSON', async () => {
    const res = await call('POST', '/v2.1/pipeline-test/widgets', {
      headers: { ...TOKEN, 'Content-Type': 'text/plain' },
      body: 'widget',
    });
    assert.equal(res.status, 415);
    assert.equal(res.json.badMediaType.code, 415);
  });

  test('parses a body sent without a Content-Type as JSON', async () => {
    // Bytes, because fetch labels a string body text/plain.
    const body = new TextEncoder().encode('{"widget": {"name": "w"}}');
    const res = await call('POST', '/v2.1/pipeline-test/widgets', { headers: TOKEN, body });
    assert.equal(res.status, 201);
    assert.equal(res.json.widget.name, 'w');
  });

  test('answers 413 overLimit for a body above osapi_max_request_body_size', async () => {
    const res = await jsonCall('POST', '/v2.1/pipeline-test/widgets', { widget: { name: 'x'.repeat(114688) } });
    assert.equal(res.status, 413);
    assert.deepEqual(res.json, { overLimit: { code: 413, message: 'Request is too large.' } });
  });

  test('denies by policy with 403 and allows the role the rule names', async () => {
    const denied = await call('GET', '/v2.1/pipeline-test/guarded', { headers: TOKEN });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json, {
      forbidden: { code: 403, message: "Policy doesn't allow compute_extension:pipeline_test to be performed." },
    });
    const allowed = await call('GET', '/v2.1/pipeline-test/guarded', { headers: { ...TOKEN, 'X-Roles': 'member,tester' } });
    assert.equal(allowed.status, 200);
    assert.deepEqual(allowed.json, { ok: true });
  });
});

describe('project id in the URL', () => {
  test('accepts /v2.1 with and without the project and /v2 with it', async () => {
    for (const path of ['/v2.1/pipeline-test/whoami', '/v2.1/proj-a/pipeline-test/whoami', '/v2/proj-a/pipeline-test/whoami']) {
      const res = await call('GET', path, { headers: TOKEN });
      assert.equal(res.status, 200, path);
      assert.equal(res.json.project_id, 'proj-a');
    }
  });

  test('rejects a project other than the token project with 400, admins included', async () => {
    for (const token of ['alice:proj-a', 'admin:proj-a']) {
      const res = await call('GET', '/v2.1/proj-b/pipeline-test/whoami', { headers: { 'X-Auth-Token': token } });
      assert.equal(res.status, 400, token);
      assert.deepEqual(res.json, {
        badRequest: { code: 400, message: "Malformed request URL: URL's project_id 'proj-b' doesn't match Context's project_id 'proj-a'" },
      });
    }
  });

  test('does not route /v2 without a project id', async () => {
    const res = await call('GET', '/v2/pipeline-test/missing/abc', { headers: TOKEN });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });
});

describe('authentication with noauth2', () => {
  test('takes user and project from the token and roles from X-Roles', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { ...TOKEN, 'X-Roles': 'member, reader' } });
    assert.deepEqual(
      { user: res.json.user_id, project: res.json.project_id, admin: res.json.is_admin, roles: res.json.roles },
      { user: 'alice', project: 'proj-a', admin: false, roles: ['member', 'reader'] },
    );
  });

  test('accepts X-Auth-User and X-Auth-Project-Id without a token', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { 'X-Auth-User': 'bob', 'X-Auth-Project-Id': 'proj-b' } });
    assert.equal(res.json.user_id, 'bob');
    assert.equal(res.json.project_id, 'proj-b');
  });

  test('makes the admin user and holders of the admin role administrators', async () => {
    const adminUser = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { 'X-Auth-Token': 'admin:proj-a' } });
    assert.equal(adminUser.json.is_admin, true);
    const adminRole = await call('GET', '/v2.1/pipeline-test/whoami', { headers: { ...TOKEN, 'X-Roles': 'Admin' } });
    assert.equal(adminRole.json.is_admin, true);
  });
});

describe('bodies and responses', () => {
  test('rejects unknown keys at /v2.1 with Nova wording', async () => {
    const res = await jsonCall('POST', '/v2.1/pipeline-test/widgets', { widget: { name: 'w', color: 'red' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      badRequest: {
        code: 400,
        message:
          "Invalid input for field/attribute widget. Value: {'name': 'w', 'color': 'red'}. Additional properties are not allowed ('color' was unexpected)",
      },
    });
  });

  test('names the failing field and value for a constraint violation', async () => {
    const res = await jsonCall('POST', '/v2.1/pipeline-test/widgets', { widget: { name: '' } });
    assert.equal(res.json.badRequest.message, "Invalid input for field/attribute name. Value: . '' is too short");
    const missing = await jsonCall('POST', '/v2.1/pipeline-test/widgets', { nothing: 1 });
    assert.equal(missing.json.badRequest.message, "'widget' is a required property");
    const extra = await jsonCall('POST', '/v2.1/pipeline-test/widgets', { widget: { name: 'w' }, nothing: 1 });
    assert.equal(extra.json.badRequest.message, "Additional properties are not allowed ('nothing' was unexpected)");
    const empty = await call('POST', '/v2.1/pipeline-test/widgets', { headers: TOKEN });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.badRequest.message, "None is not of type 'object'");
  });

  test('drops unknown keys at /v2 instead of rejecting them', async () => {
    const res = await jsonCall('POST', '/v2/proj-a/pipeline-test/widgets', { widget: { name: 'w', color: 'red' }, extra: true });
    assert.equal(res.status, 201);
    assert.deepEqual(res.json, { widget: { name: 'w', id: 'w1' } });
  });

  test('sends Content-Length 0 for empty success bodies', async () => {
    const deleted = await call('DELETE', '/v2.1/pipeline-test/items/a1', { headers: TOKEN });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    const located = await call('POST', '/v2.1/pipeline-test/located', { headers: TOKEN });
    assert.equal(located.status, 202);
    assert.equal(located.headers.get('content-length'), '0');
    assert.equal(located.headers.get('location'), 'http://example.test/x');
    assert.equal(located.text, '');
  });

  test('dispatches actions by their body key', async () => {
    const ok = await jsonCall('POST', '/v2.1/pipeline-test/items/a1/action', { poke: null });
    assert.equal(ok.status, 202);
    assert.equal(ok.headers.get('content-length'), '0');
    const unknown = await jsonCall('POST', '/v2.1/pipeline-test/items/a1/action', { prod: null });
    assert.deepEqual(unknown.json, { badRequest: { code: 400, message: 'There is no such action: prod' } });
    const twoKeys = await jsonCall('POST', '/v2.1/pipeline-test/items/a1/action', { poke: null, prod: null });
    assert.deepEqual(twoKeys.json, { badRequest: { code: 400, message: 'Malformed request body' } });
  });

  test('keeps repeated query keys as arrays', async () => {
    const res = await call('GET', '/v2.1/pipeline-test/query?status=ACTIVE&status=ERROR&name=x', { headers: TOKEN });
    assert.deepEqual(res.json.query, { status: ['ACTIVE', 'ERROR'], name: 'x' });
  });

  test('builds self and bookmark links that echo the project only when the URL had it', async () => {
    const plain = await call('GET', '/v2.1/pipeline-test/items?limit=2', { headers: TOKEN });
    assert.deepEqual(plain.json.items[0].links, [
      { rel: 'self', href: `${base}/v2.1/pipeline-test/items/a1` },
      { rel: 'bookmark', href: `${base}/pipeline-test/items/a1` },
    ]);
    assert.deepEqual(plain.json.items_links, [{ rel: 'next', href: `${base}/v2.1/pipeline-test/items?limit=2&marker=a2` }]);
    const scoped = await call('GET', '/v2/proj-a/pipeline-test/items', { headers: TOKEN });
    assert.deepEqual(scoped.json.items[2].links, [
      { rel: 'self', href: `${base}/v2/proj-a/pipeline-test/items/a3` },
      { rel: 'bookmark', href: `${base}/proj-a/pipeline-test/items/a3` },
    ]);
    assert.deepEqual(scoped.json.items_links, []);
  });

  test('rejects a limit that is not a non-negative integer', async () => {
    for (const limit of ['abc', '-1', '1.5']) {
      const res = await call('GET', `/v2.1/pipeline-test/items?limit=${limit}`, { headers: TOKEN });
      assert.equal(res.status, 400, limit);
      assert.equal(res.json.badRequest.code, 400);
    }
  });
});
