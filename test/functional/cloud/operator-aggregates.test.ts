/**
 * os-aggregates against the whole cloud: an aggregate with an availability zone becomes a
 * zone that os-availability-zone lists and that a server can be booted into; a host
 * stays in one zone; the error paths change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CLOUD_BACKENDS, startWholeCloud, type WholeCloud } from '../cloud-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

let c: WholeCloud;
let computeHost = '';
const call = (method: string, path: string, body?: unknown, token = c.adminToken) =>
  c.call<Json>(method, `${c.computeUrl}${path}`, token, body);

before(async () => {
  c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]));
  computeHost = c.cloud.services.find((s) => s.binary === 'nova-compute')?.host as string;
});
after(async () => c?.stop());

let az2 = 0;

test('create answers the closed create keys; list and show add hosts and metadata', async () => {
  const made = await call('POST', '/os-aggregates', { aggregate: { name: 'agg', availability_zone: 'az2' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.deepEqual(Object.keys(made.body.aggregate).sort(), [
    'availability_zone',
    'created_at',
    'deleted',
    'deleted_at',
    'id',
    'name',
    'updated_at',
  ]);
  assert.equal(made.body.aggregate.availability_zone, 'az2');
  assert.equal(made.body.aggregate.deleted, false);
  az2 = made.body.aggregate.id;
  const shown = await call('GET', `/os-aggregates/${az2}`);
  assert.deepEqual(shown.body.aggregate.hosts, []);
  assert.deepEqual(shown.body.aggregate.metadata, { availability_zone: 'az2' });
  const listed = await call('GET', '/os-aggregates');
  assert.deepEqual(
    listed.body.aggregates.map((a: Json) => a.name),
    ['agg'],
  );
});

test('add_host and set_metadata; the host now lives in az2 for the zone listing, os-hosts and os-services', async () => {
  const added = await call('POST', `/os-aggregates/${az2}/action`, { add_host: { host: computeHost } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(added.body.aggregate.hosts, [computeHost]);
  const meta = await call('POST', `/os-aggregates/${az2}/action`, { set_metadata: { metadata: { ssd: 'true', gone: null } } });
  assert.deepEqual(meta.body.aggregate.metadata, { availability_zone: 'az2', ssd: 'true' });
  const unset = await call('POST', `/os-aggregates/${az2}/action`, { set_metadata: { metadata: { ssd: null } } });
  assert.deepEqual(unset.body.aggregate.metadata, { availability_zone: 'az2' });

  const zones = await call('GET', '/os-availability-zone', undefined, c.demoToken);
  assert.deepEqual(
    zones.body.availabilityZoneInfo.map((z: Json) => z.zoneName),
    ['az2'],
  );
  const hosts = await call('GET', '/os-hosts?zone=az2');
  assert.deepEqual(
    hosts.body.hosts.map((h: Json) => h.host_name),
    [computeHost],
  );
  const services = await call('GET', '/os-services?binary=nova-compute');
  assert.equal(services.body.services[0].zone, 'az2');
});

test('a server booted into az2 lands on the aggregate host (AvailabilityZoneFilter)', async () => {
  const posted = await call(
    'POST',
    '/servers',
    { server: { name: 'in-az2', imageRef: c.imageId, flavorRef: '1', availability_zone: 'az2' } },
    c.demoToken,
  );
  assert.equal(posted.status, 202, JSON.stringify(posted.body));
  const id = posted.body.server.id;
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end');
  const shown = await call('GET', `/servers/${id}`);
  assert.equal(shown.body.server['OS-EXT-AZ:availability_zone'], 'az2');
  assert.equal(shown.body.server['OS-EXT-SRV-ATTR:host'], computeHost);
  const servers = await call('GET', `/os-hypervisors/${encodeURIComponent(computeHost)}/servers`);
  assert.deepEqual(
    servers.body.hypervisors.flatMap((h: Json) => (h.servers ?? []).map((s: Json) => s.uuid)),
    [id],
  );
  const usage = await call('GET', `/os-hosts/${computeHost}`);
  const projects = usage.body.host.map((r: Json) => r.resource.project);
  assert.equal(projects.length, 4, 'one project row after the three summary rows');
  assert.equal(usage.body.host[2].resource.memory_mb, 512, '(used_max) sums the flavor');
  assert.equal((await call('DELETE', `/servers/${id}`, undefined, c.demoToken)).status, 204);
  await c.notification(id, ['compute.instance.delete.end']);
});

test('a host in one zone cannot join an aggregate of another zone (409); a zone-less aggregate is fine', async () => {
  const az3 = (await call('POST', '/os-aggregates', { aggregate: { name: 'agg3', availability_zone: 'az3' } })).body.aggregate.id;
  const refused = await call('POST', `/os-aggregates/${az3}/action`, { add_host: { host: computeHost } });
  assert.equal(refused.status, 409);
  assert.deepEqual((await call('GET', `/os-aggregates/${az3}`)).body.aggregate.hosts, []);

  const plain = (await call('POST', '/os-aggregates', { aggregate: { name: 'plain' } })).body.aggregate.id;
  assert.equal((await call('POST', `/os-aggregates/${plain}/action`, { add_host: { host: computeHost } })).status, 200);
  const rezone = await call('PUT', `/os-aggregates/${plain}`, { aggregate: { availability_zone: 'az9' } });
  assert.equal(rezone.status, 409, 'the host would be in az2 and az9');
  const rezoneMeta = await call('POST', `/os-aggregates/${plain}/action`, { set_metadata: { metadata: { availability_zone: 'az9' } } });
  assert.equal(rezoneMeta.status, 400);
  assert.deepEqual((await call('GET', `/os-aggregates/${plain}`)).body.aggregate.metadata, {});
  const renamed = await call('PUT', `/os-aggregates/${plain}`, { aggregate: { name: 'plain2', availability_zone: 'az2' } });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.aggregate.name, 'plain2');
  assert.equal(renamed.body.aggregate.availability_zone, 'az2');

  assert.equal((await call('POST', `/os-aggregates/${plain}/action`, { remove_host: { host: computeHost } })).status, 200);
  assert.equal((await call('DELETE', `/os-aggregates/${plain}`)).status, 200);
  assert.equal((await call('DELETE', `/os-aggregates/${az3}`)).status, 200);
  assert.equal((await call('GET', `/os-aggregates/${plain}`)).status, 404);
});

test('error paths: 409 duplicate name or member, 400 delete of a non-empty aggregate and bad bodies, 404s, member 403', async () => {
  assert.equal((await call('POST', '/os-aggregates', { aggregate: { name: 'agg' } })).status, 409);
  assert.equal((await call('POST', `/os-aggregates/${az2}/action`, { add_host: { host: computeHost } })).status, 409);
  assert.equal((await call('DELETE', `/os-aggregates/${az2}`)).status, 400);
  for (const body of [{}, { aggregate: {} }, { aggregate: { name: '' } }, { aggregate: { name: 'x', bogus: 1 } }, { name: 'x' }]) {
    assert.equal((await call('POST', '/os-aggregates', body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await call('PUT', `/os-aggregates/${az2}`, { aggregate: {} })).status, 400);
  assert.equal((await call('POST', `/os-aggregates/${az2}/action`, { bogus_action: {} })).status, 400);
  assert.equal((await call('POST', `/os-aggregates/${az2}/action`, { add_host: {} })).status, 400);
  assert.equal((await call('POST', `/os-aggregates/${az2}/action`, { add_host: { host: 'nowhere' } })).status, 404);
  assert.equal((await call('POST', `/os-aggregates/${az2}/action`, { remove_host: { host: 'nowhere' } })).status, 404);
  assert.equal((await call('GET', '/os-aggregates/99999')).status, 404);
  assert.equal((await call('GET', '/os-aggregates/abc')).status, 404);
  assert.equal((await call('DELETE', '/os-aggregates/99999')).status, 404);
  assert.equal((await call('PUT', '/os-aggregates/99999', { aggregate: { name: 'z' } })).status, 404);
  assert.equal((await call('GET', '/os-aggregates', undefined, c.demoToken)).status, 403);
  assert.equal((await call('POST', '/os-aggregates', { aggregate: { name: 'm' } }, c.demoToken)).status, 403);
  const listed = await call('GET', '/os-aggregates');
  assert.deepEqual(
    listed.body.aggregates.map((a: Json) => [a.name, a.hosts]),
    [['agg', [computeHost]]],
  );
});
